/**
 * The Gaussian score approximation of a diffusion model (Wang & Vastola 2024): replace the data by the
 * Gaussian N(mu, Sigma) with the data's mean and covariance. Its noised density at level sigma is
 * N(mu, Sigma + sigma^2 I), so the ideal denoiser (the posterior mean, Tweedie) is linear,
 *   D(x, sigma) = mu + U diag(lambda / (lambda + sigma^2)) U^T (x - mu),   Sigma = U diag(lambda) U^T,
 * and the probability-flow ODE dx/dsigma = (x - D(x, sigma)) / sigma (Karras et al. 2022's form) is
 * solved in closed form, each eigen-coordinate c_i = u_i^T (x - mu) scaling as
 *   c_i(sigma) = c_i(sigma0) sqrt((lambda_i + sigma^2) / (lambda_i + sigma0^2)).
 * That solution "teleports" a sampler from sigmaMax to any lower level in one step.
 */
import { jacobiEigen } from '../../linalg/eigen.js';
import { meanCovariance } from './frechet.js';

/** A denoiser D(x, sigma): n points of dimension d (row-major) to their denoised estimates. */
export type Denoiser = (x: Float64Array, sigma: number) => Float64Array;

/** The data's Gaussian: mean and the eigen-decomposition of its covariance. */
export interface GaussianModel {
  d: number;
  mean: Float64Array;
  /** eigenvalues of the covariance (clipped at 0), descending */
  values: Float64Array;
  /** eigenvectors as rows: vectors[k * d + j] is coordinate j of eigenvector k */
  vectors: Float64Array;
}

/** Fit the Gaussian of `data` (n points of dimension d, row-major); the covariance divides by n. */
export function fitGaussian(data: ArrayLike<number>, d: number): GaussianModel {
  const n = data.length / d;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(n) && n >= 2)) throw new Error(`fitGaussian: need d >= 1 dividing data.length (${data.length}) and at least 2 points, got d=${d}`);
  const { mean, cov } = meanCovariance(data, d);
  const { values, vectors } = jacobiEigen(cov, d);
  const order = values.map((_, k) => k).sort((a, b) => values[b] - values[a]);
  const out: GaussianModel = { d, mean, values: new Float64Array(d), vectors: new Float64Array(d * d) };
  order.forEach((k, r) => {
    out.values[r] = Math.max(0, values[k]);
    out.vectors.set(vectors[k], r * d);
  });
  return out;
}

/** x -> mu + U diag(f(lambda_k)) U^T (x - mu) for each of the points in x (the d x d map is built once per call). */
function spectralMap(g: GaussianModel, x: Float64Array, f: (lambda: number) => number, who: string): Float64Array {
  const { d, mean, values, vectors } = g;
  if (x.length % d) throw new Error(`${who}: x has ${x.length} values, not a multiple of d = ${d}`);
  const m = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const gain = f(values[k]);
    if (gain === 0) continue;
    const row = k * d;
    for (let a = 0; a < d; a++) {
      const ua = gain * vectors[row + a];
      for (let b = 0; b < d; b++) m[a * d + b] += ua * vectors[row + b];
    }
  }
  const out = new Float64Array(x.length);
  const centred = new Float64Array(d);
  for (let i = 0; i < x.length / d; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) centred[j] = x[base + j] - mean[j];
    for (let a = 0; a < d; a++) {
      let v = mean[a];
      const row = a * d;
      for (let b = 0; b < d; b++) v += m[row + b] * centred[b];
      out[base + a] = v;
    }
  }
  return out;
}

/** The Gaussian model's ideal denoiser at noise level sigma (the posterior mean under N(mu, Sigma)). */
export function gaussianDenoiser(g: GaussianModel): Denoiser {
  return (x, sigma) => {
    if (!(sigma >= 0)) throw new Error(`gaussianDenoiser: sigma must be >= 0, got ${sigma}`);
    return spectralMap(g, x, (l) => (l + sigma * sigma > 0 ? l / (l + sigma * sigma) : 0), 'gaussianDenoiser');
  };
}

/**
 * The exact probability-flow ODE solution of the Gaussian model from level `from` down (or up) to level
 * `to` (0 allowed): the analytical teleportation of Wang & Vastola's hybrid sampler.
 */
export function teleport(g: GaussianModel, x: Float64Array, from: number, to: number): Float64Array {
  if (!(from > 0 && to >= 0)) throw new Error(`teleport: need from > 0 and to >= 0, got from=${from}, to=${to}`);
  return spectralMap(g, x, (l) => Math.sqrt((l + to * to) / (l + from * from)), 'teleport');
}
