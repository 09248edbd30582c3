/**
 * The hypothesis tests verdicts are built on: one-sample (paired) t with one-sided p-values, TOST
 * equivalence, non-inferiority, exact binomial and sign tests with Clopper-Pearson intervals, and a
 * least-squares slope with its t interval. Each returns the estimate, a two-sided interval at `level`
 * and the p-value of the test it names, so a verdict can print what it tested.
 */
import { mean, std } from './bootstrap.js';
import { betaIncomplete, betaQuantile, studentTCdf, studentTQuantile } from './distributions.js';

/**
 * A point estimate with its two-sided interval [lo, hi], the number of values behind it, and for t-based
 * estimates the standard error and degrees of freedom.
 */
export interface Estimate {
  estimate: number;
  lo: number;
  hi: number;
  /** two-sided coverage of [lo, hi] */
  level: number;
  n: number;
  /** standard error and degrees of freedom, where the estimate is t-distributed */
  se?: number;
  df?: number;
}

/** Mean of `values` with its Student-t interval and standard error. */
export function tEstimate(values: ArrayLike<number>, level = 0.95): Estimate {
  const v = Array.from(values);
  if (v.length < 2) throw new Error(`tEstimate: need at least 2 values, got ${v.length}`);
  if (v.some((x) => !Number.isFinite(x))) throw new Error(`tEstimate: values must be finite, got [${v.join(', ')}]`);
  const m = mean(v);
  const se = std(v) / Math.sqrt(v.length);
  const half = studentTQuantile(1 - (1 - level) / 2, v.length - 1) * se;
  return { estimate: m, lo: m - half, hi: m + half, level, n: v.length, se, df: v.length - 1 };
}

/**
 * One-sided p-value of H0: mu <= mu0 against mu > mu0 (sign = 1), or of H0: mu >= mu0 against
 * mu < mu0 (sign = -1), from a t-distributed estimate. Zero spread gives 0 or 1 exactly.
 */
export function tOneSidedP(e: Estimate, mu0: number, sign: 1 | -1): number {
  if (e.se === undefined || e.df === undefined) throw new Error('tOneSidedP: the estimate carries no standard error');
  const d = sign * (e.estimate - mu0);
  if (e.se === 0) return d > 0 ? 0 : 1;
  return 1 - studentTCdf(d / e.se, e.df);
}

/** Two-sided t p-value of H0: mu = mu0. */
export function tTwoSidedP(e: Estimate, mu0 = 0): number {
  return Math.min(1, 2 * Math.min(tOneSidedP(e, mu0, 1), tOneSidedP(e, mu0, -1)));
}

/**
 * TOST (two one-sided tests) for equivalence of mu with `target` within +-margin: the p-value is the
 * larger of the two one-sided p-values; equivalence at alpha holds iff the (1 - 2 alpha) interval lies
 * inside (target - margin, target + margin).
 */
export function tostP(e: Estimate, margin: number, target = 0): number {
  if (!(margin > 0)) throw new Error(`tostP: the equivalence margin must be > 0, got ${margin}`);
  return Math.max(tOneSidedP(e, target - margin, 1), tOneSidedP(e, target + margin, -1));
}

/** Exact binomial tail P(X >= k) for X ~ Bin(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return betaIncomplete(p, k, n - k + 1);
}

/** Clopper-Pearson interval for a proportion k / n at two-sided `level`. */
export function clopperPearson(k: number, n: number, level = 0.95): Estimate {
  if (!(Number.isInteger(k) && Number.isInteger(n) && n > 0 && k >= 0 && k <= n)) throw new Error(`clopperPearson: need integers 0 <= k <= n, n > 0; got k=${k}, n=${n}`);
  const a = (1 - level) / 2;
  return { estimate: k / n, lo: k === 0 ? 0 : betaQuantile(a, k, n - k + 1), hi: k === n ? 1 : betaQuantile(1 - a, k + 1, n - k), level, n };
}

/** One-sided exact binomial p-value of k successes in n against p0 (sign 1: more than p0; -1: fewer). */
export function binomialOneSidedP(k: number, n: number, p0: number, sign: 1 | -1): number {
  return sign === 1 ? binomialUpperTail(k, n, p0) : binomialUpperTail(n - k, n, 1 - p0);
}

/** Least-squares slope of y on x with its t interval (n - 2 degrees of freedom). */
export function slopeEstimate(x: readonly number[], y: readonly number[], level = 0.95): Estimate & { intercept: number } {
  const n = x.length;
  if (n !== y.length || n < 3) throw new Error(`slopeEstimate: needs three or more (x, y) pairs, got ${x.length} x and ${y.length} y`);
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx === 0) throw new Error('slopeEstimate: all x are equal');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i] - intercept - slope * x[i]) ** 2;
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 2) * se;
  return { estimate: slope, lo: slope - half, hi: slope + half, level, n, se, df: n - 2, intercept };
}
