/**
 * Small dense float64 matrix helpers (row-major Float64Array) for the matrix-recovery toys: the
 * problems are n <= 50, so plain loops are exact enough and fast enough.
 */
import { jacobiEigen } from '../../linalg/eigen.js';

/** C = A B with A (p x q), B (q x s). */
export function matMul(a: Float64Array, b: Float64Array, p: number, q: number, s: number): Float64Array {
  const c = new Float64Array(p * s);
  for (let i = 0; i < p; i++) {
    for (let l = 0; l < q; l++) {
      const v = a[i * q + l];
      if (v === 0) continue;
      for (let j = 0; j < s; j++) c[i * s + j] += v * b[l * s + j];
    }
  }
  return c;
}

/** C = A B^T with A (p x q), B (s x q). */
export function matMulT(a: Float64Array, b: Float64Array, p: number, q: number, s: number): Float64Array {
  const c = new Float64Array(p * s);
  for (let i = 0; i < p; i++) for (let j = 0; j < s; j++) {
    let acc = 0;
    for (let l = 0; l < q; l++) acc += a[i * q + l] * b[j * q + l];
    c[i * s + j] = acc;
  }
  return c;
}

/** C = A^T B with A (q x p), B (q x s). */
export function tMatMul(a: Float64Array, b: Float64Array, q: number, p: number, s: number): Float64Array {
  const c = new Float64Array(p * s);
  for (let l = 0; l < q; l++) for (let i = 0; i < p; i++) {
    const v = a[l * p + i];
    if (v === 0) continue;
    for (let j = 0; j < s; j++) c[i * s + j] += v * b[l * s + j];
  }
  return c;
}

/** Squared Frobenius norm of a - b (b optional). */
export function frob2(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - (b ? b[i] : 0); s += d * d; }
  return s;
}

/**
 * Eigendecomposition of a symmetric k x k matrix (src/linalg's cyclic Jacobi): values (descending) and
 * vectors as the columns of a row-major k x k matrix.
 */
export function symmetricEigen(m: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  if (m.length !== k * k) throw new Error(`symmetricEigen: matrix has ${m.length} entries, expected k*k = ${k * k}`);
  const { values, vectors } = jacobiEigen(m, k);
  const v = new Float64Array(k * k);
  vectors.forEach((col, l) => { for (let r = 0; r < k; r++) v[r * k + l] = col[r]; });
  return { values: Float64Array.from(values), vectors: v };
}

/** f(S) = V f(D) V^T for a symmetric k x k matrix S. */
export function symmetricFunction(m: Float64Array, k: number, f: (x: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(m, k);
  const out = new Float64Array(k * k);
  for (let l = 0; l < k; l++) {
    const fl = f(values[l]);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] += vectors[i * k + l] * fl * vectors[j * k + l];
  }
  return out;
}
