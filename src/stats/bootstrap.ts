/** Confidence intervals for multi-seed comparisons. Resampling is seeded, so intervals reproduce. */
import { Rng } from '../random/rng.js';
import { studentTQuantile } from './distributions.js';

/** A mean with its interval [lo, hi] at confidence `level` (e.g. 0.95), from `n` values. */
export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  n: number;
  level: number;
}

/** Arithmetic mean (NaN for no values). */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** Sample standard deviation (denominator n - 1; 0 for a single value). */
export function std(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return Math.sqrt(s / Math.max(1, a.length - 1));
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/** Percentile bootstrap interval for the mean of `values`. */
export function bootstrapMeanCI(values: ArrayLike<number>, opts: { level?: number; resamples?: number; seed?: number } = {}): Interval {
  const n = values.length;
  const level = opts.level ?? 0.95;
  if (n === 0) throw new Error('bootstrapMeanCI: no values');
  if (Array.from(values).some((v) => !Number.isFinite(v))) throw new Error('bootstrapMeanCI: values must be finite');
  const B = opts.resamples ?? 10000;
  const rng = new Rng(opts.seed ?? 12345);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[b] = s / n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  return { mean: mean(values), lo: quantileSorted(means, alpha), hi: quantileSorted(means, 1 - alpha), n, level };
}

/** Paired comparison: the interval of mean(a_i - b_i) over matched seeds. */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: { level?: number; resamples?: number; seed?: number } = {}): Interval {
  if (a.length !== b.length) throw new Error(`pairedBootstrap: ${a.length} vs ${b.length} paired values`);
  return bootstrapMeanCI(Array.from(a, (v, i) => v - b[i]), opts);
}

/** An interval as text, e.g. "-0.031 [-0.045, -0.018]". */
export function formatInterval(ci: Interval, digits = 3): string {
  return `${ci.mean.toFixed(digits)} [${ci.lo.toFixed(digits)}, ${ci.hi.toFixed(digits)}]`;
}

/** Two-sided exact sign test p-value for the number of positive differences. */
export function signTest(diffs: ArrayLike<number>): number {
  const nz = Array.from(diffs).filter((d) => d !== 0);
  const n = nz.length;
  const k = nz.filter((d) => d > 0).length;
  const m = Math.min(k, n - k);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += binom(n, i) / 2 ** n;
  return Math.min(1, 2 * tail);
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Student-t interval for the mean of `values` (the usual choice for a handful of seeds). */
export function tInterval(values: ArrayLike<number>, level = 0.95): Interval {
  const n = values.length;
  if (n < 2) throw new Error(`tInterval: need at least 2 values, got ${n}`);
  const m = mean(values);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (std(values) / Math.sqrt(n));
  return { mean: m, lo: m - half, hi: m + half, n, level };
}

/** Paired Student-t interval of mean(a_i - b_i). */
export function pairedT(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): Interval {
  if (a.length !== b.length) throw new Error(`pairedT: ${a.length} vs ${b.length} paired values`);
  return tInterval(Array.from(a, (v, i) => v - b[i]), level);
}
