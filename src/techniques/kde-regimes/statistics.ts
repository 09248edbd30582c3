/**
 * Measured statistics of a Gaussian-kernel density estimate at test points, for the regimes of ./theory.ts.
 * Data y_i ~ N(0, I_d), i = 1..n; test points x ~ N(0, I_d) drawn apart from the data. For each bandwidth h and
 * test point, with X_i = exp(-|x - y_i|^2 / (2h^2)) (all in logs, by log-sum-exp):
 * - m1 = (1/d) ln[(1/n) sum X_i / E(X | x)] and m2 = (1/d) ln[(1/n) sum X_i^2 / E(X^2 | x)], the conditional
 *   means exact (Gaussian integrals, `logKernelMoment`);
 * - the participation ratio sum X_i^2 / (sum X_i)^2 and the largest term's share max X_i / sum X_i;
 * - ln rho(x) - ln rho_h(x), whose mean over test points estimates KL(rho || rho_h).
 */
import type { Rng } from '../../random/rng.js';
import { logKernelMoment } from './theory.js';

/** Per-bandwidth, per-test-point KDE statistics (see the module comment): m1, m2, participation ratio, largest share, ln rho - ln rho_h. */
export interface KdeStatistics {
  /** [bandwidth][test point] */
  m1: number[][];
  m2: number[][];
  participation: number[][];
  maxShare: number[][];
  logRatio: number[][];
}

function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (const a of v) if (a > m) m = a;
  let s = 0;
  for (const a of v) s += Math.exp(a - m);
  return m + Math.log(s);
}

/** Statistics of the KDE of n standard Gaussian points in R^d at `testPoints` fresh points, for each bandwidth. */
export function kdeStatistics(d: number, n: number, bandwidths: readonly number[], testPoints: number, rng: Rng): KdeStatistics {
  const y = new Float64Array(n * d);
  for (let i = 0; i < y.length; i++) y[i] = rng.normal();
  const out: KdeStatistics = { m1: [], m2: [], participation: [], maxShare: [], logRatio: [] };
  for (const key of Object.keys(out) as (keyof KdeStatistics)[]) out[key] = bandwidths.map(() => []);
  const dist = new Float64Array(n);
  const e1 = new Float64Array(n), e2 = new Float64Array(n);
  const x = new Float64Array(d);
  for (let t = 0; t < testPoints; t++) {
    let xSq = 0;
    for (let j = 0; j < d; j++) { x[j] = rng.normal(); xSq += x[j] * x[j]; }
    let minDist = Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const a = x[j] - y[i * d + j]; s += a * a; }
      dist[i] = s;
      if (s < minDist) minDist = s;
    }
    const logRho = -0.5 * d * Math.log(2 * Math.PI) - 0.5 * xSq;
    bandwidths.forEach((h, b) => {
      for (let i = 0; i < n; i++) { e1[i] = -dist[i] / (2 * h * h); e2[i] = 2 * e1[i]; }
      const l1 = logSumExp(e1), l2 = logSumExp(e2);
      out.m1[b].push((l1 - Math.log(n) - logKernelMoment(1, h, xSq, d)) / d);
      out.m2[b].push((l2 - Math.log(n) - logKernelMoment(2, h, xSq, d)) / d);
      out.participation[b].push(Math.exp(l2 - 2 * l1));
      out.maxShare[b].push(Math.exp(-minDist / (2 * h * h) - l1));
      out.logRatio[b].push(logRho - (l1 - Math.log(n) - 0.5 * d * Math.log(2 * Math.PI * h * h)));
    });
  }
  return out;
}

/**
 * (1/n) sum_i X_i / E(X | x) for `reps` independent (data set, test point) pairs: each has mean exactly 1 (the
 * conditional mean is the Gaussian integral of `logKernelMoment`), so their average checks it.
 */
export function kernelMeanRatios(d: number, n: number, h: number, reps: number, rng: Rng): number[] {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const x = Array.from({ length: d }, () => rng.normal());
    const xSq = x.reduce((s, v) => s + v * v, 0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (x[j] - rng.normal()) ** 2;
      sum += Math.exp(-dist / (2 * h * h));
    }
    out.push(Math.exp(Math.log(sum / n) - logKernelMoment(1, h, xSq, d)));
  }
  return out;
}
