/**
 * The minority score of Um, Lee & Ye 2024 ("Don't Play Favorites: Minority Guidance for Diffusion
 * Models", eq. 7): perturb a clean sample x0 to x_t = a x0 + s eps at one fixed step t, denoise it with
 * Tweedie's formula (the posterior mean E[x0 | x_t]), and measure the reconstruction loss, averaged over
 * noise draws. Denoisers favour the majority (the posterior mean is pulled towards where the data are
 * dense), so a sample from a low-density region is reconstructed worse: the loss measures its uniqueness.
 * The paper's loss is LPIPS on images; on low-dimensional data it is the squared distance. Samples are
 * then labelled with L levels by the quantiles of their scores (the paper's construct_ms_dataset: level
 * l holds the scores between the l/L and (l+1)/L quantiles), the labels a minority classifier learns.
 */
import type { Rng } from '../../random/rng.js';

/** A denoiser at the score's fixed step: x_t (n x d) -> E[x0 | x_t] (n x d). */
export type Denoiser = (xt: Float64Array) => Float64Array;

function checkPoints(who: string, x0: Float64Array, d: number): number {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`${who}: d must be an integer >= 1, got ${d}`);
  if (x0.length === 0 || x0.length % d !== 0) throw new Error(`${who}: x0 must hold n >= 1 points of dimension ${d}, got ${x0.length} values`);
  return x0.length / d;
}

function checkNoise(who: string, a: number, s: number): void {
  if (!(a > 0 && s > 0 && Number.isFinite(a) && Number.isFinite(s))) throw new Error(`${who}: need a > 0 and s > 0 (x_t = a x0 + s eps), got a=${a}, s=${s}`);
}

/** D(a x0 + s eps) for the given eps (n x d). */
function reconstruct(denoise: Denoiser, x0: Float64Array, eps: Float64Array, a: number, s: number, who: string): Float64Array {
  const xt = Float64Array.from(x0, (v, j) => a * v + s * eps[j]);
  const rec = denoise(xt);
  if (rec.length !== x0.length) throw new Error(`${who}: the denoiser returned ${rec.length} values for ${x0.length}`);
  return rec;
}

/**
 * The paper's Monte Carlo minority score: per point, the mean over `draws` noise draws of
 * |x0 - D(a x0 + s eps)|^2 (the paper's code: 5 draws at one step).
 */
export function minorityScore(denoise: Denoiser, x0: Float64Array, d: number, a: number, s: number, opts: { draws: number; rng: Rng }): Float64Array {
  const n = checkPoints('minorityScore', x0, d);
  checkNoise('minorityScore', a, s);
  if (!(Number.isInteger(opts.draws) && opts.draws >= 1)) throw new Error(`minorityScore: draws must be an integer >= 1, got ${opts.draws}`);
  const out = new Float64Array(n);
  for (let r = 0; r < opts.draws; r++) {
    const eps = Float64Array.from(x0, () => opts.rng.normal());
    const rec = reconstruct(denoise, x0, eps, a, s, 'minorityScore');
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (x0[i * d + j] - rec[i * d + j]) ** 2;
      out[i] += sq / opts.draws;
    }
  }
  return out;
}

/**
 * Nodes and weights of m-point Gauss-Hermite quadrature for the standard normal:
 * E[f(Z)] ~ sum_k w_k f(z_k), exact for polynomials of degree < 2m (Newton's method on the Hermite
 * recurrence, as in Numerical Recipes' gauher, then rescaled from the weight e^(-x^2) to N(0, 1)).
 */
