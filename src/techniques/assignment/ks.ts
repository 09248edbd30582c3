/**
 * The one-sample Kolmogorov-Smirnov test against N(0, 1), with the exact null distribution of
 * D_n = sup |F_n - Phi| (Marsaglia, Tsang & Wang 2003: P(D_n < d) as an entry of the n-th power of a
 * (2k - 1)-square matrix, k = floor(n d) + 1, with its exponent carried apart so nothing overflows). Used
 * to check that assigned noise keeps its N(0, 1) marginals.
 */
import { normalCdf } from '../../stats/distributions.js';

/** P(D_n < d) for the one-sample KS statistic of n draws (exact). */
export function kolmogorovCdf(n: number, d: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`kolmogorovCdf: n must be an integer >= 1, got ${n}`);
  if (!(d >= 0)) throw new Error(`kolmogorovCdf: d must be >= 0, got ${d}`);
  if (d >= 1) return 1;
  if (n * d <= 0.5) return 0; // below 1/(2n), D_n cannot be
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] -= h ** (i + 1);
    H[(m - 1) * m + i] -= h ** (m - i);
  }
  if (2 * h - 1 > 0) H[(m - 1) * m] += (2 * h - 1) ** m;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] /= g;
  const [Q, eQ] = matrixPower(H, m, n);
  let s = Q[(k - 1) * m + k - 1];
  let e = eQ;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) [s, e] = [s * 1e140, e - 140];
  }
  return Math.min(1, Math.max(0, s * 10 ** e));
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) {
    const aik = a[i * m + k];
    if (aik === 0) continue;
    for (let j = 0; j < m; j++) c[i * m + j] += aik * b[k * m + j];
  }
  return c;
}

// A^n with a decimal exponent kept apart (entries rescaled by 1e-140 when the centre grows past 1e140)
function matrixPower(a: Float64Array, m: number, n: number): [Float64Array, number] {
  if (n === 1) return [Float64Array.from(a), 0];
  const [half, eHalf] = matrixPower(a, m, Math.floor(n / 2));
  let q = multiply(half, half, m);
  let e = 2 * eHalf;
  if (n % 2 === 1) q = multiply(a, q, m);
  if (q[Math.floor(m / 2) * m + Math.floor(m / 2)] > 1e140) {
    for (let i = 0; i < q.length; i++) q[i] *= 1e-140;
    e += 140;
  }
  return [q, e];
}

/** The one-sample KS statistic of `values` against N(0, 1) and its exact p-value P(D_n >= observed). */
export function ksNormalTest(values: ArrayLike<number>): { statistic: number; pValue: number } {
  const n = values.length;
  if (n < 1) throw new Error('ksNormalTest: needs at least one value');
  const x = Float64Array.from(values).sort();
  let dn = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`ksNormalTest: value ${x[i]} is not finite`);
    const f = normalCdf(x[i]);
    dn = Math.max(dn, (i + 1) / n - f, f - i / n);
  }
  return { statistic: dn, pValue: 1 - kolmogorovCdf(n, dn) };
}
