/**
 * Sketched ridgeless least squares (Chen, Zeng, Yang & Sun 2023): fit the minimum-norm least-squares
 * solution to (S X, S y) for an m x n sketch S, and its out-of-sample risk |beta_hat - beta|^2 for
 * isotropic features.
 *
 * Closed forms (phi = p/n, psi = m/n; alpha^2 = |beta|^2, sigma^2 the noise variance), derived here for
 * isotropic Gaussian X and checked in test/sketching.test.ts:
 * - orthogonal sketch (S S^T = I_m): (S X, S eps) has the law of m fresh rows, so the risk is the
 *   ridgeless risk at aspect ratio p/m (Hastie et al. 2022): sigma^2 (phi/psi) / (1 - phi/psi) when
 *   p < m, and alpha^2 (1 - psi/phi) + sigma^2 (psi/phi) / (1 - psi/phi) when p > m.
 * - Gaussian sketch, m < p: S [X, eps] has the law of W^{1/2} [Z, eta] with W = S S^T and Z, eta iid, and
 *   (W^{1/2} Z)^+ W^{1/2} = Z^+, so the estimator's law is the orthogonal sketch's: same risk.
 * - Gaussian sketch, p < m <= n: beta_hat - beta = (OLS error) + (X^T S^T S X)^{-1} X^T S^T S r with r the
 *   full-data residual (independent of the OLS error); rotating to col(X) and its complement gives the
 *   extra term sigma^2 (n - p) / (m - p - 1) tr (X^T X)^{-1}, so the risk is
 *   sigma^2 phi / (1 - phi) + sigma^2 phi / (psi - phi) in the limit (exact at finite sizes:
 *   sigma^2 p / (n - p - 1) (1 + (n - p) / (m - p - 1))).
 * - A misspecified model y = X beta + X_o theta + eps with unobserved independent Gaussian features
 *   X_o acts as noise of variance sigma^2 + |theta|^2 and adds |theta|^2 to the risk.
 * The peak at p = m is removed by the optimal sketch: for p/n near 1 and alpha > sigma, m* = p (1 - sigma / alpha)
 * minimises the p > m branch, with risk 2 alpha sigma - sigma^2 instead of the full-sample peak.
 */
import type { Rng } from '../../random/rng.js';
import { minNormFit } from '../high-dim-regression/fits.js';
import { cholesky, choleskySolve, gaussianMatrix, gram, matVec, outerGram } from '../high-dim-regression/linalg.js';

/** The sketch's law: m orthonormal rows ('orthogonal') or iid N(0, 1/n) entries ('gaussian'). */
export type SketchKind = 'orthogonal' | 'gaussian';

/**
 * An m x n sketch: iid N(0, 1/n) entries (gaussian), or m orthonormal rows uniformly distributed
 * (orthogonal: the row space of an m x n Gaussian matrix G, orthonormalised by Cholesky QR applied twice,
 * S = L^{-1} G with L L^T = G G^T; mathematically Gram-Schmidt, at a quarter of its cost).
 */
export function sketchMatrix(kind: SketchKind, m: number, n: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m > 0 && m <= n)) throw new Error(`sketchMatrix: need integers 0 < m <= n, got m = ${m}, n = ${n}`);
  if (kind === 'gaussian') return gaussianMatrix(m, n, rng, 1 / Math.sqrt(n));
  if (kind !== 'orthogonal') throw new Error(`sketchMatrix: kind must be 'orthogonal' or 'gaussian', got '${String(kind)}'`);
  let s = gaussianMatrix(m, n, rng);
  for (let pass = 0; pass < 2; pass++) s = lowerSolveRows(cholesky(outerGram(s, m, n), m), s, m, n);
  return s;
}

/** L^{-1} B for lower-triangular L (m x m) and B (m x n), row by row (forward substitution on rows). */
function lowerSolveRows(l: Float64Array, b: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let k = 0; k < n; k++) out[oi + k] = b[oi + k];
    for (let j = 0; j < i; j++) {
      const lij = l[i * m + j];
      if (lij === 0) continue;
      const oj = j * n;
      for (let k = 0; k < n; k++) out[oi + k] -= lij * out[oj + k];
    }
    const d = 1 / l[i * m + i];
    for (let k = 0; k < n; k++) out[oi + k] *= d;
  }
  return out;
}

