/**
 * Dense vectors as plain Float64Arrays: the few loops that the curvature estimators, the technique
 * families' small exact solvers and the claims share, exact in double precision.
 */
import type { Rng } from '../random/rng.js';

/** Inner product sum_i a_i b_i (over the length of `a`). */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean (l2) norm. */
export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** y += alpha x, in place */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** A new vector s * a. */
export function scale(a: Float64Array, s: number): Float64Array {
  return a.map((v) => v * s);
}

/** A new unit-norm vector along `a`; throws on the zero vector. */
export function normalize(a: Float64Array): Float64Array {
  const n = norm(a);
  if (n === 0) throw new Error('normalize: zero vector');
  return scale(a, 1 / n);
}

/** Remove from v its components along the (orthonormal) basis vectors, twice for stability. */
export function orthogonalize(v: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) for (const q of basis) axpy(-dot(q, v), q, v);
}

/** A vector of `dim` independent standard normal draws from `rng`. */
export function gaussianVector(dim: number, rng: Rng): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return v;
}

/** Entries +-1 with equal probability (Hutchinson's estimator has the least variance with these). */
export function rademacherVector(dim: number, rng: Rng): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.uniform() < 0.5 ? -1 : 1;
  return v;
}
