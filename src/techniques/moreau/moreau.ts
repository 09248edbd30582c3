/**
 * MoreauGrad (Zhang, Farnia et al. 2022): explain a classifier score f at x by the gradient of its
 * Moreau envelope
 *
 *   f^rho(x) = min_z f(z) + ||z - x||^2 / (2 rho),
 *
 * which for a rho-weakly-convex f (I + rho Hess f positive definite) is smooth with gradient
 * (x - prox(x)) / rho, prox(x) the minimiser. The minimiser is found by inner gradient steps on the
 * proximal problem, started at x. The sparse variant adds eta ||z - x||_1 (an elastic-net
 * proximal problem), solved by proximal gradient (soft-thresholding the displacement), and explains by
 * the same (x - z*) / rho, which is then exactly zero on the coordinates the L1 term pins.
 *
 * As rho -> 0 MoreauGrad tends to the gradient; on a quadratic f = x^T A x / 2 + b^T x it is
 * (I + rho A)^-1 (A x + b), the gradient with its high-curvature directions shrunk.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import { targetScore, type Attribution } from '../attribution/attribution.js';

/** Settings of the proximal problem that MoreauGrad solves by inner gradient steps. */
export interface MoreauOptions {
  /** the envelope's smoothing parameter rho > 0 (squared-distance weight 1 / (2 rho)) */
  rho: number;
  /** inner gradient (or proximal-gradient) steps on the proximal problem */
  steps: number;
  /** inner step size; default rho / 2 (the quadratic term alone has curvature 1 / rho) */
  stepSize?: number;
  /** L1 weight eta on the displacement z - x: the sparse (elastic-net) MoreauGrad; default 0 */
  l1?: number;
  /**
   * decaying steps: step t (from 1) is stepSize t0 / (t0 + t - 1) with t0 = 2 rho / stepSize, about 2 rho / t
   * late (the subgradient method's rate for the (1 / rho)-strongly convex proximal problem), so the iterate
   * settles even where f has kinks (a ReLU network's logit), where fixed-step gradient descent keeps
   * oscillating at a distance of order stepSize; default false (fixed steps)
   */
  decay?: boolean;
}

/** The proximal points and MoreauGrad maps of a batch, with the inner solver's residuals. */
export interface MoreauResult {
  /** the proximal point z* per example (the last iterate), shaped like the inputs */
  prox: tf.Tensor;
  /** MoreauGrad (x - z*) / rho, shaped like the inputs */
  grad: tf.Tensor;
  /**
   * per example, the norm of the proximal-gradient mapping at the last iterate, ||z - T(z)|| / step
   * (for l1 = 0: ||grad f(z) + (z - x) / rho||): 0 at the exact proximal point of a smooth f (at a kink of
   * a non-smooth f it measures the gradient's jump, not the distance to z*)
   */
  residual: Float64Array;
  /**
   * per example, how much the estimate still moved: ||mean of the iterates over the third quarter of the
   * steps - mean over the fourth|| / rho, in the units of MoreauGrad (0 once the solver has settled, for
   * smooth and non-smooth scores alike; NaN for steps < 4)
   */
  drift: Float64Array;
}

/** Soft-thresholding S_t(v) = sign(v) max(|v| - t, 0). */
export function softThreshold(v: tf.Tensor, t: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sign(v), tf.relu(tf.sub(tf.abs(v), t))));
}

function checkOptions(o: MoreauOptions): Required<MoreauOptions> {
  if (!(o.rho > 0)) throw new Error(`moreau: rho must be > 0, got ${o.rho}`);
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new Error(`moreau: steps must be an integer >= 0, got ${o.steps}`);
  const stepSize = o.stepSize ?? o.rho / 2;
  if (!(stepSize > 0)) throw new Error(`moreau: stepSize must be > 0, got ${stepSize}`);
  const l1 = o.l1 ?? 0;
  if (!(l1 >= 0)) throw new Error(`moreau: l1 must be >= 0, got ${l1}`);
  return { rho: o.rho, steps: o.steps, stepSize, l1, decay: o.decay ?? false };
}

/**
 * One proximal-gradient step on z -> f(z) + ||z - x||^2 / (2 rho) + eta ||z - x||_1: a gradient step on
 * the smooth part, then soft-thresholding of the displacement from x (none when eta = 0).
 */
