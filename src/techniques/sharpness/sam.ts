/**
 * Sharpness-aware minimization (Foret et al. 2021) as a gradient transformation: replace the
 * gradient g by the gradient at the worst nearby point, theta + rho g / |g|, then hand it to any base
 * optimizer: chain(sam(0.05), momentum(lr)). Adaptive SAM (Kwon et al. 2021) scales the ascent
 * per coordinate by |theta|. `only` restricts the perturbation to some parameters (e.g. the
 * normalization layers, Mueller et al. 2023). Needs the training loop's ctx.gradAt.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradientTransformation } from '../../train/transforms.js';

/** Settings of SAM: ascent radius `rho` (> 0), the adaptive (ASAM) variant and the parameters to perturb. */
export interface SamOptions {
  rho: number;
  /** ASAM: ascent direction T^2 g / |T g| with T = |theta| + eta */
  adaptive?: boolean;
  /** ASAM's eta (default 0.01) */
  eta?: number;
  /** indices of the parameters to perturb (default all) */
  only?: readonly number[];
}

/** The SAM ascent step e(theta) for gradient g (zero for parameters left out). */
export function samPerturbation(g: readonly tf.Tensor[], params: readonly tf.Tensor[], opts: SamOptions): tf.Tensor[] {
  return tf.tidy(() => {
    const used = g.map((_, i) => !opts.only || opts.only.includes(i));
    const eta = opts.eta ?? 0.01;
    const scale = params.map((p) => (opts.adaptive ? tf.add(tf.abs(p), eta) : null));
    // direction d = T g (or g); e = rho T d / |d|
    const d = g.map((gi, i) => (scale[i] ? tf.mul(scale[i]!, gi) : gi));
    const norm = tf.sqrt(tf.addN(d.map((di, i) => (used[i] ? tf.sum(tf.square(di)) : tf.scalar(0)))));
    const factor = tf.div(opts.rho, tf.maximum(norm, 1e-12));
    return d.map((di, i) => (used[i] ? tf.mul(factor, scale[i] ? tf.mul(scale[i]!, di) : di) : tf.zerosLike(di)));
  });
}

/** SAM as a gradient transformation: replaces g by the gradient at theta + e(theta) (one extra gradient via ctx.gradAt, which the loop must provide). */
export function sam(opts: SamOptions): GradientTransformation<null> {
  if (!(opts.rho > 0)) throw new Error(`sam: rho must be > 0, got ${opts.rho}`);
  return {
    name: `${opts.adaptive ? 'asam' : 'sam'}(${opts.rho})`,
    init: () => null,
    update: (g, _s, params, ctx) => {
      if (!ctx.gradAt) throw new Error('sam: the training loop must provide ctx.gradAt (the batch gradient at other parameters)');
      const e = samPerturbation(g, params, opts);
      return ctx.gradAt(params.map((p, i) => tf.add(p, e[i])));
    },
    dispose: () => {},
  };
}
