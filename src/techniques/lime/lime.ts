/**
 * LIME for images on a fixed segmentation, with its coalition sampling done two ways (Rashid, Amparore
 * et al. 2024, "Using Stratified Sampling to Improve LIME Image Explanations").
 *
 * LIME explains f at an image by a weighted linear fit g(z) = beta_0 + beta^T z over coalitions
 * z in {0,1}^M (superpixel j kept when z_j = 1, replaced by a hide colour otherwise), weighting each by
 * the kernel pi(z) = sqrt(exp(-d(z)^2 / w^2)) of the cosine distance d(z) = 1 - |z| / sqrt(M |z|) to
 * the full image (LIME's default kernel, w = 0.25; d = 1 for the empty coalition). LIME draws z with
 * each superpixel on with probability 1/2; as the sample grows its weighted least-squares fit tends to
 * the EXACT solution, beta* = A^-1 b with
 *
 *   A = sum_z 2^-M pi(z) zt zt^T,   b = sum_z 2^-M pi(z) zt f(z),   zt = (1, z),
 *
 * which for M up to ~14 is computable by enumerating all 2^M coalitions. Every estimator here is
 * beta_hat = A_hat^-1 b_hat with A_hat, b_hat weighted sums over sampled coalitions:
 * - Monte Carlo (LIME's): n uniform coalitions, each with factor 1 / n; A_hat and b_hat are unbiased.
 * - Stratified over coalition size k = |z|: n_k coalitions drawn uniformly among those of size k, each
 *   with the adjustment factor p(k) / n_k, p(k) = C(M, k) 2^-M the stratum's share under uniform
 *   sampling; A_hat and b_hat are again unbiased for A and b, whatever the allocation n_k. Without the
 *   factors (1 / n each) the fit targets another weighting and is biased.
 * Since pi depends on |z| only and LIME's kernel puts most weight on large coalitions, which uniform
 * sampling rarely draws, an equal allocation over sizes (the paper's: its code draws a size uniformly
 * from 0..M per sample, i.e. equal allocation in expectation) spends more of the budget near the full
 * image; an allocation proportional to p(k) pi(k) follows the exact fit's weight mass instead.
 *
 * Coalitions are bitmasks: bit j of z is superpixel j.
 */
import type { Rng } from '../../random/rng.js';

/** LIME's default kernel width for images */
export const LIME_KERNEL_WIDTH = 0.25;

/** Superpixels as a fixed rows x cols grid of an h x w image: the segment id of each pixel (row-major). */
export function gridSegments(h: number, w: number, rows: number, cols: number): Int32Array {
  if (!(rows >= 1 && cols >= 1 && rows <= h && cols <= w)) throw new Error(`gridSegments: a ${rows} x ${cols} grid does not fit ${h} x ${w}`);
  const seg = new Int32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) seg[y * w + x] = Math.floor((y * rows) / h) * cols + Math.floor((x * cols) / w);
  return seg;
}

/** The image with the superpixels absent from coalition `mask` set to `hide`. */
export function perturbImage(image: ArrayLike<number>, segments: Int32Array, mask: number, hide = 0): Float32Array {
  return Float32Array.from(image, (v, i) => ((mask >> segments[i]) & 1 ? v : hide));
}

/** Number of set bits of a coalition mask (the coalition's size). */
export const popcount = (z: number): number => { let c = 0; for (let v = z; v; v &= v - 1) c++; return c; };

/** LIME's kernel weight of a coalition of size k out of M: sqrt(exp(-d^2 / width^2)), d = 1 - sqrt(k / M). */
export function limeKernel(k: number, m: number, width = LIME_KERNEL_WIDTH): number {
  const d = 1 - Math.sqrt(k / m);
  return Math.sqrt(Math.exp(-(d * d) / (width * width)));
}

/** C(m, k) */
export function binomial(m: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (m - k + i)) / i;
  return Math.round(c);
}

/** A weighted sample of coalitions: masks and the factor each carries in A_hat and b_hat. */
export interface CoalitionSample {
  masks: Int32Array;
  factors: Float64Array;
}

/** LIME's Monte Carlo sample: n coalitions, each superpixel on with probability 1/2, factor 1 / n. */
export function monteCarloSample(m: number, n: number, rng: Rng): CoalitionSample {
  const masks = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (rng.uniform() < 0.5) masks[i] |= 1 << j;
  return { masks, factors: new Float64Array(n).fill(1 / n) };
}

/** A uniformly random coalition of size k out of m (partial Fisher-Yates). */
function randomOfSize(m: number, k: number, rng: Rng): number {
  const idx = Array.from({ length: m }, (_, i) => i);
  let z = 0;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(m - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
    z |= 1 << idx[i];
  }
  return z;
}

/** The factor of a draw from stratum k (p(k) / n_k adjusted, 1 / n unadjusted), n_k draws of the stratum among n. */
export function stratumFactor(m: number, k: number, count: number, n: number, adjusted = true): number {
  return adjusted ? binomial(m, k) / 2 ** m / count : 1 / n;
}

