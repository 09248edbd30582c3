/** Small dense float64 linear algebra (row-major), enough for d <= ~50, on the shared routines: src/linalg's Jacobi eigenvalues and pivoting solve, high-dim-regression's Cholesky test. */
import { assertSquare } from '../../linalg/dense.js';
import { jacobiEigen } from '../../linalg/eigen.js';
import { cholesky } from '../high-dim-regression/linalg.js';

export { solveDense } from '../../linalg/dense.js';

/** Eigenvalues of a symmetric matrix (curvature's cyclic Jacobi), ascending. */
export function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  assertSquare('symmetricEigenvalues', a, n);
  return jacobiEigen(a, n).values.slice().sort((x, y) => x - y);
}

/** Whether a symmetric matrix is positive definite (high-dim-regression's Cholesky succeeds). */
export function isPositiveDefinite(a: Float64Array, n: number): boolean {
  assertSquare('isPositiveDefinite', a, n);
  try { cholesky(a, n); return true; } catch { return false; }
}
