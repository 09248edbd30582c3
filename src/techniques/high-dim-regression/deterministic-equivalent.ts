/**
 * The deterministic equivalent of ridge regression on Gaussian features with a given population
 * covariance, and the dense symmetric eigenvalue solver it needs at a few hundred dimensions.
 *
 * Model: features z ~ N(0, Sigma) in R^k, labels y = theta . z + eps with eps ~ N(0, s^2); ridge
 * w = argmin (1/n) |y - Z w|^2 + lambda |w|^2 on n samples. Its excess test risk
 * R = E_z ((w - theta) . z)^2 = (w - theta)^T Sigma (w - theta) concentrates, as n, k grow in proportion,
 * on the deterministic equivalent
 *
 *   kappa solves kappa = lambda + (kappa / n) tr Sigma (Sigma + kappa I)^{-1}   (the effective ridge),
 *   df2 = tr Sigma^2 (Sigma + kappa I)^{-2},
 *   R = [kappa^2 theta^T Sigma (Sigma + kappa I)^{-2} theta + s^2 df2 / n] / (1 - df2 / n)
 *
 * (bias term plus variance term, both inflated by 1 / (1 - df2/n)). This is the standard formula of
 * Hastie, Montanari, Rosset & Tibshirani (2022, Ann. Statist., "Surprises in high-dimensional ridgeless
 * least squares interpolation", Thm. 5 / Sec. 5 for general covariance), Bach (2024, SIAM J. Math. Data
 * Sci., "High-dimensional analysis of double descent for linear regression with random projections",
 * Sec. 3, in the df1/df2 notation used here) and Cheng & Montanari (2022, "Dimension free ridge
 * regression"); Schröder, Cui, Dmitriev & Loureiro (2023) use the same expression with Sigma the
 * (linearised) population covariance of deep random features. For Sigma = I it reduces to the
 * Marchenko-Pastur ridge risk (tested against `ridgeCollapseError` at generation 0).
 *
 * The equation for kappa: F(kappa) = kappa - lambda - (1/n) sum_i kappa s_i / (s_i + kappa) is convex
 * (each kappa s / (s + kappa) is concave), F(0) = -lambda < 0, so for lambda > 0 there is one positive
 * root, bracketed by [lambda, lambda + tr Sigma / n]; it is found by bisection.
 */
import { dot, matVec, solveSpd } from './linalg.js';

/**
 * All eigenvalues (ascending) of a symmetric n x n matrix (row-major; only its lower triangle is read):
 * Householder reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts
 * (the EISPACK tred2/tql2 pair as ported in JAMA, without eigenvectors). O(n^3), about a second at
 * n = 800, where cyclic Jacobi (src/linalg) takes tens of seconds.
 */
