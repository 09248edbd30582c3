/**
 * Exact scores of isotropic Gaussian mixtures, the ground truth of the score-model claims. Perturbing
 * a mixture with N(0, sigma^2 I) keeps it a mixture (each component's variance grows by sigma^2), so
 * grad_x log p_sigma(x) = sum_k r_k(x) (mu_k - x) / (std^2 + sigma^2), r_k the posterior weights.
 */
import type { MixtureSpec } from '../../data/toy2d.js';

/** A score field at noise level sigma: n points of dimension d, row-major, in and out. */
export type NoiseScore = (x: Float64Array, sigma: number) => Float64Array;

/** The exact score of the mixture perturbed by N(0, sigma^2 I) (sigma = 0: the mixture itself). */
export function mixtureScore(spec: MixtureSpec): NoiseScore {
  const k = spec.means.length;
  const d = spec.means[0].length;
  const w = spec.weights ?? new Array(k).fill(1 / k);
  const logW = w.map(Math.log);
  return (x, sigma) => {
    const v = spec.std ** 2 + sigma ** 2;
    const n = x.length / d;
    const out = new Float64Array(x.length);
    const logR = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let sq = 0;
        for (let j = 0; j < d; j++) sq += (x[i * d + j] - spec.means[c][j]) ** 2;
        logR[c] = logW[c] - sq / (2 * v);
        max = Math.max(max, logR[c]);
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(logR[c] - max);
      for (let c = 0; c < k; c++) {
        const r = Math.exp(logR[c] - max) / z;
        for (let j = 0; j < d; j++) out[i * d + j] += (r * (spec.means[c][j] - x[i * d + j])) / v;
      }
    }
    return out;
  };
}

/** log density of the perturbed mixture at each point (for checking scores against finite differences). */
export function mixtureLogDensity(spec: MixtureSpec, x: Float64Array, sigma: number): Float64Array {
  const k = spec.means.length;
  const d = spec.means[0].length;
  const w = spec.weights ?? new Array(k).fill(1 / k);
  const v = spec.std ** 2 + sigma ** 2;
  return Float64Array.from({ length: x.length / d }, (_, i) => {
    const terms = spec.means.map((mu, c) => Math.log(w[c]) - mu.reduce((s, m, j) => s + (x[i * d + j] - m) ** 2, 0) / (2 * v) - (d / 2) * Math.log(2 * Math.PI * v));
    const max = Math.max(...terms);
    return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
  });
}

/**
 * The closed-form score of a finite training set: its empirical distribution perturbed by
 * N(0, sigma^2 I) is a mixture of Gaussians at the training points (Closed-Form Diffusion Models).
 */
export function empiricalScore(points: Float64Array, d: number): NoiseScore {
  const means = Array.from({ length: points.length / d }, (_, i) => Array.from(points.subarray(i * d, (i + 1) * d)));
  return mixtureScore({ means, std: 0 });
}

/**
 * A score smoothed over its inputs (Scarvelis, Borde & Solomon 2023): s~(x) = E_u[s(x + u)],
 * u ~ N(0, lambda^2 I), by Monte Carlo with `draws` perturbations per call.
 */
export function smoothedScore(score: NoiseScore, lambda: number, draws: number, rng: { normal(): number }): NoiseScore {
  if (!(lambda >= 0 && Number.isInteger(draws) && draws >= 1)) throw new Error(`smoothedScore: need lambda >= 0 and integer draws >= 1, got ${lambda}, ${draws}`);
  return (x, sigma) => {
    const shifted = new Float64Array(x.length * draws);
    for (let m = 0; m < draws; m++) for (let j = 0; j < x.length; j++) shifted[m * x.length + j] = x[j] + lambda * rng.normal();
    const all = score(shifted, sigma);
    const out = new Float64Array(x.length);
    for (let m = 0; m < draws; m++) for (let j = 0; j < x.length; j++) out[j] += all[m * x.length + j] / draws;
    return out;
  };
}
