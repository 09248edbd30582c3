/**
 * Optimal transport for perception-constrained restoration (Freirich, Michaeli & Meir 2021; Adrai et
 * al. 2023, "Deep Optimal Transport"): the estimator with the least MSE among those whose outputs are
 * distributed as the data is the optimal transport of the MMSE estimate onto the data distribution,
 * and its MSE is MMSE + W2^2(p_X, p_X*). The paper's practical algorithm transports with the Gaussian
 * (linear) map between the two distributions' means and covariances; in 1-D the optimal map of any
 * two distributions is the monotone rearrangement F_target^-1(F_source(x)).
 */
import { jacobiEigen } from '../../linalg/eigen.js';

/** A symmetric positive semi-definite matrix function f(S) = V f(L) V^T (row-major n x n). */
export function symmetricMatrixFunction(s: Float64Array, n: number, f: (eigenvalue: number) => number): Float64Array {
  if (s.length !== n * n) throw new Error(`symmetricMatrixFunction: expected ${n * n} entries, got ${s.length}`);
  const { values, vectors } = jacobiEigen(s, n);
  const out = new Float64Array(n * n);
  values.forEach((l, k) => {
    const fl = f(Math.max(0, l));
    const v = vectors[k];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] += fl * v[i] * v[j];
  });
  return out;
}

const matmul = (a: Float64Array, b: Float64Array, n: number) => {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const aik = a[i * n + k]; for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]; }
  return out;
};

/**
 * The optimal (W2) map between N(m1, S1) and N(m2, S2): x -> m2 + A (x - m1) with
 * A = S1^-1/2 (S1^1/2 S2 S1^1/2)^1/2 S1^-1/2 (S1 positive definite). Returns A and the map.
 */
export function gaussianTransport(m1: Float64Array, s1: Float64Array, m2: Float64Array, s2: Float64Array): {
  a: Float64Array;
  /** the map applied to each row of x (k x n, row-major) */
  apply(x: Float64Array): Float64Array
} {
  const n = m1.length;
  if (m2.length !== n || s1.length !== n * n || s2.length !== n * n) throw new Error(`gaussianTransport: dimensions disagree (means ${n} and ${m2.length}, covariances ${s1.length} and ${s2.length})`);
  const root = symmetricMatrixFunction(s1, n, Math.sqrt);
  const invRoot = symmetricMatrixFunction(s1, n, (l) => {
    if (!(l > 0)) throw new Error('gaussianTransport: the source covariance must be positive definite');
    return 1 / Math.sqrt(l);
  });
  const middle = symmetricMatrixFunction(matmul(matmul(root, s2, n), root, n), n, Math.sqrt);
  const a = matmul(matmul(invRoot, middle, n), invRoot, n);
  return {
    a,
    apply(x: Float64Array) {
      const out = new Float64Array(x.length);
      for (let r = 0; r < x.length / n; r++) {
        for (let i = 0; i < n; i++) {
          let s = m2[i];
          for (let j = 0; j < n; j++) s += a[i * n + j] * (x[r * n + j] - m1[j]);
          out[r * n + i] = s;
        }
      }
      return out;
    },
  };
}

/** W2^2 between N(m1, S1) and N(m2, S2): |m1 - m2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2). */
export function gaussianW2Sq(m1: Float64Array, s1: Float64Array, m2: Float64Array, s2: Float64Array): number {
  const n = m1.length;
  if (m2.length !== n || s1.length !== n * n || s2.length !== n * n) throw new Error(`gaussianW2Sq: need means of one length n and n x n covariances, got means of ${m1.length} and ${m2.length} and covariances of ${s1.length} and ${s2.length} values`);
  const root = symmetricMatrixFunction(s1, n, Math.sqrt);
  const middle = symmetricMatrixFunction(matmul(matmul(root, s2, n), root, n), n, Math.sqrt);
  let w = 0;
  for (let i = 0; i < n; i++) w += (m1[i] - m2[i]) ** 2 + s1[i * n + i] + s2[i * n + i] - 2 * middle[i * n + i];
  return w;
}

/**
 * The 1-D optimal map from the distribution of `source` samples to that of `target` samples: the
 * monotone rearrangement x -> Q_target(F_source(x)), both from their empirical quantiles (linear
 * interpolation between order statistics).
 */
export function monotoneTransport1d(source: ArrayLike<number>, target: ArrayLike<number>): (x: number) => number {
  if (source.length < 2 || target.length < 2) throw new Error(`monotoneTransport1d: need at least 2 samples on each side, got ${source.length} and ${target.length}`);
  const s = Float64Array.from(source).sort();
  const t = Float64Array.from(target).sort();
  return (x) => {
    // F_source(x) by interpolation between order statistics at (i + 1/2) / n, clamped to the ends
    let lo = 0, hi = s.length - 1;
    if (x <= s[0]) return t[0];
    if (x >= s[hi]) return t[t.length - 1];
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (s[mid] <= x) lo = mid; else hi = mid; }
    const u = (lo + 0.5 + (x - s[lo]) / Math.max(1e-300, s[hi] - s[lo])) / s.length;
    const pos = u * t.length - 0.5;
    const k = Math.min(t.length - 2, Math.max(0, Math.floor(pos)));
    const f = Math.min(1, Math.max(0, pos - k));
    return t[k] + f * (t[k + 1] - t[k]);
  };
}
