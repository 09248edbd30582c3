/**
 * Learning a Gaussian mixture's means from samples with heterogeneous, known noise (the theoretical model
 * of Daras, Cherapanamjeri & Daskalakis 2025, "How much is a noisy image worth?"): the data are
 * x ~ sum_k w_k N(mu_k, v_k I) in R^d and sample i is observed as y_i = x_i + sigma_i z_i with sigma_i known
 * (sigma_i = 0: a clean sample). Then y_i ~ sum_k w_k N(mu_k, (v_k + sigma_i^2) I), so EM for the means,
 * with w and v known, is
 *   E-step: r_ik proportional to w_k N(y_i; mu_k, c_ik I), c_ik = v_k + sigma_i^2;
 *   M-step: mu_k = sum_i (r_ik / c_ik) y_i / sum_i (r_ik / c_ik),
 * the exact maximiser of the expected complete log-likelihood: each sample counts with its precision, so
 * a noisy sample pulls a mean less than a clean one. Each iteration does not decrease the likelihood.
 */
import type { Rng } from '../../random/rng.js';

/** The known part of the model: weights and per-component isotropic variances. */
export interface NoisyGmmModel {
  weights: number[];
  /** per-component variance v_k (one number: all components) */
  variance: number[] | number;
}

/** Options of {@link noisyGmmEm}. */
export interface NoisyGmmEmOptions extends NoisyGmmModel {
  /** starting means, K x d */
  init: number[][];
  /** iteration cap (default 500) */
  maxIter?: number;
  /** stop when no mean coordinate moves more than this (default 1e-8) */
  tol?: number;
}

/** What {@link noisyGmmEm} returns. */
export interface NoisyGmmFit {
  means: number[][];
  /** log-likelihood of the observations at the returned means */
  logLik: number;
  iterations: number;
  converged: boolean;
}

interface Prepared {
  n: number;
  d: number;
  K: number;
  /** per point and component (n x K): log w_k - (d/2) log(2 pi c_ik), and 1/c_ik; computed once, every pass reads them */
  logNorm: Float64Array;
  inv: Float64Array;
}

function prepare(who: string, y: Float64Array, d: number, noiseVar: ArrayLike<number> | number, model: NoisyGmmModel, K: number): Prepared {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`${who}: d must be an integer >= 1, got ${d}`);
  if (y.length === 0 || y.length % d !== 0) throw new Error(`${who}: y must hold n >= 1 points of dimension ${d}, got ${y.length} values`);
  const n = y.length / d;
  const { weights } = model;
  if (weights.length !== K || K < 1) throw new Error(`${who}: weights must have one entry per component (${K}), got ${weights.length}`);
  if (weights.some((w) => !(w > 0 && Number.isFinite(w))) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-9) throw new Error(`${who}: weights must be > 0 and sum to 1, got [${weights.join(', ')}]`);
  const v = typeof model.variance === 'number' ? new Float64Array(K).fill(model.variance) : Float64Array.from(model.variance);
  if (v.length !== K || v.some((x) => !(x >= 0 && Number.isFinite(x)))) throw new Error(`${who}: variance must be one finite number >= 0 or one per component (${K})`);
  const noise = typeof noiseVar === 'number' ? new Float64Array(n).fill(noiseVar) : Float64Array.from(noiseVar);
  if (noise.length !== n) throw new Error(`${who}: noiseVar must have one entry per point (${n}), got ${noise.length}`);
  if (noise.some((s) => !(s >= 0 && Number.isFinite(s)))) throw new Error(`${who}: noiseVar must be finite and >= 0`);
  const [logNorm, inv] = [new Float64Array(n * K), new Float64Array(n * K)];
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) {
    const c = v[k] + noise[i];
    if (!(c > 0)) throw new Error(`${who}: v_k + sigma_i^2 must be > 0 (point ${i}, component ${k})`);
    logNorm[i * K + k] = Math.log(weights[k]) - 0.5 * d * Math.log(2 * Math.PI * c);
    inv[i * K + k] = 1 / c;
  }
  return { n, d, K, logNorm, inv };
}

function checkMeans(who: string, means: number[][], K: number, d: number): void {
  if (means.length !== K || means.some((m) => m.length !== d || m.some((x) => !Number.isFinite(x)))) throw new Error(`${who}: means must be ${K} finite rows of dimension ${d}`);
}

/**
 * One pass over the points: the log-likelihood at `means`, and (when `acc` is given) the M-step's sums
 * acc.num[k*d + j] = sum_i r_ik y_ij / c_ik and acc.den[k] = sum_i r_ik / c_ik.
 */
function pass(p: Prepared, y: Float64Array, means: number[][], acc?: { num: Float64Array; den: Float64Array }): number {
  const { n, d, K, logNorm, inv } = p;
  const l = new Float64Array(K);
  const mu = Float64Array.from(means.flat());
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let sq = 0;
      for (let j = 0; j < d; j++) { const e = y[i * d + j] - mu[k * d + j]; sq += e * e; }
      l[k] = logNorm[i * K + k] - 0.5 * sq * inv[i * K + k];
      if (l[k] > max) max = l[k];
    }
    let z = 0;
    for (let k = 0; k < K; k++) { l[k] = Math.exp(l[k] - max); z += l[k]; }
    total += max + Math.log(z);
    if (!acc) continue;
    for (let k = 0; k < K; k++) {
      const f = (l[k] / z) * inv[i * K + k];
      acc.den[k] += f;
      for (let j = 0; j < d; j++) acc.num[k * d + j] += f * y[i * d + j];
    }
  }
  return total;
}

