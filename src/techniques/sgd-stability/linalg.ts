/** Small dense float64 linear algebra (row-major), enough for d <= ~50: Jacobi eigenvalues, a solve, a definiteness test. */

function assertSquare(fn: string, a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) throw new Error(`${fn}: expected an ${n}x${n} matrix (length ${n * n}), got length ${a.length}`);
  if (a.some((v) => !Number.isFinite(v))) throw new Error(`${fn}: the matrix has non-finite entries`);
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi), ascending. */
export function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  assertSquare('symmetricEigenvalues', a, n);
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { total += m[i * n + j] ** 2; if (i !== j) off += m[i * n + j] ** 2; }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) {
      const apq = m[p * n + q];
      if (apq === 0) continue;
      const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) { // rotate columns p, q
        const mkp = m[k * n + p], mkq = m[k * n + q];
        m[k * n + p] = c * mkp - s * mkq; m[k * n + q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < n; k++) { // rotate rows p, q
        const mpk = m[p * n + k], mqk = m[q * n + k];
        m[p * n + k] = c * mpk - s * mqk; m[q * n + k] = s * mpk + c * mqk;
      }
    }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]).sort((x, y) => x - y);
}

/** Solves A x = b by Gaussian elimination with partial pivoting; throws on a (numerically) singular A. */
export function solveDense(a: Float64Array, b: Float64Array, n: number): Float64Array {
  assertSquare('solveDense', a, n);
  if (b.length !== n) throw new Error(`solveDense: b must have length ${n}, got ${b.length}`);
  const m = Float64Array.from(a), x = Float64Array.from(b);
  const scale = Math.max(...Array.from(m, Math.abs));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    if (Math.abs(m[piv * n + col]) <= 1e-14 * scale) throw new Error('solveDense: the matrix is singular');
    if (piv !== col) {
      for (let k = 0; k < n; k++) [m[col * n + k], m[piv * n + k]] = [m[piv * n + k], m[col * n + k]];
      [x[col], x[piv]] = [x[piv], x[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / m[col * n + col];
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

/** Whether a symmetric matrix is positive definite (Cholesky succeeds). */
export function isPositiveDefinite(a: Float64Array, n: number): boolean {
  assertSquare('isPositiveDefinite', a, n);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = a[i * n + j];
    for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
    if (i === j) { if (!(s > 0)) return false; l[i * n + i] = Math.sqrt(s); } else l[i * n + j] = s / l[j * n + j];
  }
  return true;
}
