/**
 * Gaussian mixtures with isotropic per-component variances, the exact footing of the diffusion claims:
 * under x_t = a x_0 + s eps the component N(mu_k, v_k I) becomes N(a mu_k, c_k I), c_k = a^2 v_k + s^2,
 * so the noised density, its score, the score's divergence and the denoiser E[x_0 | x_t] are closed
 * form. With u_k = (a mu_k - x)/c_k and r_k(x) the component posteriors (grad log of component k is u_k):
 *   score = sum_k r_k u_k,
 *   div score = sum_k r_k (-d/c_k) + sum_k r_k |u_k|^2 - |sum_k r_k u_k|^2   (grad r_k = r_k (u_k - score)),
 *   E[x_0 | x_t] = sum_k r_k (mu_k + a v_k/c_k (x - a mu_k))  (Gaussian conditioning per component),
 * which equals Tweedie's (x + s^2 score)/a when a > 0 (Efron 2011).
 */
import type { Rng } from '../../random/rng.js';
import type { DiscreteSchedule, NoisingProcess } from './process.js';
import type { TimeDivergence } from './likelihood.js';
import type { StepEps, TimeScore } from './samplers.js';

/** A mixture sum_k weights[k] N(means[k], vars[k] I); build it with {@link gmm}, which validates it. */
export interface Gmm {
  weights: number[];
  /** K means of dimension d */
  means: number[][];
  /** per-component isotropic variances, >= 0 (0: a point mass) */
  vars: number[];
}

/** A validated mixture (copies its arguments); `vars` may be one number for all components. */
export function gmm(weights: number[], means: number[][], vars: number[] | number): Gmm {
  const K = weights.length;
  if (K === 0) throw new Error('gmm: weights must not be empty');
  if (weights.some((w) => !(w >= 0 && Number.isFinite(w)))) throw new Error(`gmm: weights must be finite and >= 0, got [${weights.join(', ')}]`);
  const total = weights.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`gmm: weights must sum to 1, got ${total}`);
  if (means.length !== K) throw new Error(`gmm: means must have one row per weight (${K}), got ${means.length}`);
  const d = means[0].length;
  if (d === 0 || means.some((m) => m.length !== d)) throw new Error(`gmm: means must all have the same dimension >= 1, got lengths [${means.map((m) => m.length).join(', ')}]`);
  if (means.some((m) => m.some((v) => !Number.isFinite(v)))) throw new Error('gmm: means must be finite');
  const vs = typeof vars === 'number' ? new Array<number>(K).fill(vars) : vars;
  if (vs.length !== K) throw new Error(`gmm: vars must have one entry per weight (${K}), got ${vs.length}`);
  if (vs.some((v) => !(v >= 0 && Number.isFinite(v)))) throw new Error(`gmm: vars must be finite and >= 0, got [${vs.join(', ')}]`);
  return { weights: [...weights], means: means.map((m) => [...m]), vars: [...vs] };
}

function dimOf(g: Gmm, x: Float64Array, who: string): number {
  const d = g.means[0].length;
  if (x.length % d !== 0) throw new Error(`${who}: x has ${x.length} values, not a multiple of the mixture's dimension ${d}`);
  return d;
}

// per-component variances c_k = a^2 v_k + s^2 and log normalisers log w_k - (d/2) log(2 pi c_k), once per call
interface Noised {
  c: Float64Array;
  logNorm: Float64Array;
}

function noised(g: Gmm, d: number, a: number, s: number, who: string): Noised {
  const c = Float64Array.from(g.vars, (v) => a * a * v + s * s);
  if (c.some((ck) => !(ck > 0))) throw new Error(`${who}: a^2 v_k + s^2 must be > 0 for every component (a point mass needs s > 0), got a=${a}, s=${s}`);
  return { c, logNorm: Float64Array.from(c, (ck, k) => Math.log(g.weights[k]) - 0.5 * d * Math.log(2 * Math.PI * ck)) };
}

/**
 * Point i's log joint terms l_k = log w_k + log N(x_i; a mu_k, c_k I): returns their log-sum-exp and
 * leaves log r_k = l_k - lse in `logR` (length K).
 */
