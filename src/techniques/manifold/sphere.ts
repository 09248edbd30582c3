/**
 * A uniform distribution on the unit sphere S^(k-1) lying in the first k coordinates of R^d (k = 2: a
 * circle, k = 1: the two points +-e_1), the manifold of Permenter & Yuan's "denoising is approximately
 * projection": its Euclidean projection and distance function, and its ideal denoiser, the posterior mean
 * E[x0 | x0 + sigma z = x]. Given x, the posterior over x0 on the sphere is von Mises-Fisher with mean
 * direction P x / |P x| (P the projection onto the first k coordinates) and concentration
 * kappa = |P x| / sigma^2, so the denoiser is A_k(kappa) P x / |P x| with A_k = I_{k/2} / I_{k/2-1}.
 * It lies on the segment from the sphere's centre to proj(x): the ideal denoiser always falls short of
 * the projection, by 1 - A_k(kappa) ~ (k - 1) sigma^2 / (2 |P x|) as sigma -> 0.
 * Points are n x d row-major.
 */
import type { Rng } from '../../random/rng.js';
import { besselRatio } from './bessel.js';

/** A unit sphere S^(k-1) in the first k coordinates of R^d. */
export interface Sphere {
  k: number;
  d: number;
}

/** The unit sphere S^(k-1) in the first k coordinates of R^d; needs integers 1 <= k <= d. */
export function sphere(k: number, d: number): Sphere {
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(d) && d >= k)) throw new Error(`sphere: need integers 1 <= k <= d, got k=${k}, d=${d}`);
  return { k, d };
}

function rows(s: Sphere, x: Float64Array, who: string): number {
  if (x.length % s.d !== 0) throw new Error(`${who}: x has ${x.length} values, not a multiple of d=${s.d}`);
  return x.length / s.d;
}

/** |P x| and |x - P x|^2 of row i. */
function split(s: Sphere, x: Float64Array, i: number): [number, number] {
  let [r2, perp] = [0, 0];
  for (let j = 0; j < s.d; j++) {
    const v = x[i * s.d + j];
    if (j < s.k) r2 += v * v;
    else perp += v * v;
  }
  return [Math.sqrt(r2), perp];
}

/** n points drawn uniformly on the sphere (normalised Gaussians), n x d. */
export function sampleSphere(s: Sphere, n: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`sampleSphere: n must be an integer >= 0, got ${n}`);
  const x = new Float64Array(n * s.d);
  for (let i = 0; i < n; i++) {
    let r = 0;
    while (!(r > 1e-12)) {
      r = 0;
      for (let j = 0; j < s.k; j++) r += (x[i * s.d + j] = rng.normal()) ** 2;
      r = Math.sqrt(r);
    }
    for (let j = 0; j < s.k; j++) x[i * s.d + j] /= r;
  }
  return x;
}

/** The Euclidean distance of each point to the sphere: sqrt((|P x| - 1)^2 + |x - P x|^2). */
export function sphereDistance(s: Sphere, x: Float64Array): Float64Array {
  const n = rows(s, x, 'sphereDistance');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [r, perp] = split(s, x, i);
    out[i] = Math.sqrt((r - 1) ** 2 + perp);
  }
  return out;
}

/** The nearest point of the sphere, P x / |P x| (undefined where P x = 0: throws). */
export function sphereProjection(s: Sphere, x: Float64Array): Float64Array {
  const n = rows(s, x, 'sphereProjection');
  const out = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    const [r] = split(s, x, i);
    if (!(r > 0)) throw new Error(`sphereProjection: point ${i} is on the axis P x = 0, where every point of the sphere is nearest`);
    for (let j = 0; j < s.k; j++) out[i * s.d + j] = x[i * s.d + j] / r;
  }
  return out;
}

/** The ideal denoiser E[x0 | x0 + sigma z = x] for x0 uniform on the sphere: A_k(|P x| / sigma^2) P x / |P x|. */
export function sphereDenoiser(s: Sphere, x: Float64Array, sigma: number): Float64Array {
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new Error(`sphereDenoiser: sigma must be a finite number > 0, got ${sigma}`);
  const n = rows(s, x, 'sphereDenoiser');
  const out = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    const [r] = split(s, x, i);
    // on the axis the posterior is uniform on the sphere, whose mean is its centre
    if (!(r > 0)) continue;
    const a = besselRatio(s.k / 2, r / (sigma * sigma)) / r;
    for (let j = 0; j < s.k; j++) out[i * s.d + j] = a * x[i * s.d + j];
  }
  return out;
}
