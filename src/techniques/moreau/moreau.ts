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
 *
 * A ReLU network's logit is not weakly convex, so the paper's implementation (the authors' code,
 * buyeah1109/MoreauGrad `explainer.py`) takes the envelope of the Gaussian-smoothed score
 * f_sigma(x) = E f(x + sigma eps), which is smooth, with a fresh Monte Carlo estimate of its gradient at
 * every inner step (fixed steps), and averages the last iterates: `MoreauGrad`'s `smoothing` and the
 * `average` option.
 *
 * With noisy inner gradients the iterates never stop moving, so "settled" is judged against the Monte
 * Carlo noise: summing the inner steps z_{t+1} = z_t - h (g_t + (z_t - x) / rho) over a window gives
 * mean (x - z_t) / rho = mean g_t + (z_end - z_start) / (h n), so a window's mean MoreauGrad carries the
 * window's mean gradient noise, a martingale average whose variance is the sum of the per-step estimates'
 * variances over n^2 (to first order; curvature H maps it through (I + rho H)^-1; the identity is that
 * of fixed steps without the L1 term, whose soft-thresholding keeps the noise's scale). `driftSE` is that
 * standard error for the difference of the two quarters' means that `drift` measures: a drift within a
 * few standard errors is what a converged noisy solver shows, a larger one is a trend (not converged).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
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
  /**
   * return the mean of the iterates over the last half of the steps (the third and fourth quarters) as
   * the proximal point (for noisy inner gradients, as the paper's code averages its last iterates);
   * default false (the last iterate)
   */
  average?: boolean;
}

/** The proximal points and MoreauGrad maps of a batch, with the inner solver's residuals. */
export interface MoreauResult {
  /** the proximal point z* per example (the last iterate, or the last half's mean with `average`), shaped like the inputs */
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
  /**
   * per example, the Monte Carlo standard error of `drift`'s difference of quarter means, in the same
   * units: sqrt(sum over both quarters' steps of the gradient estimate's variance (trace)) / (steps / 4);
   * 0 for an exact gradient, NaN where the oracle gives no variance or steps < 4
   */
  driftSE: Float64Array;
}

/**
 * An inner gradient oracle for a batch: the gradient of the summed score at z (shaped like z) and,
 * for a Monte Carlo estimate, the variance of each example's estimate summed over coordinates ([batch]).
 */
export type GradientOracle = (z: tf.Tensor) => { grad: tf.Tensor; variance?: tf.Tensor };

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
  if (o.average && o.steps < 4) throw new Error(`moreau: average needs steps >= 4, got ${o.steps}`);
  return { rho: o.rho, steps: o.steps, stepSize, l1, decay: o.decay ?? false, average: o.average ?? false };
}

/**
 * One proximal-gradient step on z -> f(z) + ||z - x||^2 / (2 rho) + eta ||z - x||_1: a gradient step on
 * the smooth part, then soft-thresholding of the displacement from x (none when eta = 0).
 */
