/**
 * Small dense float64 linear algebra for the exact regression toys: row-major matrices as
 * Float64Array, Gram matrices, Cholesky solves. Sizes here are a few hundred, so plain loops suffice.
 */
import type { Rng } from '../../random/rng.js';

function dims(fn: string, a: ArrayLike<number>, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) throw new Error(`${fn}: rows and cols must be positive integers, got ${rows} x ${cols}`);
  if (a.length !== rows * cols) throw new Error(`${fn}: matrix has ${a.length} entries, expected ${rows} x ${cols}`);
}

/** A rows x cols matrix of iid N(0, std^2) entries. */
export function gaussianMatrix(rows: number, cols: number, rng: Rng, std = 1): Float64Array {
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) throw new Error(`gaussianMatrix: rows and cols must be positive integers, got ${rows} x ${cols}`);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = std * rng.normal();
  return a;
}

/** A^T A (cols x cols) of a rows x cols matrix. */
export function gram(a: Float64Array, rows: number, cols: number): Float64Array {
  dims('gram', a, rows, cols);
  const g = new Float64Array(cols * cols);
  // four rows per pass over the upper triangle: a quarter of the loads and stores of g
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
    for (let i = 0; i < cols; i++) {
      const a0 = a[o0 + i], a1 = a[o1 + i], a2 = a[o2 + i], a3 = a[o3 + i];
      const gi = i * cols;
      for (let j = i; j < cols; j++) g[gi + j] += a0 * a[o0 + j] + a1 * a[o1 + j] + a2 * a[o2 + j] + a3 * a[o3 + j];
    }
  }
  for (; r < rows; r++) {
    const o = r * cols;
    for (let i = 0; i < cols; i++) {
      const ai = a[o + i];
      const gi = i * cols;
      for (let j = i; j < cols; j++) g[gi + j] += ai * a[o + j];
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[i * cols + j] = g[j * cols + i];
  return g;
}

/** A A^T (rows x rows) of a rows x cols matrix. */
export function outerGram(a: Float64Array, rows: number, cols: number): Float64Array {
  dims('outerGram', a, rows, cols);
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) for (let j = i; j < rows; j++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += a[i * cols + k] * a[j * cols + k];
    g[i * rows + j] = s;
    g[j * rows + i] = s;
  }
  return g;
}

/** A x (rows) */
export function matVec(a: Float64Array, rows: number, cols: number, x: ArrayLike<number>): Float64Array {
  dims('matVec', a, rows, cols);
  if (x.length !== cols) throw new Error(`matVec: vector has ${x.length} entries, expected ${cols}`);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * cols;
    for (let c = 0; c < cols; c++) s += a[o + c] * x[c];
    y[r] = s;
  }
  return y;
}

/** A^T y (cols) */
export function matTVec(a: Float64Array, rows: number, cols: number, y: ArrayLike<number>): Float64Array {
  dims('matTVec', a, rows, cols);
  if (y.length !== rows) throw new Error(`matTVec: vector has ${y.length} entries, expected ${rows}`);
  const x = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const yr = y[r];
    const o = r * cols;
    for (let c = 0; c < cols; c++) x[c] += a[o + c] * yr;
  }
  return x;
}

/** A B for A (n x k) and B (k x m). */
export function matMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  dims('matMul', a, n, k);
  dims('matMul', b, k, m);
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let l = 0; l < k; l++) {
    const ail = a[i * k + l];
    if (ail === 0) continue;
    const bo = l * m, co = i * m;
    for (let j = 0; j < m; j++) c[co + j] += ail * b[bo + j];
  }
  return c;
}

/** Lower Cholesky factor L (L L^T = A) of a symmetric positive definite n x n matrix; throws if it is not. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  dims('cholesky', a, n, n);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves A x = b given A's Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  dims('choleskySolve', l, n, n);
  if (b.length !== n) throw new Error(`choleskySolve: right-hand side has ${b.length} entries, expected ${n}`);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
    y[i] = s / l[i * n + i];
  }
  return y;
}

/** Solves (A + shift I) x = b for symmetric positive definite A + shift I. */
export function solveSpd(a: Float64Array, n: number, b: ArrayLike<number>, shift = 0): Float64Array {
  const m = shift ? a.slice() : a;
  if (shift) for (let i = 0; i < n; i++) m[i * n + i] += shift;
  return choleskySolve(cholesky(m, n), n, b);
}

/** The inner product a . b; throws if the lengths differ. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ||a - b||^2 */
export function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`sqDist: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}
