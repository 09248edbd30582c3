/**
 * The variational form of the nuclear norm behind Jacobian nuclear-norm regularisation (Scarvelis &
 * Solomon, "Nuclear Norm Regularization for Deep Learning"): for any factorisation C = G H,
 * ||C||_* <= (||G||_F^2 + ||H||_F^2) / 2, with equality at the balanced factorisation G = U S^1/2,
 * H = S^1/2 V^T. For f = g o h, J_f = J_g J_h, so penalising (||J_g||_F^2 + ||J_h||_F^2) / 2 over the
 * pair (g, h) penalises ||J_f||_* once the pair is balanced. Plain float64 loops (small matrices).
 */
import { frob2, matMul, symmetricEigen, symmetricFunction, tMatMul, matMulT } from '../matrix-recovery/linalg.js';

function checkShape(fn: string, name: string, a: Float64Array, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) throw new Error(`${fn}: ${name} needs positive integer dimensions, got ${rows} x ${cols}`);
  if (a.length !== rows * cols) throw new Error(`${fn}: ${name} has ${a.length} entries, expected ${rows} x ${cols} = ${rows * cols}`);
}

/** Singular values of C (rows x cols), descending, from the eigenvalues of the smaller Gram matrix. */
export function singularValues(c: Float64Array, rows: number, cols: number): Float64Array {
  checkShape('singularValues', 'c', c, rows, cols);
  const gram = cols <= rows ? tMatMul(c, c, rows, cols, cols) : matMulT(c, c, rows, cols, rows);
  const k = Math.min(rows, cols);
  const { values } = symmetricEigen(gram, k);
  return Float64Array.from(values, (v) => Math.sqrt(Math.max(0, v))).sort().reverse();
}

/** ||C||_*, the sum of singular values. */
export function nuclearNorm(c: Float64Array, rows: number, cols: number): number {
  return singularValues(c, rows, cols).reduce((a, b) => a + b, 0);
}

/** (||A||_*)^2 / ||A||_F^2: an effective rank in [1, rank(A)] (1 for rank one, r for r equal singular values). */
export function effectiveRank(c: Float64Array, rows: number, cols: number): number {
  const s = singularValues(c, rows, cols);
  const sum = s.reduce((a, b) => a + b, 0);
  const sq = s.reduce((a, b) => a + b * b, 0);
  if (!(sq > 0)) throw new Error('effectiveRank: the matrix is zero');
  return (sum * sum) / sq;
}

/**
 * The factorisation penalty (||A M||_F^2 + ||M^-1 B||_F^2) / 2 of C = A B re-factorised through an
 * invertible symmetric k x k matrix M (given with its inverse). The penalty depends on M only through
 * M M^T, so symmetric positive-definite M reach every value.
 */
export function factorisationPenalty(a: Float64Array, b: Float64Array, m: number, k: number, n: number, mix: Float64Array, mixInv: Float64Array): number {
  checkShape('factorisationPenalty', 'a', a, m, k);
  checkShape('factorisationPenalty', 'b', b, k, n);
  checkShape('factorisationPenalty', 'mix', mix, k, k);
  checkShape('factorisationPenalty', 'mixInv', mixInv, k, k);
  return (frob2(matMul(a, mix, m, k, k)) + frob2(matMul(mixInv, b, k, k, n))) / 2;
}

/**
 * The minimising re-factorisation of C = A B (A m x k with full column rank, B k x n with full row rank):
 * with P = A^T A and Q = B B^T the penalty is (tr(P W) + tr(Q W^-1)) / 2 in W = M M^T, minimised at
 * W* = P^-1/2 (P^1/2 Q P^1/2)^1/2 P^-1/2 (stationarity: P = W^-1 Q W^-1). Returns M = W*^1/2, its
 * inverse and the penalty evaluated there directly (which the identity says equals ||A B||_*).
 */
export function minFactorisation(a: Float64Array, b: Float64Array, m: number, k: number, n: number): { mix: Float64Array; mixInv: Float64Array; penalty: number } {
  checkShape('minFactorisation', 'a', a, m, k);
  checkShape('minFactorisation', 'b', b, k, n);
  const p = tMatMul(a, a, m, k, k);
  const q = matMulT(b, b, k, n, k);
  const minEig = (s: Float64Array) => Math.min(...symmetricEigen(s, k).values);
  if (!(minEig(p) > 1e-12 * Math.max(1, frob2(p)) && minEig(q) > 1e-12 * Math.max(1, frob2(q)))) {
    throw new Error('minFactorisation: a needs full column rank and b full row rank (k <= min(m, n))');
  }
  const pHalf = symmetricFunction(p, k, Math.sqrt);
  const pInvHalf = symmetricFunction(p, k, (x) => 1 / Math.sqrt(x));
  const inner = matMul(matMul(pHalf, q, k, k, k), pHalf, k, k, k);
  const sym = Float64Array.from(inner, (_, i) => (inner[i] + inner[(i % k) * k + Math.floor(i / k)]) / 2);
  const w = matMul(matMul(pInvHalf, symmetricFunction(sym, k, (x) => Math.sqrt(Math.max(0, x))), k, k, k), pInvHalf, k, k, k);
  const wSym = Float64Array.from(w, (_, i) => (w[i] + w[(i % k) * k + Math.floor(i / k)]) / 2);
  const mix = symmetricFunction(wSym, k, Math.sqrt);
  const mixInv = symmetricFunction(wSym, k, (x) => 1 / Math.sqrt(x));
  return { mix, mixInv, penalty: factorisationPenalty(a, b, m, k, n, mix, mixInv) };
}