function pointTerms(g: Gmm, x: Float64Array, i: number, d: number, a: number, { c, logNorm }: Noised, logR: Float64Array): number {
  const K = c.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    const mu = g.means[k];
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const e = x[i * d + j] - a * mu[j];
      sq += e * e;
    }
    const l = logNorm[k] - sq / (2 * c[k]);
    logR[k] = l;
    if (l > max) max = l;
  }
  if (K === 1) {
    logR[0] = 0;
    return max;
  }
  if (max === -Infinity) return -Infinity;
  let z = 0;
  for (let k = 0; k < K; k++) z += Math.exp(logR[k] - max);
  const lse = max + Math.log(z);
  for (let k = 0; k < K; k++) logR[k] -= lse;
  return lse;
}

/** log p_t(x) per point of the mixture noised as x_t = a x_0 + s eps. */
export function noisedLogDensity(g: Gmm, x: Float64Array, a: number, s: number): Float64Array {
  const d = dimOf(g, x, 'noisedLogDensity');
  const nz = noised(g, d, a, s, 'noisedLogDensity');
  const { c } = nz;
  const logTerms = new Float64Array(c.length);
  return Float64Array.from({ length: x.length / d }, (_, i) => pointTerms(g, x, i, d, a, nz, logTerms));
}

/** Component posteriors r_k(x) = P(component k | x_t = x), n x K row-major. */
export function componentPosterior(g: Gmm, x: Float64Array, a: number, s: number): Float64Array {
  const d = dimOf(g, x, 'componentPosterior');
  const nz = noised(g, d, a, s, 'componentPosterior');
  const { c } = nz;
  const K = c.length;
  const n = x.length / d;
  const out = new Float64Array(n * K);
  const logTerms = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    pointTerms(g, x, i, d, a, nz, logTerms);
    for (let k = 0; k < K; k++) out[i * K + k] = Math.exp(logTerms[k]);
  }
  return out;
}

/** The exact score grad_x log p_t(x), n x d, of the mixture noised as x_t = a x_0 + s eps. */
export function noisedScore(g: Gmm, x: Float64Array, a: number, s: number): Float64Array {
  const d = dimOf(g, x, 'noisedScore');
  const { c, logNorm } = noised(g, d, a, s, 'noisedScore');
  const K = c.length;
  // flat, precomputed operands: this is the inner loop of every exact-score sampler (millions of calls)
  const am = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) am[k * d + j] = a * g.means[k][j];
  const half = Float64Array.from(c, (ck) => 1 / (2 * ck));
  const inv = Float64Array.from(c, (ck) => 1 / ck);
  const n = x.length / d;
  const out = new Float64Array(x.length);
  if (K === 1) {
    // a single Gaussian: the score is linear, (a mu - x) / c
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (am[j] - x[i * d + j]) * inv[0];
    return out;
  }
  const l = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let sq = 0;
      for (let j = 0; j < d; j++) { const e = x[o + j] - am[k * d + j]; sq += e * e; }
      const lk = logNorm[k] - sq * half[k];
      l[k] = lk;
      if (lk > max) max = lk;
    }
    let z = 0;
    for (let k = 0; k < K; k++) { l[k] = Math.exp(l[k] - max); z += l[k]; }
    for (let k = 0; k < K; k++) {
      const r = l[k] / z;
      if (r === 0) continue;
      const f = r * inv[k];
      for (let j = 0; j < d; j++) out[o + j] += f * (am[k * d + j] - x[o + j]);
    }
  }
  return out;
}

