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
import { householderQlEigenvalues } from '../../linalg/symmetric-ql.js';
import { dot, matVec, solveSpd } from './linalg.js';


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