function proxStep(g: tf.Tensor, x: tf.Tensor, z: tf.Tensor, o: Required<MoreauOptions>, step: number): tf.Tensor {
  return tf.tidy(() => {
    const smooth = tf.add(g, tf.div(tf.sub(z, x), o.rho));
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
  const gradF = tf.grad(score);
  return moreauEnvelopeGradientOf((z) => ({ grad: gradF(z), variance: tf.zeros([z.shape[0]]) }), x, options, onStep);
}

/**
 * `moreauEnvelopeGradient` with the inner gradients from an oracle, e.g. a Monte Carlo estimate of a
 * smoothed score's gradient with its variance (which `driftSE` needs). The oracle's tensors are disposed here.
 */
export function moreauEnvelopeGradientOf(oracle: GradientOracle, x: tf.Tensor, options: MoreauOptions,
  onStep?: (t: number, z: tf.Tensor) => void): MoreauResult {
  const o = checkOptions(options);
  const b = x.shape[0];
  const q = Math.floor(o.steps / 4);
  // running sums of the iterates over the third and fourth quarters (t in (T - 2q, T - q] and (T - q, T]),
  // and of the gradient estimates' variances over both
  const sums: [tf.Tensor, tf.Tensor] = [tf.zerosLike(x), tf.zerosLike(x)];
  let variance: tf.Tensor | undefined = tf.zeros([b]);
  const step = (z: tf.Tensor, size: number, t: number): tf.Tensor => {
    const g = oracle(z);
    try {
      // iterate z_{t-1} of the window pairs with the gradient taken at it (step t; the window's last, z_T,
      // with the residual's step T + 1)
      if (t > o.steps - 2 * q + 1 && variance) {
        if (g.variance) { const v = tf.add(variance, g.variance); variance.dispose(); variance = v; } else { variance.dispose(); variance = undefined; }
      }
      return proxStep(g.grad, x, z, o, size);
    } finally {
      g.grad.dispose();
      g.variance?.dispose();
    }
  };
  let z = x.clone();
  onStep?.(0, z);
  for (let t = 1; t <= o.steps; t++) {
    const next = step(z, stepAt(o, t), t);
    z.dispose();
    z = next;
    onStep?.(t, z);
    const k = t > o.steps - q ? 1 : t > o.steps - 2 * q ? 0 : undefined;
    if (k !== undefined) { const s = tf.add(sums[k], z); sums[k].dispose(); sums[k] = s; }
  }
  const last = stepAt(o, o.steps + 1);
  const after = step(z, last, o.steps + 1);
  const norms = tf.tidy(() => tf.norm(tf.div(tf.sub(z, after), last).reshape([b, -1]), 'euclidean', 1));
  after.dispose();
  const residual = Float64Array.from(norms.dataSync());
  const driftNorms = tf.tidy(() => tf.norm(tf.div(tf.sub(sums[0], sums[1]), Math.max(q, 1) * o.rho).reshape([b, -1]), 'euclidean', 1));
  const drift = Float64Array.from(driftNorms.dataSync(), (v) => (q > 0 ? v : NaN));
  const v = (variance as tf.Tensor | undefined)?.dataSync();
  const driftSE = Float64Array.from({ length: b }, (_, i) => (q > 0 && v ? Math.sqrt(v[i]) / q : NaN));
  (variance as tf.Tensor | undefined)?.dispose();
  if (o.average) { const m = tf.tidy(() => tf.div(tf.add(sums[0], sums[1]), 2 * q)); z.dispose(); z = m; }
  [norms, driftNorms, ...sums].forEach((t) => t.dispose());
  const grad = tf.tidy(() => tf.div(tf.sub(x, z), o.rho));
  return { prox: z, grad, residual, drift, driftSE };
}

/** Gaussian smoothing of a score, as the paper's code: the envelope is that of f_sigma(x) = E f(x + sigma eps). */
export interface Smoothing {
  /** the noise std: one for all inputs, or one per example (e.g. 0.1 of each input's range, as the paper) */
  sigma: number | ArrayLike<number>;
  /** noise draws per inner step (fresh at every step); >= 2 for the estimate's variance */
  samples: number;
  /** the stream the noise is drawn from */
  rng: Rng;
}

/** Settings of MoreauGrad as an attribution: the inner solver's, and optionally the score's Gaussian smoothing. */
export interface MoreauGradOptions extends MoreauOptions {
  /**
   * Gaussian smoothing of the score, as the paper: the envelope of f_sigma(x) = E f(x + sigma eps), each
   * inner step's gradient the mean of the gradients at `samples` fresh noisy copies; default none (f itself)
   */
  smoothing?: Smoothing;
}

/**
 * The inner gradient oracle of the (smoothed) target score: without smoothing the exact gradient; with
 * it, the mean of the per-copy gradients at `samples` noisy copies of each input, and the variance of
 * that mean (the per-copy gradients' sample variance summed over coordinates, over `samples`)
 */
export function smoothedGradient(model: Model, targets: ArrayLike<number>, smoothing?: Smoothing): GradientOracle {
  if (!smoothing) {
    const g = tf.grad((z: tf.Tensor) => targetScore(model, z, targets));
    return (z) => ({ grad: g(z), variance: tf.zeros([z.shape[0]]) });
  }
  const { sigma, samples, rng } = smoothing;
  const b = targets.length;
  const sigmas = typeof sigma === 'number' ? new Array<number>(b).fill(sigma) : Array.from(sigma);
  if (!(sigmas.length === b && sigmas.every((s) => s >= 0) && Number.isInteger(samples) && samples >= 1)) {
    throw new Error(`MoreauGrad: smoothing needs sigma >= 0 (one, or one per example) and an integer samples >= 1, got ${sigma}, ${samples}`);
  }
  const tiled = Int32Array.from({ length: samples * b }, (_, i) => targets[i % b]);
  // the per-copy gradients: the summed score's gradient at the stacked copies holds each copy's own
  const perCopy = tf.grad((z: tf.Tensor) => targetScore(model, z, tiled));
  return (z) => tf.tidy(() => {
    if (z.shape[0] !== b) throw new Error(`MoreauGrad: ${b} targets for a batch of ${z.shape[0]}`);
    const copies = tf.concat(Array.from({ length: samples }, () => z));
    const scale = tf.tensor(Array.from({ length: samples * b }, (_, i) => sigmas[i % b]), [samples * b, ...z.shape.slice(1).map(() => 1)]);
    const noisy = tf.add(copies, tf.mul(rng.normalTensor(copies.shape), scale));
    const g = perCopy(noisy).reshape([samples, b, -1]);
    const mean = tf.mean(g, 0);
    const variance = samples > 1 ? tf.div(tf.sum(tf.square(tf.sub(g, mean)), [0, 2]), (samples - 1) * samples) : tf.fill([b], NaN);
    return { grad: mean.reshape(z.shape), variance };
  });
}

/**
 * MoreauGrad as an attribution method: the Moreau-envelope gradient of the target logit (or of its
 * Gaussian smoothing). `explain` also returns the proximal problem's residual and the estimate's drift
 * per example (how far the inner solver is from settling), with the drift's Monte Carlo standard error.
 */
export class MoreauGrad implements Attribution {
  readonly name: string;
  constructor(readonly model: Model, readonly options: MoreauGradOptions) {
    checkOptions(options);
    this.name = (options.l1 ?? 0) > 0 ? 'sparse MoreauGrad' : 'MoreauGrad';
  }

  /** The MoreauGrad map of each input for its target class, with the inner solver's final residual, drift and the drift's standard error per example. */
  explain(inputs: tf.Tensor, targets: ArrayLike<number>): { map: tf.Tensor; residual: Float64Array; drift: Float64Array; driftSE: Float64Array } {
    if (targets.length !== inputs.shape[0]) throw new Error(`MoreauGrad: ${targets.length} targets for a batch of ${inputs.shape[0]}`);
    const r = moreauEnvelopeGradientOf(smoothedGradient(this.model, targets, this.options.smoothing), inputs, this.options);
    r.prox.dispose();
    return { map: r.grad, residual: r.residual, drift: r.drift, driftSE: r.driftSE };
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    return this.explain(inputs, targets).map;
  }
}