/** S X for S (m x n) and X (n x p), four rows of X per pass (a quarter of the loads and stores of the output). */
export function applySketch(s: Float64Array, x: Float64Array, m: number, n: number, p: number): Float64Array {
  if (s.length !== m * n) throw new Error(`applySketch: sketch has ${s.length} entries, expected ${m} x ${n}`);
  if (x.length !== n * p) throw new Error(`applySketch: design has ${x.length} entries, expected ${n} x ${p}`);
  const c = new Float64Array(m * p);
  for (let i = 0; i < m; i++) {
    const si = i * n, ci = i * p;
    let l = 0;
    for (; l + 3 < n; l += 4) {
      const a0 = s[si + l], a1 = s[si + l + 1], a2 = s[si + l + 2], a3 = s[si + l + 3];
      const b0 = l * p, b1 = b0 + p, b2 = b1 + p, b3 = b2 + p;
      for (let j = 0; j < p; j++) c[ci + j] += a0 * x[b0 + j] + a1 * x[b1 + j] + a2 * x[b2 + j] + a3 * x[b3 + j];
    }
    for (; l < n; l++) {
      const a = s[si + l], b = l * p;
      for (let j = 0; j < p; j++) c[ci + j] += a * x[b + j];
    }
  }
  return c;
}

/** The sketched ridgeless estimator (S X)^+ S y for an n x p design. */
export function sketchedRidgeless(s: Float64Array, x: Float64Array, y: ArrayLike<number>, m: number, n: number, p: number): Float64Array {
  if (y.length !== n) throw new Error(`sketchedRidgeless: y has ${y.length} entries, expected n = ${n}`);
  return minNormFit(applySketch(s, x, m, n, p), matVec(s, m, n, y), m, p);
}

/** A proportional-regime setting for `sketchedRisk`: sample size n, feature count p, signal |beta|^2, noise variance and omitted signal. */
export interface SketchRiskSetting {
  n: number;
  p: number;
  /** |beta|^2 */
  signal: number;
  /** noise variance (for a misspecified model: the noise plus the omitted part's |theta|^2) */
  noiseVar: number;
  /** |theta|^2 of omitted features (0: well specified); added to the risk */
  omitted?: number;
}

/** The paper's proportional-regime risk of the sketched ridgeless estimator (see the module comment); m = n with the orthogonal sketch is the full-sample estimator. */
export function sketchedRisk(kind: SketchKind, s: SketchRiskSetting, m: number): number {
  const { n, p, signal, noiseVar } = s;
  if (!(m > 0 && m <= n)) throw new Error(`sketchedRisk: need 0 < m <= n, got m = ${m}, n = ${n}`);
  if (m === p) throw new Error(`sketchedRisk: m = p = ${p} is the singularity`);
  const phi = p / n, psi = m / n, g = p / m;
  let r: number;
  if (p > m) r = signal * (1 - 1 / g) + (noiseVar * (1 / g)) / (1 - 1 / g);
  else if (kind === 'orthogonal') r = (noiseVar * g) / (1 - g);
  else {
    if (p >= n) throw new Error(`sketchedRisk: the Gaussian sketch with m > p needs p < n, got p = ${p}, n = ${n}`);
    r = noiseVar * (phi / (1 - phi) + phi / (psi - phi));
  }
  return r + (s.omitted ?? 0);
}

