/**
 * PSGD's dense (Newton-type) preconditioner on the Lie group of upper-triangular matrices with
 * positive diagonal (Li 2018; Pooladzandi & Li 2024). P = Q^T Q is fitted online from pairs
 * (v, h) = (dtheta, dg) (or (v, H v)) by descending the criterion E[h^T P h + v^T P^{-1} v], whose
 * minimiser satisfies P E[h h^T] P = E[v v^T], i.e. P = H^{-1} when h = H v. One update:
 *   a = Q h,  b = Q^{-T} v,  G = triu(a a^T - b b^T),  Q <- Q - (mu / max|G|) G Q;
 * a step along the group (G Q keeps Q upper triangular), normalised so that no damping or step
 * tuning is needed. Matrices are row-major Float64Array (d x d).
 */

/** Q0 = scale I. */
export function initQ(d: number, scale: number): Float64Array {
  if (!Number.isInteger(d) || d < 1) throw new Error(`initQ: d must be a positive integer, got ${d}`);
  if (!(scale > 0)) throw new Error(`initQ: scale must be > 0, got ${scale}`);
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) q[i * d + i] = scale;
  return q;
}

/** b = Q^{-T} v for upper-triangular Q (forward substitution on Q^T). */
export function solveQt(q: Float64Array, v: ArrayLike<number>): Float64Array {
  const d = v.length;
  const b = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = v[i];
    for (let l = 0; l < i; l++) s -= q[l * d + i] * b[l];
    b[i] = s / q[i * d + i];
  }
  return b;
}

/** One preconditioner update from a pair (v, h); returns the new Q (the input is not modified). */
export function updateQ(q: Float64Array, v: ArrayLike<number>, h: ArrayLike<number>, mu: number): Float64Array {
  const d = v.length;
  if (h.length !== d || q.length !== d * d) throw new Error(`updateQ: v (${v.length}), h (${h.length}) and Q (${q.length} entries) must have matching dimensions`);
  if (!(mu > 0 && mu < 1)) throw new Error(`updateQ: step mu must be in (0, 1), got ${mu}`);
  const a = new Float64Array(d);
  for (let i = 0; i < d; i++) { let s = 0; for (let l = i; l < d; l++) s += q[i * d + l] * h[l]; a[i] = s; }
  const b = solveQt(q, v);
  const g = new Float64Array(d * d);
  let max = 0;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) { const x = a[i] * a[j] - b[i] * b[j]; g[i * d + j] = x; max = Math.max(max, Math.abs(x)); }
  if (max === 0) return Float64Array.from(q);
  const step = mu / max;
  const out = Float64Array.from(q);
  // (G Q)_ij = sum_{i <= l <= j} G_il Q_lj (both upper triangular)
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
    let s = 0;
    for (let l = i; l <= j; l++) s += g[i * d + l] * q[l * d + j];
    out[i * d + j] -= step * s;
  }
  return out;
}

/** P g = Q^T (Q g). */
export function precondition(q: Float64Array, g: ArrayLike<number>): Float64Array {
  const d = g.length;
  const qg = new Float64Array(d);
  for (let i = 0; i < d; i++) { let s = 0; for (let l = i; l < d; l++) s += q[i * d + l] * g[l]; qg[i] = s; }
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) { let s = 0; for (let i = 0; i <= j; i++) s += q[i * d + j] * qg[i]; out[j] = s; }
  return out;
}

/** P = Q^T Q as a dense matrix. */
export function preconditionerMatrix(q: Float64Array, d: number): Float64Array {
  const p = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let l = 0; l <= Math.min(i, j); l++) s += q[l * d + i] * q[l * d + j];
    p[i * d + j] = s;
  }
  return p;
}

/**
 * ||P H - I||_F / sqrt(d): how far P is from H^{-1}, relative to the identity (0 when P = H^{-1}).
 */
export function inverseHessianError(q: Float64Array, hess: Float64Array, d: number): number {
  const p = preconditionerMatrix(q, d);
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let x = 0;
    for (let l = 0; l < d; l++) x += p[i * d + l] * hess[l * d + j];
    s += (x - (i === j ? 1 : 0)) ** 2;
  }
  return Math.sqrt(s / d);
}