function proxStep(gradF: (z: tf.Tensor) => tf.Tensor, x: tf.Tensor, z: tf.Tensor, o: Required<MoreauOptions>, step: number): tf.Tensor {
  return tf.tidy(() => {
    const smooth = tf.add(gradF(z), tf.div(tf.sub(z, x), o.rho));
    const moved = tf.sub(z, tf.mul(smooth, step));
    return o.l1 > 0 ? tf.add(x, softThreshold(tf.sub(moved, x), step * o.l1)) : moved;
  });
}

/** the step size of inner step t (from 1) */
function stepAt(o: Required<MoreauOptions>, t: number): number {
  if (!o.decay) return o.stepSize;
  const t0 = (2 * o.rho) / o.stepSize;
  return (o.stepSize * t0) / (t0 + t - 1);
}

/**
 * The proximal point of a batched score and MoreauGrad at x. `score` maps a batch to the SUM of the
 * per-example scores (so its gradient holds each example's own gradient, as `targetScore` does).
 * `onStep(t, z)` sees every iterate (z_0 = x), e.g. to follow the solver's convergence.
 */
export function moreauEnvelopeGradient(score: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, options: MoreauOptions,
  onStep?: (t: number, z: tf.Tensor) => void): MoreauResult {
  const o = checkOptions(options);
  const gradF = tf.grad(score);
  const q = Math.floor(o.steps / 4);
  // running sums of the iterates over the third and fourth quarters (t in (T/2, 3T/4] and (3T/4, T])
  const sums: [tf.Tensor, tf.Tensor] = [tf.zerosLike(x), tf.zerosLike(x)];
  let z = x.clone();
  onStep?.(0, z);
  for (let t = 1; t <= o.steps; t++) {
    const next = proxStep(gradF, x, z, o, stepAt(o, t));
    z.dispose();
    z = next;
    onStep?.(t, z);
    const k = t > o.steps - q ? 1 : t > o.steps - 2 * q ? 0 : undefined;
    if (k !== undefined) { const s = tf.add(sums[k], z); sums[k].dispose(); sums[k] = s; }
  }
  const last = stepAt(o, o.steps + 1);
  const norms = tf.tidy(() => tf.norm(tf.div(tf.sub(z, proxStep(gradF, x, z, o, last)), last).reshape([x.shape[0], -1]), 'euclidean', 1));
  const residual = Float64Array.from(norms.dataSync());
  const driftNorms = tf.tidy(() => tf.norm(tf.div(tf.sub(sums[0], sums[1]), Math.max(q, 1) * o.rho).reshape([x.shape[0], -1]), 'euclidean', 1));
  const drift = Float64Array.from(driftNorms.dataSync(), (v) => (q > 0 ? v : NaN));
  [norms, driftNorms, ...sums].forEach((t) => t.dispose());
  const grad = tf.tidy(() => tf.div(tf.sub(x, z), o.rho));
  return { prox: z, grad, residual, drift };
}

/**
 * MoreauGrad as an attribution method: the Moreau-envelope gradient of the target logit. `explain`
 * also returns the proximal problem's residual and the estimate's drift per example (how far the inner
 * solver is from settling).
 */
export class MoreauGrad implements Attribution {
  readonly name: string;
  constructor(readonly model: Model, readonly options: MoreauOptions) {
    checkOptions(options);
    this.name = (options.l1 ?? 0) > 0 ? 'sparse MoreauGrad' : 'MoreauGrad';
  }

  /** The MoreauGrad map of each input for its target class, with the inner solver's final residual and drift per example. */
  explain(inputs: tf.Tensor, targets: ArrayLike<number>): { map: tf.Tensor; residual: Float64Array; drift: Float64Array } {
    if (targets.length !== inputs.shape[0]) throw new Error(`MoreauGrad: ${targets.length} targets for a batch of ${inputs.shape[0]}`);
    const r = moreauEnvelopeGradient((z) => targetScore(this.model, z, targets), inputs, this.options);
    r.prox.dispose();
    return { map: r.grad, residual: r.residual, drift: r.drift };
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    return this.explain(inputs, targets).map;
  }
}
