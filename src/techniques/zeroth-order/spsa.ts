/**
 * Zeroth-order optimisation from forward passes only: SPSA's two-point estimate of the directional
 * derivative along a Gaussian direction z, (L(p + eps z) - L(p - eps z)) / (2 eps), and MeZO's step
 * p <- p - lr * estimate * z (Malladi et al. 2023). Sparse MeZO (Liu et al. 2024) perturbs only a
 * masked subset of the parameters, the smallest in magnitude: fewer dimensions, less variance.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import type { ParamLoss } from '../curvature/hvp.js';
import { magnitudeOrder } from '../pruning/magnitude.js';

/** The two-point estimate of grad L . z (exact for quadratics, error O(eps^2) otherwise). */
export function spsaEstimate(loss: ParamLoss, params: readonly tf.Tensor[], z: readonly tf.Tensor[], eps: number): number {
  if (!(eps > 0)) throw new Error(`spsaEstimate: eps must be > 0, got ${eps}`);
  const at = (s: number) => tf.tidy(() => loss(params.map((p, i) => tf.add(p, tf.mul(z[i], s * eps)))).dataSync()[0]);
  return (at(1) - at(-1)) / (2 * eps);
}

/**
 * Masks (1 = perturbed) keeping the `fraction` of each tensor's entries smallest in magnitude
 * (Sparse MeZO's selection); fraction 1 keeps everything. Caller disposes.
 */
export function magnitudeMasks(params: readonly tf.Tensor[], fraction: number): tf.Tensor[] {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`magnitudeMasks: fraction must be in (0, 1], got ${fraction}`);
  return params.map((p) => {
    const a = p.dataSync();
    const k = Math.max(1, Math.round(fraction * a.length));
    const order = magnitudeOrder(a);
    const mask = new Float32Array(a.length);
    for (let r = 0; r < k; r++) mask[order[r]] = 1;
    return tf.tensor(mask, p.shape);
  });
}

/** The outcome of one `mezoStep`. */
export interface ZoStep {
  /** the SPSA estimate of grad L . z */
  projected: number;
}

/** One MeZO step on `params` (updated in place) along a Gaussian z, restricted to `masks` when given. */
export function mezoStep(loss: ParamLoss, params: readonly tf.Variable[], opts: { lr: number; eps: number; rng: Rng; masks?: readonly tf.Tensor[] }): ZoStep {
  const z = params.map((p, i) => tf.tidy(() => {
    const g = opts.rng.normalTensor(p.shape);
    return opts.masks ? tf.mul(g, opts.masks[i]) : g;
  }));
  try {
    const projected = spsaEstimate(loss, params, z, opts.eps);
    params.forEach((p, i) => tf.tidy(() => p.assign(tf.sub(p, tf.mul(z[i], opts.lr * projected)))));
    return { projected };
  } finally {
    tf.dispose(z);
  }
}
