/**
 * Regularisers for continual learning (Lewandowski, Schuurmans & Machado, "Learning Continually by
 * Spectral Regularization"): keep the properties a network has at initialisation that make it trainable.
 * - spectral: per weight matrix W_l, (sigma_max(W_l)^k - 1)^2, summed over layers; sigma_max by power
 *   iteration with persistent vectors (one or a few steps per update, as in spectral normalisation).
 *   With the top singular pair (u, v) held fixed, sigma = u^T W v and d sigma / d W = u v^T, which is
 *   the exact gradient of sigma_max at a simple top singular value; so the penalty's gradient is
 *   2 (sigma^k - 1) k sigma^(k-1) u v^T and no SVD is needed.
 * - l2: sum of squared parameters (weight decay).
 * - l2Init: sum of squared distances to the initial parameters (Kumar et al.'s L2 Init).
 * - wassersteinInit: per parameter tensor, the squared 2-Wasserstein distance between the empirical
 *   distribution of its entries and that at initialisation, sum_i (sort(theta)_i - sort(theta_0)_i)^2
 *   (the sort order is taken from the current values; its gradient is that of the matched pairs).
 * Every penalty is a function of the parameter list, so the training step differentiates it with the loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import { symmetricEigen } from '../matrix-recovery/linalg.js';

/** The regulariser of a continual-learning arm: none, L2, L2 towards the initialisation, spectral (sigma_max^k - 1)^2, or Wasserstein distance to the initial weights' distribution. */
export type RegulariserKind = 'none' | 'l2' | 'l2Init' | 'spectral' | 'wassersteinInit';

/** A matrix's top singular value with its left and right singular vectors. */
export interface SingularTriple {
  sigma: number;
  /** left and right singular vectors (rows and cols long) */
  u: Float64Array;
  v: Float64Array;
}

/**
 * The top singular triple of a rows x cols row-major matrix by power iteration on W^T W from `v0`
 * (random when not given), `iters` steps; each step is v <- W^T W v / |W^T W v|, u = W v / |W v|.
 */
export function powerSingular(w: ArrayLike<number>, rows: number, cols: number, iters: number, v0?: ArrayLike<number>, rng?: Rng): SingularTriple {
  if (w.length !== rows * cols) throw new Error(`powerSingular: matrix has ${w.length} entries, expected ${rows} x ${cols}`);
  if (!(Number.isInteger(iters) && iters >= 1)) throw new Error(`powerSingular: iters must be an integer >= 1, got ${iters}`);
  if (!v0 && !rng) throw new Error('powerSingular: give a start vector v0 or an rng');
  let v: Float64Array = Float64Array.from(v0 ?? Array.from({ length: cols }, () => rng!.normal()));
  if (v.length !== cols) throw new Error(`powerSingular: v0 has ${v.length} entries, expected ${cols}`);
  let u: Float64Array = new Float64Array(rows);
  let sigma = 0;
  const unit = (a: Float64Array) => { const n = Math.hypot(...a); return n > 0 ? a.map((x) => x / n) : a; };
  v = unit(v);
  for (let t = 0; t < iters; t++) {
    u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) { let s = 0; for (let j = 0; j < cols; j++) s += w[i * cols + j] * v[j]; u[i] = s; }
    sigma = Math.hypot(...u);
    u = unit(u);
    const next = new Float64Array(cols);
    for (let i = 0; i < rows; i++) { const ui = u[i]; for (let j = 0; j < cols; j++) next[j] += w[i * cols + j] * ui; }
    v = unit(next);
  }
  // sigma = u^T W v with the final pair (the Rayleigh value the penalty differentiates)
  let s = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) s += u[i] * w[i * cols + j] * v[j];
  sigma = s;
  return { sigma, u, v };
}

/**
 * The exact top singular triple (the reference for `powerSingular`): the top eigenpair of the dense
 * cols x cols W^T W by Jacobi rotations, sigma its square root, u = W v / sigma (through W^T when
 * rows < cols, so the eigenproblem is the smaller side's).
 */
export function denseTopSingular(w: ArrayLike<number>, rows: number, cols: number): SingularTriple {
  if (w.length !== rows * cols) throw new Error(`denseTopSingular: matrix has ${w.length} entries, expected ${rows} x ${cols}`);
  if (rows < cols) {
    const t = Float64Array.from({ length: rows * cols }, (_, q) => w[(q % rows) * cols + Math.floor(q / rows)]);
    const s = denseTopSingular(t, cols, rows);
    return { sigma: s.sigma, u: s.v, v: s.u };
  }
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < rows; i++) for (let a = 0; a < cols; a++) {
    const wa = w[i * cols + a];
    for (let b = 0; b < cols; b++) g[a * cols + b] += wa * w[i * cols + b];
  }
  const { values, vectors } = symmetricEigen(g, cols);
  let top = 0;
  for (let j = 1; j < cols; j++) if (values[j] > values[top]) top = j;
  const sigma = Math.sqrt(Math.max(0, values[top]));
  const v = Float64Array.from({ length: cols }, (_, a) => vectors[a * cols + top]);
  const u = new Float64Array(rows);
  for (let i = 0; i < rows; i++) { let s = 0; for (let a = 0; a < cols; a++) s += w[i * cols + a] * v[a]; u[i] = sigma > 0 ? s / sigma : 0; }
  return { sigma, u, v };
}

