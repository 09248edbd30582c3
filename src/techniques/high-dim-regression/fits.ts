/**
 * Least-squares fits with exact solutions: ridge (minimise (1/n)||y - X w||^2 + lambda ||w||^2, so
 * w = (X^T X / n + lambda I)^{-1} X^T y / n), OLS as lambda = 0 (n > d), and the minimum-norm
 * interpolator X^T (X X^T)^{-1} y when n < d (the ridgeless limit lambda -> 0+ in either case).
 */
import { gram, matTVec, matVec, outerGram, solveSpd } from './linalg.js';

/** Ridge (lambda > 0) or OLS (lambda = 0, needs n > d) on an n x d design. */
export function ridgeFit(x: Float64Array, y: ArrayLike<number>, n: number, d: number, lambda: number): Float64Array {
  if (!(lambda >= 0)) throw new Error(`ridgeFit: lambda must be >= 0, got ${lambda}`);
  if (y.length !== n) throw new Error(`ridgeFit: y has ${y.length} entries, expected n = ${n}`);
  if (lambda === 0 && n <= d) throw new Error(`ridgeFit: OLS needs n > d, got n = ${n}, d = ${d} (use minNormFit)`);
  return solveSpd(gram(x, n, d), d, matTVec(x, n, d, y), n * lambda);
}

/** The ridge solution from a precomputed Gram matrix G = X^T X and X^T y (reused across lambdas and labels). */
export function ridgeFromGram(g: Float64Array, xty: ArrayLike<number>, n: number, d: number, lambda: number): Float64Array {
  if (!(lambda >= 0)) throw new Error(`ridgeFromGram: lambda must be >= 0, got ${lambda}`);
  return solveSpd(g, d, xty, n * lambda);
}

/** The ridgeless (minimum-norm least-squares) solution X^+ y of an n x d design: OLS when n > d, X^T (X X^T)^{-1} y when n < d. */
export function minNormFit(x: Float64Array, y: ArrayLike<number>, n: number, d: number): Float64Array {
  if (y.length !== n) throw new Error(`minNormFit: y has ${y.length} entries, expected n = ${n}`);
  if (n === d) throw new Error(`minNormFit: n = d = ${n} is the interpolation singularity (use n != d)`);
  if (n > d) return ridgeFit(x, y, n, d, 0);
  return matTVec(x, n, d, solveSpd(outerGram(x, n, d), n, y));
}

/** Gradient of the ridge objective at w (zero at the solution): (2/n) X^T (X w - y) + 2 lambda w. */
export function ridgeGradient(x: Float64Array, y: ArrayLike<number>, n: number, d: number, lambda: number, w: ArrayLike<number>): Float64Array {
  const r = matVec(x, n, d, w);
  for (let i = 0; i < n; i++) r[i] -= y[i];
  const g = matTVec(x, n, d, r);
  for (let j = 0; j < d; j++) g[j] = (2 / n) * g[j] + 2 * lambda * w[j];
  return g;
}
