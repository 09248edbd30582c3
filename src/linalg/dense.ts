/** Dense float64 solves (row-major), the exact references small problems are checked against. */

/** Throws unless `a` is a finite n x n matrix; `fn` names the caller in the message. */
export function assertSquare(fn: string, a: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) throw new Error(`${fn}: expected an ${n}x${n} matrix (length ${n * n}), got length ${a.length}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new Error(`${fn}: the matrix has non-finite entries`);
}

/** Solves A x = b by Gaussian elimination with partial pivoting; throws on a (numerically) singular A. */
export function solveDense(a: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  assertSquare('solveDense', a, n);
  if (b.length !== n) throw new Error(`solveDense: b must have length ${n}, got ${b.length}`);
  const m = Float64Array.from(a), x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]));
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