/** The exact divergence (trace of the Jacobian) of the noised score, per point. */
export function noisedScoreDivergence(g: Gmm, x: Float64Array, a: number, s: number): Float64Array {
  const d = dimOf(g, x, 'noisedScoreDivergence');
  const nz = noised(g, d, a, s, 'noisedScoreDivergence');
  const { c } = nz;
  const K = c.length;
  const n = x.length / d;
  const out = new Float64Array(n);
  const logTerms = new Float64Array(K);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    pointTerms(g, x, i, d, a, nz, logTerms);
    mean.fill(0);
    let acc = 0;
    for (let k = 0; k < K; k++) {
      const r = Math.exp(logTerms[k]);
      if (r === 0) continue;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const u = (a * g.means[k][j] - x[i * d + j]) / c[k];
        sq += u * u;
        mean[j] += r * u;
      }
      acc += r * (sq - d / c[k]);
    }
    for (let j = 0; j < d; j++) acc -= mean[j] * mean[j];
    out[i] = acc;
  }
  return out;
}

/**
 * The denoiser E[x_0 | x_t = x], n x d, by per-component Gaussian conditioning (defined at a = 0 too,
 * where it is the mixture's mean).
 */
export function posteriorMean(g: Gmm, x: Float64Array, a: number, s: number): Float64Array {
  const d = dimOf(g, x, 'posteriorMean');
  const nz = noised(g, d, a, s, 'posteriorMean');
  const { c } = nz;
  const K = c.length;
  const out = new Float64Array(x.length);
  const logTerms = new Float64Array(K);
  for (let i = 0; i < x.length / d; i++) {
    pointTerms(g, x, i, d, a, nz, logTerms);
    for (let k = 0; k < K; k++) {
      const r = Math.exp(logTerms[k]);
      if (r === 0) continue;
      const gain = (a * g.vars[k]) / c[k];
      const mu = g.means[k];
      for (let j = 0; j < d; j++) out[i * d + j] += r * (mu[j] + gain * (x[i * d + j] - a * mu[j]));
    }
  }
  return out;
}

/** n draws from the mixture, n x d. */
export function sampleGmm(g: Gmm, n: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`sampleGmm: n must be an integer >= 0, got ${n}`);
  const d = g.means[0].length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    let k = 0;
    // the last component takes the rounding remainder of the cumulative weights
    for (let acc = g.weights[0]; k < g.weights.length - 1 && u >= acc; acc += g.weights[++k]);
    const sd = Math.sqrt(g.vars[k]);
    for (let j = 0; j < d; j++) out[i * d + j] = g.means[k][j] + sd * rng.normal();
  }
  return out;
}

/** The mixture's mean vector and per-coordinate variance sum_k w_k (v_k + mu_kj^2) - mean_j^2. */
export function gmmMoments(g: Gmm): { mean: Float64Array; variance: Float64Array } {
  const d = g.means[0].length;
  const mean = new Float64Array(d);
  const second = new Float64Array(d);
  g.weights.forEach((w, k) => {
    for (let j = 0; j < d; j++) {
      mean[j] += w * g.means[k][j];
      second[j] += w * (g.vars[k] + g.means[k][j] ** 2);
    }
  });
  return { mean, variance: Float64Array.from(second, (m2, j) => m2 - mean[j] ** 2) };
}

/** The mixture's exact score along a process, as samplers take it: s(x, t) at alpha(t), sigma(t). */
export function gmmScore(g: Gmm, process: NoisingProcess): TimeScore {
  return (x, t) => noisedScore(g, x, process.alpha(t), process.sigma(t));
}

/** The exact divergence of {@link gmmScore}, as {@link odeLogLikelihood} takes it. */
export function gmmScoreDivergence(g: Gmm, process: NoisingProcess): TimeDivergence {
  return (x, t) => noisedScoreDivergence(g, x, process.alpha(t), process.sigma(t));
}

/**
 * The mixture's exact eps-prediction on a discrete schedule, E[eps | x_t] = -sqrt(1 - alphaBar[t]) score
 * at a = sqrt(alphaBar[t]), s = sqrt(1 - alphaBar[t]).
 */
export function gmmEps(g: Gmm, schedule: DiscreteSchedule): StepEps {
  return (x, t) => {
    const ab = schedule.alphaBar[t];
    const s = Math.sqrt(1 - ab);
    const e = noisedScore(g, x, Math.sqrt(ab), s);
    for (let j = 0; j < e.length; j++) e[j] *= -s;
    return e;
  };
}