export function householderQlEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`householderQlEigenvalues: n must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw new Error(`householderQlEigenvalues: matrix has ${a.length} entries, expected ${n} x ${n}`);
  // v holds JAMA's V transposed (v[j * n + k] = V[k][j]) so that the inner loops run over contiguous memory;
  // V starts as the matrix, which is symmetric, so v starts as a copy of it
  const v = Float64Array.from(a as ArrayLike<number>);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) v[j * n + i] = v[i * n + j]; // symmetrise from the lower triangle
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1];
  // Householder reduction to tridiagonal form (tred2)
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[i * n + j] = f;
        const cj = j * n;
        g = e[j] + v[cj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[cj + k] * d[k];
          e[k] += v[cj + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) v[cj + k] -= f * e[k] + g * d[k];
        d[j] = v[cj + i - 1];
        v[cj + i] = 0;
      }
    }
    d[i] = h;
  }
  // the tridiagonal's diagonal is V's diagonal now (JAMA reads it while accumulating the transformations)
  for (let j = 0; j < n; j++) d[j] = v[j * n + j];
  e[0] = 0;
  // implicit QL on the tridiagonal (tql2 without eigenvectors)
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new Error('householderQlEigenvalues: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return d.sort();
}

/** The degrees of freedom df1 = tr Sigma (Sigma + kappa)^{-1} and df2 = tr Sigma^2 (Sigma + kappa)^{-2} from Sigma's eigenvalues. */
export function ridgeDegreesOfFreedom(spectrum: ArrayLike<number>, kappa: number): { df1: number; df2: number } {
  let df1 = 0, df2 = 0;
  for (let i = 0; i < spectrum.length; i++) {
    const s = Math.max(0, spectrum[i]);
    const r = s / (s + kappa);
    df1 += r;
    df2 += r * r;
  }
  return { df1, df2 };
}

/**
 * The effective ridge kappa of the deterministic equivalent: the positive root of
 * kappa = lambda + (kappa / n) tr Sigma (Sigma + kappa)^{-1}, given Sigma's eigenvalues (see the module comment).
 */
export function ridgeEffectiveRegularization(spectrum: ArrayLike<number>, n: number, lambda: number): number {
  if (!(lambda > 0)) throw new Error(`ridgeEffectiveRegularization: lambda must be > 0, got ${lambda}`);
  if (!(n > 0)) throw new Error(`ridgeEffectiveRegularization: n must be > 0, got ${n}`);
  let trace = 0;
  for (let i = 0; i < spectrum.length; i++) trace += Math.max(0, spectrum[i]);
  const residual = (kappa: number) => kappa - lambda - (kappa / n) * ridgeDegreesOfFreedom(spectrum, kappa).df1;
  let lo = lambda, hi = lambda + trace / n;
  if (residual(hi) <= 0) return hi;
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (residual(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** The deterministic equivalent's parts: effective ridge, degrees of freedom, bias, variance and their sum, the excess risk. */
export interface RidgeEquivalent {
  /** effective ridge kappa */
  kappa: number;
  /** tr Sigma (Sigma + kappa)^{-1} */
  df1: number;
  /** tr Sigma^2 (Sigma + kappa)^{-2} */
  df2: number;
  /** kappa^2 theta^T Sigma (Sigma + kappa)^{-2} theta / (1 - df2 / n) */
  bias: number;
  /** s^2 (df2 / n) / (1 - df2 / n) */
  variance: number;
  /** bias + variance: the excess test risk E ((w - theta) . z)^2 */
  risk: number;
}

/**
 * The deterministic equivalent from Sigma's eigenvalues and the teacher's weighted norm: `teacherTerm(kappa)`
 * must return theta^T Sigma (Sigma + kappa)^{-2} theta (e.g. |theta|^2 c / (c + kappa)^2 for Sigma = c I).
 */
export function ridgeEquivalentFromSpectrum(spectrum: ArrayLike<number>, teacherTerm: (kappa: number) => number, n: number, lambda: number, noiseVar: number): RidgeEquivalent {
  if (!(noiseVar >= 0)) throw new Error(`ridgeEquivalentFromSpectrum: noiseVar must be >= 0, got ${noiseVar}`);
  const kappa = ridgeEffectiveRegularization(spectrum, n, lambda);
  const { df1, df2 } = ridgeDegreesOfFreedom(spectrum, kappa);
  const inflate = 1 / (1 - df2 / n);
  const bias = kappa * kappa * teacherTerm(kappa) * inflate;
  const variance = (noiseVar * df2) / n * inflate;
  return { kappa, df1, df2, bias, variance, risk: bias + variance };
}

/**
 * The deterministic equivalent for a k x k population covariance `sigma` (row-major, symmetric positive
 * semi-definite) and teacher `theta`; pass `spectrum` (Sigma's eigenvalues) when it is already known.
 * The teacher term theta^T Sigma (Sigma + kappa)^{-2} theta is u^T Sigma u with u = (Sigma + kappa)^{-1} theta.
 */
export function ridgeEquivalent(sigma: Float64Array, k: number, theta: ArrayLike<number>, n: number, lambda: number, noiseVar: number, spectrum?: ArrayLike<number>): RidgeEquivalent {
  if (theta.length !== k) throw new Error(`ridgeEquivalent: theta has ${theta.length} entries, expected k = ${k}`);
  const spec = spectrum ?? householderQlEigenvalues(sigma, k);
  if (spec.length !== k) throw new Error(`ridgeEquivalent: spectrum has ${spec.length} values, expected k = ${k}`);
  const teacherTerm = (kappa: number) => {
    const u = solveSpd(sigma, k, theta, kappa);
    return dot(u, matVec(sigma, k, k, u));
  };
  return ridgeEquivalentFromSpectrum(spec, teacherTerm, n, lambda, noiseVar);
}
