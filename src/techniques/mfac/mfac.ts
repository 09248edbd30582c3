/**
 * M-FAC's static algorithm (Frantar, Kurtic & Alistarh, NeurIPS 2021): the damped empirical Fisher
 * F = lambda I + (1/m) sum_i g_i g_i^T (m gradients of dimension d), inverted matrix-free. Adding the
 * rank-one terms one at a time (Sherman-Morrison),
 *   F_k^{-1} x = F_{k-1}^{-1} x - v_k (v_k^T x) / (m + g_k^T v_k),   v_k = F_{k-1}^{-1} g_k,
 * and every v_k is a combination of the gradients, v_k = sum_j B_kj g_j, whose coefficients follow
 * from the m x m Gram matrix K = G G^T alone: O(d m^2) to form K, O(m^3) for B, then any inverse-
 * Fisher-vector product F^{-1} x = x / lambda - G^T (B^T D^{-1} B (G x)) costs O(d m + m^2), and the
 * inverse's diagonal O(d m^2) once.
 */
import { cholesky, choleskySolve } from '../high-dim-regression/linalg.js';

/** The inverse of F = lambda I + (1/m) G^T G (m gradients of dimension d), built by M-FAC's recursion (above). */
export interface Mfac {
  /** the gradients' dimension */
  d: number;
  /** the number of gradients */
  m: number;
  /** the damping */
  lambda: number;
  /** F^{-1} x */
  ihvp(x: ArrayLike<number>): Float64Array;
  /** diag(F^{-1}) */
  inverseDiagonal(): Float64Array;
}

/**
 * M-FAC over `grads` (m rows of length d, row-major). `storage: 'float32'` keeps the gradients, Gram and
 * coefficients in float32 (as the paper's GPU implementation does); arithmetic is float64 either way.
 */
export function mfac(grads: ArrayLike<number>, m: number, d: number, lambda: number, opts: { storage?: 'float64' | 'float32' } = {}): Mfac {
  if (!Number.isInteger(m) || m < 1 || !Number.isInteger(d) || d < 1) throw new Error(`mfac: m and d must be positive integers, got m = ${m}, d = ${d}`);
  if (grads.length !== m * d) throw new Error(`mfac: grads has ${grads.length} entries, expected m x d = ${m} x ${d}`);
  if (!(lambda > 0)) throw new Error(`mfac: damping lambda must be > 0, got ${lambda}`);
  const Arr = opts.storage === 'float32' ? Float32Array : Float64Array;
  const g = Arr.from(grads as ArrayLike<number>);
  // K = G G^T
  const k = new Arr(m * m);
  for (let i = 0; i < m; i++) for (let j = i; j < m; j++) {
    let s = 0;
    const oi = i * d, oj = j * d;
    for (let l = 0; l < d; l++) s += g[oi + l] * g[oj + l];
    k[i * m + j] = s; k[j * m + i] = s;
  }
  // B (lower triangular): B_k = e_k / lambda - sum_{l<k} (B_l . K_{:,k}) / den_l B_l;  den_k = m + B_k . K_{:,k}
  const b = new Arr(m * m);
  const den = new Float64Array(m);
  const bk = new Float64Array(m);
  for (let kk = 0; kk < m; kk++) {
    bk.fill(0);
    bk[kk] = 1 / lambda;
    for (let l = 0; l < kk; l++) {
      let c = 0;
      for (let j = 0; j <= l; j++) c += b[l * m + j] * k[j * m + kk];
      const f = c / den[l];
      for (let j = 0; j <= l; j++) bk[j] -= f * b[l * m + j];
    }
    let s = 0;
    for (let j = 0; j <= kk; j++) { b[kk * m + j] = bk[j]; s += bk[j] * k[j * m + kk]; }
    den[kk] = m + s;
  }
  return {
    d, m, lambda,
    ihvp(x) {
      if (x.length !== d) throw new Error(`mfac.ihvp: vector has ${x.length} entries, expected d = ${d}`);
      const q = new Float64Array(m);
      for (let i = 0; i < m; i++) { let s = 0; const o = i * d; for (let l = 0; l < d; l++) s += g[o + l] * x[l]; q[i] = s; }
      const beta = new Float64Array(m);
      for (let l = 0; l < m; l++) {
        let a = 0;
        for (let j = 0; j <= l; j++) a += b[l * m + j] * q[j];
        a /= den[l];
        for (let j = 0; j <= l; j++) beta[j] += a * b[l * m + j];
      }
      const out = Float64Array.from(x as ArrayLike<number>, (v) => v / lambda);
      for (let i = 0; i < m; i++) { const c = beta[i]; if (c === 0) continue; const o = i * d; for (let l = 0; l < d; l++) out[l] -= c * g[o + l]; }
      return out;
    },
    inverseDiagonal() {
      const out = new Float64Array(d).fill(1 / lambda);
      const v = new Float64Array(d);
      for (let l = 0; l < m; l++) {
        v.fill(0);
        for (let j = 0; j <= l; j++) { const c = b[l * m + j]; if (c === 0) continue; const o = j * d; for (let i = 0; i < d; i++) v[i] += c * g[o + i]; }
        for (let i = 0; i < d; i++) out[i] -= (v[i] * v[i]) / den[l];
      }
      return out;
    },
  };
}

