/**
 * MMD with a Gaussian kernel k(x, y) = exp(-|x - y|^2 / (2 h^2)) against an isotropic Gaussian mixture
 * known in closed form: for x ~ N(a, u I) and y ~ N(b, w I) in d dimensions,
 *   E k(x, y) = (h^2 / (h^2 + u + w))^(d/2) exp(-|a - b|^2 / (2 (h^2 + u + w))),
 * so the mixture's terms of MMD^2 are exact and only the sample's own term is estimated. The estimate
 * mmd2ToGmm is unbiased with expectation exactly 0 when the sample is drawn from the mixture, and under
 * that null it is a degenerate U-statistic, its spread of order 1/n rather than the 1/sqrt(n) of a
 * distance to a second finite sample.
 */
import type { Gmm } from '../techniques/diffusion/gmm.js';

function checkBandwidth(h: number, who: string): void {
  if (!(h > 0 && Number.isFinite(h))) throw new Error(`${who}: bandwidth h must be a finite number > 0, got ${h}`);
}

// E k(x, y) for x ~ N(a, u I), y ~ N(b, w I)
function gaussPair(a: ArrayLike<number>, u: number, b: ArrayLike<number>, w: number, h2: number): number {
  const s = h2 + u + w;
  let sq = 0;
  for (let j = 0; j < a.length; j++) sq += (a[j] - b[j]) ** 2;
  return (h2 / s) ** (a.length / 2) * Math.exp(-sq / (2 * s));
}

/** E k(y, y') for y, y' independent draws of the mixtures g1 and g2 (the same dimension). */
export function gmmKernelMean(g1: Gmm, g2: Gmm, h: number): number {
  checkBandwidth(h, 'gmmKernelMean');
  if (g1.means[0].length !== g2.means[0].length) throw new Error(`gmmKernelMean: the mixtures have dimensions ${g1.means[0].length} and ${g2.means[0].length}`);
  let e = 0;
  for (let k = 0; k < g1.weights.length; k++) for (let l = 0; l < g2.weights.length; l++) e += g1.weights[k] * g2.weights[l] * gaussPair(g1.means[k], g1.vars[k], g2.means[l], g2.vars[l], h * h);
  return e;
}

/** The exact MMD^2 between two mixtures. */
export function mmd2Gmm(g1: Gmm, g2: Gmm, h: number): number {
  return gmmKernelMean(g1, g1, h) + gmmKernelMean(g2, g2, h) - 2 * gmmKernelMean(g1, g2, h);
}

/**
 * Unbiased MMD^2 between the distribution of the n x d sample x (n >= 2) and the mixture g:
 * mean_{i != j} k(x_i, x_j) - 2 mean_i E k(x_i, y) + E k(y, y').
 */
export function mmd2ToGmm(x: ArrayLike<number>, g: Gmm, h: number): number {
  checkBandwidth(h, 'mmd2ToGmm');
  const d = g.means[0].length;
  const n = x.length / d;
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`mmd2ToGmm: x must hold n >= 2 points of dimension ${d}, got ${x.length} values`);
  const h2 = h * h;
  const c = -1 / (2 * h2);
  let xx = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    let sq = 0;
    for (let q = 0; q < d; q++) sq += (x[i * d + q] - x[j * d + q]) ** 2;
    xx += Math.exp(c * sq);
  }
  let xy = 0;
  const point = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < d; q++) point[q] = x[i * d + q];
    for (let k = 0; k < g.weights.length; k++) xy += g.weights[k] * gaussPair(point, 0, g.means[k], g.vars[k], h2);
  }
  return (2 * xx) / (n * (n - 1)) - (2 * xy) / n + gmmKernelMean(g, g, h);
}
