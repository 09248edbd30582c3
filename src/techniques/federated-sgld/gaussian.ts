/**
 * Small dense Gaussian algebra in float64 (d of a few): symmetric eigendecomposition (cyclic Jacobi),
 * inverse and square root of SPD matrices, sample moments, and the closed-form 2-Wasserstein distance
 * between Gaussians, W2^2 = |m1 - m2|^2 + tr(S1 + S2 - 2 (S2^1/2 S1 S2^1/2)^1/2).
 */
export type Mat = number[][];

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix. */
export function symEig(a: Mat): { values: number[]; vectors: Mat } {
  const d = a.length;
  if (!d || a.some((r) => r.length !== d)) throw new Error('symEig: a must be a non-empty square matrix');
  const m = a.map((r) => [...r]);
  const v: Mat = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) {
      if (Math.abs(m[p][q]) < 1e-300) continue;
      const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < d; k++) { const mkp = m[k][p], mkq = m[k][q]; m[k][p] = c * mkp - s * mkq; m[k][q] = s * mkp + c * mkq; }
      for (let k = 0; k < d; k++) { const mpk = m[p][k], mqk = m[q][k]; m[p][k] = c * mpk - s * mqk; m[q][k] = s * mpk + c * mqk; }
      for (let k = 0; k < d; k++) { const vkp = v[k][p], vkq = v[k][q]; v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq; }
    }
  }
  return { values: m.map((r, i) => r[i]), vectors: v };
}

/** f(A) = V diag(f(lambda)) V^T for symmetric A. */
export function symFunction(a: Mat, f: (x: number) => number): Mat {
  const { values, vectors } = symEig(a);
  const d = a.length;
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => values.reduce((s, l, k) => s + vectors[i][k] * f(l) * vectors[j][k], 0)));
}

/** The matrix product A B. */
export const matMul = (a: Mat, b: Mat): Mat => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
/** The matrix-vector product A x. */
export const matVec = (a: Mat, x: ArrayLike<number>): number[] => a.map((r) => r.reduce((s, v, k) => s + v * x[k], 0));

/** Inverse of a symmetric positive-definite matrix by eigendecomposition; throws if an eigenvalue is <= 0. */
export function spdInverse(a: Mat): Mat {
  return symFunction(a, (x) => {
    if (!(x > 0)) throw new Error(`spdInverse: matrix is not positive definite (eigenvalue ${x})`);
    return 1 / x;
  });
}

/** Symmetric square root of a positive-semidefinite matrix (tiny negative eigenvalues clamped to 0); throws on a clearly negative one. */
export function spdSqrt(a: Mat): Mat {
  return symFunction(a, (x) => {
    if (x < -1e-12 * Math.max(1, Math.abs(x))) throw new Error(`spdSqrt: matrix has a negative eigenvalue ${x}`);
    return Math.sqrt(Math.max(0, x));
  });
}

/** A multivariate normal N(mean, cov). */
export interface Gaussian { mean: number[]; cov: Mat }

/** Squared 2-Wasserstein distance between two Gaussians. */
export function gaussianW2Sq(a: Gaussian, b: Gaussian): number {
  const d = a.mean.length;
  if (b.mean.length !== d || a.cov.length !== d || b.cov.length !== d) throw new Error(`gaussianW2Sq: dimensions differ (${d}, ${b.mean.length}, ${a.cov.length}, ${b.cov.length})`);
  const r = spdSqrt(b.cov);
  const cross = spdSqrt(matMul(matMul(r, a.cov), r));
  let tr = 0;
  for (let i = 0; i < d; i++) tr += a.cov[i][i] + b.cov[i][i] - 2 * cross[i][i];
  return a.mean.reduce((s, m, i) => s + (m - b.mean[i]) ** 2, 0) + Math.max(0, tr);
}

/** Sample mean and (1/(n-1)) covariance of rows. */
export function moments(rows: ArrayLike<number>[]): Gaussian {
  const n = rows.length;
  if (n < 2) throw new Error(`moments: need at least 2 rows, got ${n}`);
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, i) => { let s = 0; for (const r of rows) s += r[i]; return s / n; });
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => { let s = 0; for (const r of rows) s += (r[i] - mean[i]) * (r[j] - mean[j]); return s / (n - 1); }));
  return { mean, cov };
}