/** The reference: (lambda I + (1/m) G^T G)^{-1} x by a dense Cholesky solve (O(d^3): small d only). */
export function denseDampedSolve(grads: ArrayLike<number>, m: number, d: number, lambda: number, x: ArrayLike<number>): Float64Array {
  if (grads.length !== m * d || x.length !== d) throw new Error(`denseDampedSolve: grads must be m x d = ${m} x ${d} and x of length d, got ${grads.length} and ${x.length}`);
  if (d > 4000) throw new Error(`denseDampedSolve: d = ${d} is too large for a dense solve (at most 4000)`);
  const a = new Float64Array(d * d);
  for (let i = 0; i < m; i++) {
    const o = i * d;
    for (let p = 0; p < d; p++) { const v = grads[o + p] / m; if (v === 0) continue; for (let q = p; q < d; q++) a[p * d + q] += v * grads[o + q]; }
  }
  for (let p = 0; p < d; p++) { a[p * d + p] += lambda; for (let q = 0; q < p; q++) a[p * d + q] = a[q * d + p]; }
  return choleskySolve(cholesky(a, d), d, x);
}

/**
 * One OBS pruning step with an inverse Fisher (M-FAC's pruner): among the alive coordinates (mask 1)
 * remove the `count` with the smallest saliency w_q^2 / (2 [F^{-1}]_qq), and move the others by the sum
 * of their single-weight OBS corrections, dw = -F^{-1} u with u_q = w_q / [F^{-1}]_qq on the removed q;
 * removed weights are set to exactly 0. `prunable` marks the coordinates that may be removed.
 */
export function obsPruneStep(w: Float64Array, mask: Uint8Array, prunable: Uint8Array, inv: Mfac, count: number): { w: Float64Array; mask: Uint8Array } {
  const d = w.length;
  if (mask.length !== d || prunable.length !== d || inv.d !== d) throw new Error(`obsPruneStep: weights (${d}), mask (${mask.length}), prunable (${prunable.length}) and the inverse (${inv.d}) must have one length`);
  const diag = inv.inverseDiagonal();
  const alive = [...Array(d).keys()].filter((i) => mask[i] && prunable[i]);
  if (count > alive.length) throw new Error(`obsPruneStep: cannot remove ${count} of ${alive.length} alive prunable weights`);
  alive.sort((i, j) => (w[i] * w[i]) / diag[i] - (w[j] * w[j]) / diag[j]);
  const u = new Float64Array(d);
  const removed = alive.slice(0, count);
  for (const q of removed) u[q] = w[q] / diag[q];
  const dw = inv.ihvp(u);
  const out = Float64Array.from(w, (v, i) => (mask[i] ? v - dw[i] : 0));
  const next = Uint8Array.from(mask);
  for (const q of removed) { next[q] = 0; out[q] = 0; }
  return { w: out, mask: next };
}