/**
 * Stratified sample over coalition size: perStratum[k] coalitions of size k (k = 0..m), uniform within
 * the stratum and drawn with replacement, each with factor p(k) / n_k (`adjusted`, the unbiased
 * estimator) or 1 / n (unadjusted: the strata weighted by their allocation instead of their share).
 */
export function stratifiedSample(m: number, perStratum: readonly number[], rng: Rng, adjusted = true): CoalitionSample {
  if (perStratum.length !== m + 1) throw new Error(`stratifiedSample: ${perStratum.length} strata for M = ${m} (needs ${m + 1})`);
  if (perStratum.some((c) => !(Number.isInteger(c) && c >= 1))) throw new Error('stratifiedSample: every stratum needs at least one draw');
  const n = perStratum.reduce((s, c) => s + c, 0);
  const masks = new Int32Array(n), factors = new Float64Array(n);
  let i = 0;
  perStratum.forEach((count, k) => {
    for (let r = 0; r < count; r++, i++) {
      masks[i] = randomOfSize(m, k, rng);
      factors[i] = stratumFactor(m, k, count, n, adjusted);
    }
  });
  return { masks, factors };
}

/** The equal allocation of n draws over the m + 1 sizes (the remainder to the largest coalitions). */
export function equalAllocation(m: number, n: number): number[] {
  const base = Math.floor(n / (m + 1));
  if (base < 1) throw new Error(`equalAllocation: ${n} draws cannot cover ${m + 1} strata`);
  return Array.from({ length: m + 1 }, (_, k) => base + (k > m - (n - base * (m + 1)) ? 1 : 0));
}

/**
 * An allocation of n draws over the m + 1 sizes proportional to `weights` (e.g. p(k) pi(k), the share
 * of LIME's kernel mass in each size), with at least one draw per size: one draw each, then the
 * remaining n - (m + 1) by largest remainder of their proportional shares (ties to the larger size).
 */
export function proportionalAllocation(m: number, n: number, weights: readonly number[]): number[] {
  if (weights.length !== m + 1) throw new Error(`proportionalAllocation: ${weights.length} weights for M = ${m} (needs ${m + 1})`);
  if (weights.some((w) => !(w >= 0)) || !(weights.reduce((s, w) => s + w, 0) > 0)) throw new Error('proportionalAllocation: weights must be >= 0 with a positive sum');
  const rest = n - (m + 1);
  if (rest < 0) throw new Error(`proportionalAllocation: ${n} draws cannot cover ${m + 1} strata`);
  const total = weights.reduce((s, w) => s + w, 0);
  const share = weights.map((w) => (rest * w) / total);
  const alloc = share.map((v) => 1 + Math.floor(v));
  let left = n - alloc.reduce((s, c) => s + c, 0);
  const order = share.map((v, k) => [v - Math.floor(v), k]).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  for (let i = 0; left > 0; i++, left--) alloc[order[i][1]]++;
  return alloc;
}

/** p(k) pi(k): the share of size k under uniform coalitions times its LIME kernel weight (the exact fit's mass per size). */
export function kernelMass(m: number, width = LIME_KERNEL_WIDTH): number[] {
  return Array.from({ length: m + 1 }, (_, k) => (binomial(m, k) / 2 ** m) * limeKernel(k, m, width));
}

/** Normal equations (A, b) of the weighted fit: sum over samples of factor * pi * zt zt^T and * zt f(z). */
export function normalEquations(sample: CoalitionSample, f: (mask: number) => number, m: number, width = LIME_KERNEL_WIDTH): { a: Float64Array; b: Float64Array } {
  const p = m + 1;
  const a = new Float64Array(p * p), b = new Float64Array(p);
  const zt = new Float64Array(p);
  const kernel = Array.from({ length: m + 1 }, (_, k) => limeKernel(k, m, width));
  for (let s = 0; s < sample.masks.length; s++) {
    const z = sample.masks[s];
    const wgt = sample.factors[s] * kernel[popcount(z)];
    zt[0] = 1;
    for (let j = 0; j < m; j++) zt[j + 1] = (z >> j) & 1;
    const fz = f(z);
    for (let r = 0; r < p; r++) {
      if (!zt[r]) continue;
      b[r] += wgt * fz;
      for (let c = 0; c < p; c++) if (zt[c]) a[r * p + c] += wgt;
    }
  }
  return { a, b };
}

/** Every coalition once with factor 2^-M: its normal equations are the exact (A, b). */
export function fullEnumeration(m: number): CoalitionSample {
  const n = 2 ** m;
  return { masks: Int32Array.from({ length: n }, (_, z) => z), factors: new Float64Array(n).fill(1 / n) };
}

/**
 * Solve A beta = b by Cholesky (A is symmetric positive semi-definite). When a pivot falls below
 * 1e-10 of the largest diagonal entry the fit is ill-posed (some direction of the design was never
 * sampled with weight, LIME's artifact): then a ridge of 1e-6 x the largest diagonal entry is added and
 * `illPosed` is true.
 */