/** The exact gradient of (sigma_max(W)^k - 1)^2 at a simple top singular value: 2 (sigma^k - 1) k sigma^(k-1) u v^T (rows x cols). */
export function spectralPenaltyGradient(t: SingularTriple, k: number): Float64Array {
  const c = 2 * (t.sigma ** k - 1) * k * t.sigma ** (k - 1);
  return Float64Array.from({ length: t.u.length * t.v.length }, (_, q) => c * t.u[Math.floor(q / t.v.length)] * t.v[q % t.v.length]);
}

/**
 * The spectral penalty's state: per regularised matrix its persistent right singular vector, refreshed
 * by `refresh` (power steps on the current weights, outside the gradient) before each update.
 */
export class SpectralPenalty {
  private readonly pairs: { u: tf.Tensor2D; v: tf.Tensor2D; vHost: Float64Array; sigma: number }[];

  /**
   * @param shapes [rows, cols] of each matrix the penalty acts on, in the order `penalty` receives them
   * @param k exponent: the penalty is (sigma^k - 1)^2 (the paper regularises sigma_max^k towards 1)
   * @param iters power steps per refresh
   */
  constructor(private readonly shapes: [number, number][], rng: Rng, private readonly k = 2, private readonly iters = 1) {
    if (!(k > 0)) throw new Error(`SpectralPenalty: exponent k must be > 0, got ${k}`);
    this.pairs = shapes.map(([r, c]) => {
      const vHost = Float64Array.from({ length: c }, () => rng.normal());
      return { u: tf.zeros([r, 1]), v: tf.zeros([c, 1]), vHost, sigma: NaN };
    });
  }

  /** Run the power steps on the current matrices (host copies) and store the singular pairs. */
  refresh(matrices: readonly tf.Tensor[]): void {
    if (matrices.length !== this.shapes.length) throw new Error(`SpectralPenalty.refresh: ${matrices.length} matrices, expected ${this.shapes.length}`);
    matrices.forEach((m, l) => {
      const [r, c] = this.shapes[l];
      const t = powerSingular(m.dataSync(), r, c, this.iters, this.pairs[l].vHost);
      const p = this.pairs[l];
      p.u.dispose(); p.v.dispose();
      p.u = tf.tensor2d(Float32Array.from(t.u), [r, 1]);
      p.v = tf.tensor2d(Float32Array.from(t.v), [c, 1]);
      p.vHost = t.v;
      p.sigma = t.sigma;
    });
  }

  /** The top singular values found by the last refresh. */
  sigmas(): number[] {
    return this.pairs.map((p) => p.sigma);
  }

  /** sum_l (sigma_l^k - 1)^2 with sigma_l = u_l^T W_l v_l (differentiable in W_l). */
  penalty(matrices: readonly tf.Tensor[]): tf.Scalar {
    return tf.tidy(() => tf.addN(matrices.map((w, l) => {
      const { u, v } = this.pairs[l];
      const sigma = tf.sum(tf.mul(u, tf.matMul(w as tf.Tensor2D, v)));
      return tf.square(tf.sub(tf.pow(sigma, this.k), 1));
    })) as tf.Scalar);
  }

  /** Frees the tracked singular-vector tensors. */
  dispose(): void {
    this.pairs.forEach((p) => { p.u.dispose(); p.v.dispose(); });
  }
}

/** sum of squared entries of every tensor. */
export function l2Penalty(params: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(params.map((p) => tf.sum(tf.square(p)))) as tf.Scalar);
}

/** sum of squared distances to `init` (same shapes). */
export function l2InitPenalty(params: readonly tf.Tensor[], init: readonly tf.Tensor[]): tf.Scalar {
  if (params.length !== init.length) throw new Error(`l2InitPenalty: ${params.length} tensors vs ${init.length} initial ones`);
  return tf.tidy(() => tf.addN(params.map((p, i) => tf.sum(tf.square(tf.sub(p, init[i]))))) as tf.Scalar);
}

/**
 * sum over tensors of the squared 2-Wasserstein distance (times the entry count) between the entries of
 * `params[i]` and of `initSorted[i]` (the initial entries sorted ascending, flat).
 */
export function wassersteinInitPenalty(params: readonly tf.Tensor[], initSorted: readonly tf.Tensor1D[]): tf.Scalar {
  if (params.length !== initSorted.length) throw new Error(`wassersteinInitPenalty: ${params.length} tensors vs ${initSorted.length} sorted initial ones`);
  return tf.tidy(() => tf.addN(params.map((p, i) => {
    const flat = p.reshape([-1]) as tf.Tensor1D;
    // ascending order of the current entries, found on the host: a constant permutation
    const values = flat.dataSync();
    const order = tf.tensor1d(Int32Array.from(values.keys()).sort((a, b) => values[a] - values[b]), 'int32');
    return tf.sum(tf.square(tf.sub(tf.gather(flat, order), initSorted[i])));
  })) as tf.Scalar);
}

/** The initial entries of each tensor, flat and sorted ascending (for `wassersteinInitPenalty`). */
export function sortedCopies(params: readonly tf.Tensor[]): tf.Tensor1D[] {
  return params.map((p) => tf.tidy(() => tf.reverse(tf.topk(p.reshape([-1]) as tf.Tensor1D, p.size).values) as tf.Tensor1D));
}