export function gaussHermite(m: number): { nodes: Float64Array; weights: Float64Array } {
  if (!(Number.isInteger(m) && m >= 1 && m <= 100)) throw new Error(`gaussHermite: m must be an integer in [1, 100], got ${m}`);
  const x = new Float64Array(m);
  const w = new Float64Array(m);
  const pim4 = Math.PI ** -0.25;
  let z = 0;
  for (let i = 0; i < Math.floor((m + 1) / 2); i++) {
    // starting guesses for the largest roots first (Numerical Recipes' gauher)
    if (i === 0) z = Math.sqrt(2 * m + 1) - 1.85575 * (2 * m + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * m ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let [p1, p2] = [pim4, 0];
      for (let j = 1; j <= m; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * m) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-14) break;
    }
    x[i] = z;
    x[m - 1 - i] = -z;
    w[i] = w[m - 1 - i] = 2 / (pp * pp);
  }
  // weight e^(-x^2) -> N(0, 1): z = sqrt(2) x, weight / sqrt(pi)
  return { nodes: Float64Array.from(x, (v) => Math.SQRT2 * v), weights: Float64Array.from(w, (v) => v / Math.sqrt(Math.PI)) };
}

/**
 * The minority score's expectation over the noise, E_eps |x0 - D(a x0 + s eps)|^2, by product
 * Gauss-Hermite quadrature with m nodes per coordinate (m^d denoiser calls per point): the population
 * version of the paper's Monte Carlo average, for labelling without label noise.
 */
export function expectedMinorityScore(denoise: Denoiser, x0: Float64Array, d: number, a: number, s: number, m = 12): Float64Array {
  const n = checkPoints('expectedMinorityScore', x0, d);
  checkNoise('expectedMinorityScore', a, s);
  if (d > 3) throw new Error(`expectedMinorityScore: product quadrature needs d <= 3, got ${d}`);
  const { nodes, weights } = gaussHermite(m);
  const out = new Float64Array(n);
  const combos = m ** d;
  const eps = new Float64Array(x0.length);
  for (let c = 0; c < combos; c++) {
    let wc = 1;
    for (let j = 0, r = c; j < d; j++, r = Math.floor(r / m)) wc *= weights[r % m];
    for (let i = 0; i < n; i++) for (let j = 0, r = c; j < d; j++, r = Math.floor(r / m)) eps[i * d + j] = nodes[r % m];
    const rec = reconstruct(denoise, x0, eps, a, s, 'expectedMinorityScore');
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (x0[i * d + j] - rec[i * d + j]) ** 2;
      out[i] += wc * sq;
    }
  }
  return out;
}

/**
 * The paper's level thresholds: q_l = the (l + 1)/L quantile of the scores, l = 0..L-1 (here the smallest
 * score whose cumulative share reaches (l + 1)/L; torch.quantile interpolates between neighbours),
 * optionally with weights (a density on a grid). A score's level is the first l with score <= q_l.
 */
export function levelThresholds(scores: ArrayLike<number>, levels: number, weights?: ArrayLike<number>): Float64Array {
  const n = scores.length;
  if (!(Number.isInteger(levels) && levels >= 2)) throw new Error(`levelThresholds: levels must be an integer >= 2, got ${levels}`);
  if (n < 1) throw new Error('levelThresholds: scores must not be empty');
  if (weights && weights.length !== n) throw new Error(`levelThresholds: weights must have one entry per score (${n}), got ${weights.length}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i] - scores[j]);
  const w = (i: number) => (weights ? weights[i] : 1);
  let total = 0;
  for (let i = 0; i < n; i++) total += w(i);
  if (!(total > 0)) throw new Error('levelThresholds: weights must have a positive sum');
  const out = new Float64Array(levels);
  let acc = 0;
  let k = 0;
  for (let l = 0; l < levels; l++) {
    const target = ((l + 1) / levels) * total;
    // the smallest score whose cumulative weight reaches the target (the last level's threshold is the maximum)
    while (k < n - 1 && acc + w(order[k]) < target * (1 - 1e-12)) acc += w(order[k++]);
    out[l] = scores[order[k]];
  }
  return out;
}

/** The level (0..L-1) of each score under thresholds from {@link levelThresholds}. */
export function levelOf(scores: ArrayLike<number>, thresholds: Float64Array): Int32Array {
  return Int32Array.from({ length: scores.length }, (_, i) => {
    let l = 0;
    while (l < thresholds.length - 1 && scores[i] > thresholds[l]) l++;
    return l;
  });
}
