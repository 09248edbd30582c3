/**
 * The perceptron model of Sclocchi, Geiger & Wyart (2023), where SGD noise can be measured exactly:
 * inputs x in R^d with labels y = sign(x_1), the density of x_1 near the boundary shaped by chi
 * (rho(x_1) ~ |x_1|^chi e^{-x_1^2/2}; chi = 0 is Gaussian), a linear predictor f(x) = w.x / sqrt(d)
 * and the hinge loss max(0, kappa - y f), trained by SGD from w = 0 until every training point is
 * fitted (the loss is zero), which is when SGD stops moving.
 *
 * Plain typed arrays, not tensors: a temperature sweep trains thousands of d-dimensional perceptrons,
 * each step a few hundred flops, where a tensor op's dispatch would cost more than its arithmetic.
 */
import type { Rng } from '../../random/rng.js';

/** A perceptron training set: n inputs of dimension d (row-major) and their +-1 labels. */
export interface PerceptronTask {
  d: number;
  /** row-major inputs [n, d] */
  x: Float64Array;
  /** labels +-1 */
  y: Float64Array;
}

/** n points of the teacher task y = sign(x_1); `chi` shapes the density of x_1 near the boundary. */
export function perceptronTask(n: number, d: number, rng: Rng, chi = 0): PerceptronTask {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`perceptronTask: n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(d) && d >= 2)) throw new Error(`perceptronTask: d must be an integer >= 2, got ${d}`);
  if (!(chi > -1)) throw new Error(`perceptronTask: chi must be > -1, got ${chi}`);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // |x_1| = sqrt(2 G) with G ~ Gamma((chi + 1) / 2) has density ~ r^chi e^{-r^2/2}
    const sign = rng.uniform() < 0.5 ? -1 : 1;
    x[i * d] = sign * Math.sqrt(2 * rng.gamma((chi + 1) / 2));
    for (let j = 1; j < d; j++) x[i * d + j] = rng.normal();
    y[i] = sign;
  }
  return { d, x, y };
}

/** Settings of hinge-loss SGD: learning rate, batch size, margin, epoch cap and random stream. */
export interface HingeSgdOptions {
  lr: number;
  batchSize: number;
  /** hinge margin kappa (default 1) */
  margin?: number;
  /** give up after this many epochs (a run that has not fitted the data is reported, not hidden) */
  maxEpochs: number;
  rng: Rng;
}

/** The end of a hinge-loss SGD run: final weights, steps and time lr x steps, and whether every point was fitted. */
export interface HingeSgdResult {
  w: Float64Array;
  /** SGD steps taken until the hinge loss was zero on every training point */
  steps: number;
  /** training time t* = lr x steps (the paper's time unit) */
  time: number;
  fitted: boolean;
}

/** Margins y f(x) of every point. */
export function margins(task: PerceptronTask, w: Float64Array): Float64Array {
  const { d, x, y } = task;
  const n = y.length;
  const out = new Float64Array(n);
  const s = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += w[j] * x[i * d + j];
    out[i] = y[i] * dot * s;
  }
  return out;
}

/**
 * Minibatch SGD on the mean hinge loss, batches drawn without replacement each epoch (the last,
 * smaller batch is dropped so every step has the same noise), stopping at the first epoch end where
 * every margin is at least kappa. The noise magnitude is the temperature T = lr / batchSize.
 */
export function hingeSgd(task: PerceptronTask, opts: HingeSgdOptions): HingeSgdResult {
  const { d, x, y } = task;
  const n = y.length;
  const kappa = opts.margin ?? 1;
  const { lr, batchSize: b } = opts;
  if (!(lr > 0)) throw new Error(`hingeSgd: lr must be > 0, got ${lr}`);
  if (!(Number.isInteger(b) && b >= 1 && b <= n)) throw new Error(`hingeSgd: batchSize must be an integer in [1, ${n}], got ${b}`);
  const s = 1 / Math.sqrt(d);
  const w = new Float64Array(d);
  const perBatch = Math.floor(n / b);
  let steps = 0;
  const fitted = (): boolean => margins(task, w).every((m) => m >= kappa);
  for (let epoch = 0; epoch < opts.maxEpochs; epoch++) {
    if (fitted()) return { w, steps, time: lr * steps, fitted: true };
    const order = opts.rng.permutation(n);
    for (let k = 0; k < perBatch; k++) {
      // collect the batch's violators first: the step uses the margins before the update
      const active: number[] = [];
      for (let m = k * b; m < (k + 1) * b; m++) {
        const i = order[m];
        let dot = 0;
        for (let j = 0; j < d; j++) dot += w[j] * x[i * d + j];
        if (y[i] * dot * s < kappa) active.push(i);
      }
      const c = (lr / b) * s;
      for (const i of active) for (let j = 0; j < d; j++) w[j] += c * y[i] * x[i * d + j];
      steps++;
    }
  }
  return { w, steps, time: lr * steps, fitted: fitted() };
}

/** Generalisation error of w on the teacher task: the angle to e_1 over pi (exact for isotropic x_perp, any chi). */
export function teacherError(w: Float64Array): number {
  let perp = 0;
  for (let j = 1; j < w.length; j++) perp += w[j] * w[j];
  return Math.atan2(Math.sqrt(perp), w[0]) / Math.PI;
}

/** The Euclidean norm |w|. */
export function norm(w: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += w[j] * w[j];
  return Math.sqrt(s);
}
