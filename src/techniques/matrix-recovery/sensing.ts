/**
 * Linear measurements of a matrix, y_i = <A_i, M>, with Gaussian sensing matrices, and low-rank ground
 * truths. The residual gradient (1/m) sum_i (<A_i, Z> - y_i) A_i equals Gram(vec(Z - M*)) with
 * Gram = (1/m) sum_i vec(A_i) vec(A_i)^T, so smooth-loss GD costs O((n1 n2)^2) per step, free of m.
 */
import type { Rng } from '../../random/rng.js';
import { matMulT } from './linalg.js';

/** m linear measurements <A_i, Z> of n1 x n2 matrices, the A_i stored as flattened rows. */
export interface Sensing {
  n1: number;
  n2: number;
  m: number;
  /** m x (n1 n2), row i = vec(A_i) (row-major) */
  a: Float64Array;
  symmetric: boolean;
}

/**
 * m Gaussian sensing matrices: i.i.d. N(0, 1) entries, or (symmetric) A = (B + B^T) / 2 with B Gaussian,
 * so that E <A, Z>^2 = ||Z||_F^2 for every (symmetric, in the symmetric case) Z: near-isotropic.
 */
export function gaussianSensing(n1: number, n2: number, m: number, rng: Rng, opts: { symmetric?: boolean } = {}): Sensing {
  for (const [k, v] of [['n1', n1], ['n2', n2], ['m', m]] as const) if (!Number.isInteger(v) || v < 1) throw new Error(`gaussianSensing: ${k} must be a positive integer, got ${v}`);
  const symmetric = opts.symmetric ?? false;
  if (symmetric && n1 !== n2) throw new Error(`gaussianSensing: symmetric sensing needs n1 = n2, got ${n1} x ${n2}`);
  const d = n1 * n2;
  const a = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) a[o + j] = rng.normal();
    if (symmetric) for (let p = 0; p < n1; p++) for (let q = p + 1; q < n1; q++) {
      const v = (a[o + p * n1 + q] + a[o + q * n1 + p]) / 2;
      a[o + p * n1 + q] = v;
      a[o + q * n1 + p] = v;
    }
  }
  return { n1, n2, m, a, symmetric };
}

/** y_i = <A_i, M>. */
export function measure(op: Sensing, mat: Float64Array): Float64Array {
  const d = op.n1 * op.n2;
  if (mat.length !== d) throw new Error(`measure: matrix has ${mat.length} entries, the sensing expects ${op.n1} x ${op.n2}`);
  const y = new Float64Array(op.m);
  for (let i = 0; i < op.m; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += op.a[o + j] * mat[j];
    y[i] = s;
  }
  return y;
}

/** (1/m) sum_i w_i A_i. */
export function adjoint(op: Sensing, w: Float64Array): Float64Array {
  if (w.length !== op.m) throw new Error(`adjoint: ${w.length} weights for ${op.m} measurements`);
  const d = op.n1 * op.n2;
  const out = new Float64Array(d);
  for (let i = 0; i < op.m; i++) {
    const wi = w[i] / op.m;
    if (wi === 0) continue;
    const o = i * d;
    for (let j = 0; j < d; j++) out[j] += wi * op.a[o + j];
  }
  return out;
}

/**
 * Gram = (1/m) sum_i a_i a_i^T with a_i = vec(A_i) ((n1 n2) x (n1 n2)); for symmetric sensing in the
 * reduced coordinates a_i = (A_pp, sqrt(2) A_pq for p < q) (n(n+1)/2 square), in which <A, R> = a . r
 * for symmetric R with r = (R_pp, sqrt(2) R_pq): four times cheaper to apply.
 */
export function sensingGram(op: Sensing): Float64Array {
  const d = op.symmetric ? (op.n1 * (op.n1 + 1)) / 2 : op.n1 * op.n2;
  const g = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < op.m; i++) {
    const o = i * op.n1 * op.n2;
    if (op.symmetric) toReduced(op.a.subarray(o, o + op.n1 * op.n1), op.n1, row);
    else row.set(op.a.subarray(o, o + d));
    for (let p = 0; p < d; p++) {
      const v = row[p] / op.m;
      if (v === 0) continue;
      for (let q = p; q < d; q++) g[p * d + q] += v * row[q];
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) g[p * d + q] = g[q * d + p];
  return g;
}

/** (R_pp, sqrt(2) R_pq for p < q) of a symmetric n x n matrix, row by row. */
export function toReduced(r: ArrayLike<number>, n: number, out = new Float64Array((n * (n + 1)) / 2)): Float64Array {
  let c = 0;
  for (let p = 0; p < n; p++) for (let q = p; q < n; q++) out[c++] = p === q ? r[p * n + p] : Math.SQRT2 * (r[p * n + q] + r[q * n + p]) / 2;
  return out;
}

/** The inverse map of toReduced for the gradient: S_pp = s_pp, S_pq = S_qp = s_pq / sqrt(2). */
export function fromReduced(s: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  let c = 0;
  for (let p = 0; p < n; p++) for (let q = p; q < n; q++) {
    const v = p === q ? s[c] : s[c] / Math.SQRT2;
    out[p * n + q] = v; out[q * n + p] = v; c++;
  }
  return out;
}

/** Orthonormal columns (n x r) by Gram-Schmidt on a Gaussian matrix. */
export function randomOrthonormal(n: number, r: number, rng: Rng): Float64Array {
  if (r > n) throw new Error(`randomOrthonormal: r = ${r} columns exceed n = ${n}`);
  const u = new Float64Array(n * r);
  for (let j = 0; j < r; j++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) for (let l = 0; l < j; l++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * u[i * r + l];
      for (let i = 0; i < n; i++) v[i] -= dot * u[i * r + l];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) u[i * r + j] = v[i] / norm;
  }
  return u;
}

/** M* = U diag(singular) U^T, PSD of rank r = singular.length, U a random orthonormal n x r. */
export function psdTruth(n: number, singular: readonly number[], rng: Rng): Float64Array {
  if (singular.some((s) => !(s > 0))) throw new Error(`psdTruth: singular values must be > 0, got ${singular.join(', ')}`);
  const r = singular.length;
  const u = randomOrthonormal(n, r, rng);
  const us = Float64Array.from(u, (v, i) => v * Math.sqrt(singular[i % r]));
  return matMulT(us, us, n, r, n);
}
