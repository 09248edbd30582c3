/**
 * Gradient norm aware minimization (Zhang et al. 2023) as a gradient transformation. GAM adds to the
 * loss its first-order flatness R(theta) = rho * max_{|e| <= rho} |grad L(theta + e)| and descends on
 * L + alpha R. The inner maximum is taken by one ascent step along grad |grad L| = H g / |g|, and the
 * gradient of |grad L| at that point is a Hessian-vector product; both products are finite
 * differences of gradients with step r, as the paper's code does, so GAM needs only the loop's
 * ctx.gradAt (three extra gradients per step):
 *
 *   d      = g(theta + r g/|g|) - g(theta)                  (~ r H g/|g|, the ascent direction)
 *   theta' = theta + rho d/|d|
 *   grad R ~ rho (g(theta' + r u) - g(theta')) / r,  u = g(theta')/|g(theta')|
 *
 * The paper's released code further mixes in SAM gradients and a GSAM-style decomposition; this is
 * the objective as the paper states it, around any base optimizer: chain(gam(...), momentum(lr)).
 */
import * as tf from '@tensorflow/tfjs';
import { globalNorm, type GradientTransformation } from '../../train/transforms.js';

/** Settings of GAM: radius `rho`, flatness weight `alpha` (both > 0) and finite-difference step `r` (default 0.02). */
export interface GamOptions {
  /** radius of the neighbourhood whose largest gradient norm is penalised (the code's grad_norm_rho, 0.2) */
  rho: number;
  /** weight of the first-order flatness in the objective */
  alpha: number;
  /** finite-difference step for the Hessian-vector products (the code's grad_rho, 0.02) */
  r?: number;
}

function unit(v: readonly tf.Tensor[]): tf.Tensor[] {
  const n = tf.maximum(globalNorm(v), 1e-12);
  return v.map((t) => tf.div(t, n));
}

const axpy = (x: readonly tf.Tensor[], a: number, y: readonly tf.Tensor[]) => x.map((t, i) => tf.add(t, tf.mul(a, y[i])));

/** The update direction g + alpha grad R, given the batch gradient oracle (tensors freed by the caller's tidy). */
export function gamDirection(g: readonly tf.Tensor[], params: readonly tf.Tensor[], gradAt: (ps: tf.Tensor[]) => tf.Tensor[], opts: GamOptions): tf.Tensor[] {
  const r = opts.r ?? 0.02;
  const ascend = gradAt(axpy(params, r, unit(g)));
  const d = ascend.map((a, i) => tf.sub(a, g[i]));
  const adv = axpy(params, opts.rho, unit(d));
  const gAdv = gradAt(adv);
  const gAdvStep = gradAt(axpy(adv, r, unit(gAdv)));
  const scale = (opts.alpha * opts.rho) / r;
  return g.map((gi, i) => tf.add(gi, tf.mul(scale, tf.sub(gAdvStep[i], gAdv[i]))));
}

/** GAM as a gradient transformation: replaces g by g + alpha grad R (three extra gradients via ctx.gradAt, which the loop must provide). */
export function gam(opts: GamOptions): GradientTransformation<null> {
  for (const k of ['rho', 'alpha'] as const) if (!(opts[k] > 0)) throw new Error(`gam: ${k} must be > 0, got ${opts[k]}`);
  if (opts.r !== undefined && !(opts.r > 0)) throw new Error(`gam: r must be > 0, got ${opts.r}`);
  return {
    name: `gam(rho=${opts.rho}, alpha=${opts.alpha})`,
    init: () => null,
    update: (g, _s, params, ctx) => {
      if (!ctx.gradAt) throw new Error('gam: the training loop must provide ctx.gradAt (the batch gradient at other parameters)');
      return gamDirection(g, params, ctx.gradAt, opts);
    },
    dispose: () => {},
  };
}