/** The same risks at finite sizes, exact in expectation for Gaussian X (inverse-Wishart means). */
export function sketchedRiskExact(kind: SketchKind, s: SketchRiskSetting, m: number): number {
  const { n, p, signal, noiseVar } = s;
  if (p > m) {
    if (!(p > m + 1)) throw new Error(`sketchedRiskExact: needs p > m + 1, got p = ${p}, m = ${m}`);
    return signal * (1 - m / p) + (noiseVar * m) / (p - m - 1) + (s.omitted ?? 0);
  }
  if (!(m > p + 1)) throw new Error(`sketchedRiskExact: needs m > p + 1, got m = ${m}, p = ${p}`);
  if (kind === 'orthogonal') return (noiseVar * p) / (m - p - 1) + (s.omitted ?? 0);
  return ((noiseVar * p) / (n - p - 1)) * (1 + (n - p) / (m - p - 1)) + (s.omitted ?? 0);
}

/**
 * The sketch size minimising the p > m branch: p (1 - sigma/alpha) (0 when alpha <= sigma: the null estimator),
 * with risk 2 alpha sigma - sigma^2. It is the global optimum only where that beats the full sample's
 * variance sigma^2 phi / (1 - phi), i.e. for phi = p/n > 1 - sigma / (2 alpha); below that, use all n rows.
 */
export function optimalSketchSize(s: SketchRiskSetting): number {
  const ratio = Math.sqrt(s.noiseVar / s.signal);
  return ratio >= 1 ? 0 : Math.round(s.p * (1 - ratio));
}

/**
 * The risk of the sketched ridgeless estimator given the design and the sketch, as the paper defines
 * it: the expectation over a random beta (E beta beta^T = (signal/p) I), the noise (variance noiseVar)
 * and a test input, E |beta_hat - beta|^2 = signal (p - rank)/p + noiseVar |(S X)^+ S|_F^2, where
 * (S X)^+ S X is the projection on the row space of S X (rank min(m, p)), and
 * |(S X)^+ S|_F^2 = tr (K^{-1} S S^T) with K = S X X^T S^T when m < p, and tr (C^T S S^T C) with
 * C = S X (X^T S^T S X)^{-1} when m > p. `s` null: no sketch (S = I, m = n).
 */
export function conditionalSketchedRisk(s: Float64Array | null, x: Float64Array, m: number, n: number, p: number, signal: number, noiseVar: number): { bias: number; variance: number; risk: number } {
  if (x.length !== n * p) throw new Error(`conditionalSketchedRisk: design has ${x.length} entries, expected ${n} x ${p}`);
  if (s === null && m !== n) throw new Error(`conditionalSketchedRisk: without a sketch m must equal n, got m = ${m}, n = ${n}`);
  if (m === p) throw new Error(`conditionalSketchedRisk: m = p = ${p} is the singularity`);
  const b = s ? applySketch(s, x, m, n, p) : x;
  // W = S S^T (m x m); null stands for the identity
  const w = s ? outerGram(s, m, n) : null;
  let tr = 0;
  if (m < p) {
    const l = cholesky(outerGram(b, m, p), m);
    // tr(K^{-1} W) = sum_j e_j^T K^{-1} W e_j: one solve per column of W
    for (let j = 0; j < m; j++) {
      const col = new Float64Array(m);
      if (w) for (let i = 0; i < m; i++) col[i] = w[i * m + j]; else col[j] = 1;
      tr += choleskySolve(l, m, col)[j];
    }
  } else {
    const l = cholesky(gram(b, m, p), p);
    // C = B G^{-1}: row i of C solves G c = b_i (G symmetric)
    const c = new Float64Array(m * p);
    for (let i = 0; i < m; i++) c.set(choleskySolve(l, p, b.subarray(i * p, (i + 1) * p)), i * p);
    if (!w) { for (let k = 0; k < m * p; k++) tr += c[k] * c[k]; } // W = I: tr(C^T C) = tr(G^{-1})
    else {
      for (let j = 0; j < p; j++) for (let i = 0; i < m; i++) {
        let wc = 0;
        for (let k = 0; k < m; k++) wc += w[i * m + k] * c[k * p + j];
        tr += c[i * p + j] * wc;
      }
    }
  }
  const bias = (signal * Math.max(0, p - m)) / p;
  const variance = noiseVar * tr;
  return { bias, variance, risk: bias + variance };
}