/** The log-likelihood sum_i log sum_k w_k N(y_i; mu_k, (v_k + sigma_i^2) I) of the noisy observations. */
export function noisyGmmLogLikelihood(y: Float64Array, d: number, noiseVar: ArrayLike<number> | number, model: NoisyGmmModel & { means: number[][] }): number {
  const p = prepare('noisyGmmLogLikelihood', y, d, noiseVar, model, model.means.length);
  checkMeans('noisyGmmLogLikelihood', model.means, p.K, d);
  return pass(p, y, model.means);
}

/** One EM step for the means (E-step at `means`, then the precision-weighted M-step). */
export function noisyGmmEmStep(y: Float64Array, d: number, noiseVar: ArrayLike<number> | number, model: NoisyGmmModel & { means: number[][] }): number[][] {
  const p = prepare('noisyGmmEmStep', y, d, noiseVar, model, model.means.length);
  checkMeans('noisyGmmEmStep', model.means, p.K, d);
  return mStep(p, y, model.means).means;
}

function mStep(p: Prepared, y: Float64Array, means: number[][]): { means: number[][]; logLik: number } {
  const acc = { num: new Float64Array(p.K * p.d), den: new Float64Array(p.K) };
  const logLik = pass(p, y, means, acc);
  // a component no point claims (den underflows to 0) keeps its mean
  return { means: means.map((m, k) => (acc.den[k] > 0 ? m.map((_, j) => acc.num[k * p.d + j] / acc.den[k]) : [...m])), logLik };
}

/**
 * EM for the means of a mixture with known weights and variances from observations with known per-point
 * noise variances `noiseVar` (sigma_i^2; a number: the same for all). y is n x d row-major.
 */
export function noisyGmmEm(y: Float64Array, d: number, noiseVar: ArrayLike<number> | number, opts: NoisyGmmEmOptions): NoisyGmmFit {
  const p = prepare('noisyGmmEm', y, d, noiseVar, opts, opts.init.length);
  checkMeans('noisyGmmEm', opts.init, p.K, d);
  const maxIter = opts.maxIter ?? 500;
  const tol = opts.tol ?? 1e-8;
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) throw new Error(`noisyGmmEm: maxIter must be an integer >= 1, got ${maxIter}`);
  if (!(tol > 0)) throw new Error(`noisyGmmEm: tol must be > 0, got ${tol}`);
  let means = opts.init.map((m) => [...m]);
  for (let it = 1; it <= maxIter; it++) {
    const next = mStep(p, y, means).means;
    let moved = 0;
    for (let k = 0; k < p.K; k++) for (let j = 0; j < d; j++) moved = Math.max(moved, Math.abs(next[k][j] - means[k][j]));
    means = next;
    if (moved < tol) return { means, logLik: pass(p, y, means), iterations: it, converged: true };
  }
  return { means, logLik: pass(p, y, means), iterations: maxIter, converged: false };
}

/**
 * Starting means for EM: 'quantiles' (d = 1 only) puts mean k at the (k + 1/2)/K quantile of y;
 * 'kmeans++' draws K points of y, each with probability proportional to its squared distance to the
 * nearest one drawn so far (Arthur & Vassilvitskii 2007).
 */
export function initMeans(y: Float64Array, d: number, K: number, method: 'quantiles' | 'kmeans++', rng?: Rng): number[][] {
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`initMeans: K must be an integer >= 1, got ${K}`);
  if (!(Number.isInteger(d) && d >= 1) || y.length < K * d || y.length % d !== 0) throw new Error(`initMeans: y must hold at least K = ${K} points of dimension ${d}, got ${y.length} values`);
  const n = y.length / d;
  if (method === 'quantiles') {
    if (d !== 1) throw new Error(`initMeans: 'quantiles' needs d = 1, got d = ${d}`);
    const sorted = Float64Array.from(y).sort();
    return Array.from({ length: K }, (_, k) => [sorted[Math.min(n - 1, Math.floor(((k + 0.5) / K) * n))]]);
  }
  if (method !== 'kmeans++') throw new Error(`initMeans: method must be 'quantiles' or 'kmeans++', got ${String(method)}`);
  if (!rng) throw new Error("initMeans: 'kmeans++' needs an rng");
  const point = (i: number) => Array.from(y.subarray(i * d, (i + 1) * d));
  const means = [point(rng.int(n))];
  const dist = new Float64Array(n).fill(Infinity);
  while (means.length < K) {
    const m = means[means.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (y[i * d + j] - m[j]) ** 2;
      dist[i] = Math.min(dist[i], sq);
      total += dist[i];
    }
    let u = rng.uniform() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) if ((u -= dist[i]) <= 0) { pick = i; break; }
    means.push(point(pick));
  }
  return means;
}