export function solveNormal(a: Float64Array, b: Float64Array): { beta: Float64Array; illPosed: boolean } {
  const p = b.length;
  const scale = Math.max(...Array.from({ length: p }, (_, i) => a[i * p + i]));
  const attempt = (ridge: number): Float64Array | null => {
    const l = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * p + j] + (i === j ? ridge : 0);
        for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
        if (i === j) {
          if (!(s > 1e-10 * scale)) return null;
          l[i * p + i] = Math.sqrt(s);
        } else l[i * p + j] = s / l[j * p + j];
      }
    }
    const y = new Float64Array(p);
    for (let i = 0; i < p; i++) { let s = b[i]; for (let k = 0; k < i; k++) s -= l[i * p + k] * y[k]; y[i] = s / l[i * p + i]; }
    for (let i = p - 1; i >= 0; i--) { let s = y[i]; for (let k = i + 1; k < p; k++) s -= l[k * p + i] * y[k]; y[i] = s / l[i * p + i]; }
    return y;
  };
  const beta = attempt(0);
  if (beta) return { beta, illPosed: false };
  const ridged = attempt(1e-6 * scale);
  if (!ridged) throw new Error('solveNormal: the normal equations are not positive semi-definite');
  return { beta: ridged, illPosed: true };
}

/** The LIME fit of a coalition sample: beta_hat = A_hat^-1 b_hat (intercept first). */
export function limeFit(sample: CoalitionSample, f: (mask: number) => number, m: number, width = LIME_KERNEL_WIDTH): { beta: Float64Array; illPosed: boolean } {
  const { a, b } = normalEquations(sample, f, m, width);
  return solveNormal(a, b);
}

/** The exact LIME solution: the weighted least-squares fit over all 2^M coalitions. */
export function exactLime(f: (mask: number) => number, m: number, width = LIME_KERNEL_WIDTH): Float64Array {
  const r = limeFit(fullEnumeration(m), f, m, width);
  if (r.illPosed) throw new Error('exactLime: the full design is singular');
  return r.beta;
}

/**
 * The exact LIME solution by a dense solve apart from the normal equations: weighted least squares by
 * modified Gram-Schmidt (run twice) on sqrt(w) X over all 2^M coalitions (for checking `exactLime`).
 */
export function denseExactLime(f: (mask: number) => number, m: number, width = LIME_KERNEL_WIDTH): Float64Array {
  const n = 2 ** m, p = m + 1;
  const sw = Float64Array.from({ length: n }, (_, z) => Math.sqrt(limeKernel(popcount(z), m, width) / n));
  const cols = Array.from({ length: p }, (_, c) => Float64Array.from({ length: n }, (_, z) => sw[z] * (c === 0 ? 1 : (z >> (c - 1)) & 1)));
  const y = Float64Array.from({ length: n }, (_, z) => sw[z] * f(z));
  const r = new Float64Array(p * p);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  for (let c = 0; c < p; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < c; q++) {
        const d = dot(cols[q], cols[c]);
        r[q * p + c] += d;
        for (let i = 0; i < n; i++) cols[c][i] -= d * cols[q][i];
      }
    }
    const nrm = Math.sqrt(dot(cols[c], cols[c]));
    r[c * p + c] = nrm;
    for (let i = 0; i < n; i++) cols[c][i] /= nrm;
  }
  const qty = Float64Array.from({ length: p }, (_, c) => dot(cols[c], y));
  const beta = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) { let s = qty[i]; for (let k = i + 1; k < p; k++) s -= r[i * p + k] * beta[k]; beta[i] = s / r[i * p + i]; }
  return beta;
}

/**
 * E[A_hat], E[b_hat] of the stratified estimator with one draw per stratum, by enumerating every
 * equally likely sample (prod_k C(M, k) of them: 96 for M = 4); with `adjusted` it equals the exact
 * (A, b), without it another weighting. Small M only.
 */
export function stratifiedExpectation(f: (mask: number) => number, m: number, adjusted = true, width = LIME_KERNEL_WIDTH): { a: Float64Array; b: Float64Array } {
  const strata = Array.from({ length: m + 1 }, (_, k) => Array.from({ length: 2 ** m }, (_, z) => z).filter((z) => popcount(z) === k));
  const total = strata.reduce((c, s) => c * s.length, 1);
  if (total > 1e6) throw new Error(`stratifiedExpectation: ${total} samples to enumerate (M = ${m} is too large)`);
  const p = m + 1;
  const ea = new Float64Array(p * p), eb = new Float64Array(p);
  const factors = Float64Array.from(strata, (_, k) => stratumFactor(m, k, 1, m + 1, adjusted));
  for (let code = 0; code < total; code++) {
    let rest = code;
    const masks = Int32Array.from(strata, (s) => { const z = s[rest % s.length]; rest = Math.floor(rest / s.length); return z; });
    const { a, b } = normalEquations({ masks, factors }, f, m, width);
    a.forEach((v, i) => (ea[i] += v / total));
    b.forEach((v, i) => (eb[i] += v / total));
  }
  return { a: ea, b: eb };
}
