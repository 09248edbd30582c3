/**
 * The Frechet distance of two point sets (FID's formula, Heusel et al. 2017): the squared 2-Wasserstein
 * distance between the Gaussians with their means and covariances. Computed on a network's features it
 * scores sample quality; on raw pixels it only compares first and second moments, which a Gaussian model
 * matches by construction.
 */
import { gaussianW2Sq } from '../restoration/transport.js';

/** Mean and covariance (dividing by n) of n points of dimension d, row-major. */
export function meanCovariance(x: ArrayLike<number>, d: number): { mean: Float64Array; cov: Float64Array } {
  const n = x.length / d;
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`meanCovariance: need at least 2 points of dimension ${d}, got ${x.length} values`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a * d + b] += (row[a] * row[b]) / n;
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  return { mean, cov };
}

/** |m_x - m_y|^2 + tr(S_x + S_y - 2 (S_x^1/2 S_y S_x^1/2)^1/2). */
export function frechetDistance(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const [a, b] = [meanCovariance(x, d), meanCovariance(y, d)];
  return gaussianW2Sq(a.mean, a.cov, b.mean, b.cov);
}
