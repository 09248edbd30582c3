/**
 * Gaussian blur of a 2-D map, the control for smoothing-by-averaging attribution methods (SmoothGrad):
 * a blurred gradient is smoothed without any information from the model's neighbourhood, so a gain
 * that SmoothGrad shows over the blurred gradient at equal smoothing is not explained by smoothing.
 */
import { totalVariation } from '../../metrics/maps.js';

/** The normalised 1-D Gaussian kernel with std `sigma` (pixels), truncated at 3 sigma; [1] for sigma 0. */
export function gaussianKernel(sigma: number): Float64Array {
  if (!(sigma >= 0)) throw new Error(`gaussianKernel: sigma must be >= 0, got ${sigma}`);
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += (k[i + r] = sigma > 0 ? Math.exp(-(i * i) / (2 * sigma * sigma)) : 1);
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable Gaussian blur of an h x w map (row-major), edges clamped (a constant map stays constant). */
export function gaussianBlur(map: ArrayLike<number>, h: number, w: number, sigma: number): Float64Array {
  if (map.length !== h * w) throw new Error(`gaussianBlur: map has ${map.length} values, expected ${h}x${w}`);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += k[j + r] * map[y * w + clamp(x + j, w)];
      tmp[y * w + x] = s;
    }
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += k[j + r] * tmp[clamp(y + j, h) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

const absTv = (m: ArrayLike<number>, h: number, w: number) => totalVariation(Array.from(m, Math.abs), h, w);

/**
 * The blur width at which |blur(map)| has the normalised total variation `targetTv` (bisection on
 * sigma in [0, maxSigma]; the TV of a blurred map falls as sigma grows). `matched` is false when the
 * target lies outside the TVs reachable in that range (then sigma is the nearer end).
 */
export function blurToTotalVariation(map: ArrayLike<number>, h: number, w: number, targetTv: number, maxSigma = 8, iterations = 40):
  { sigma: number; blurred: Float64Array; tv: number; matched: boolean } {
  const at = (sigma: number) => { const blurred = gaussianBlur(map, h, w, sigma); return { sigma, blurred, tv: absTv(blurred, h, w) }; };
  const lo0 = at(0);
  if (targetTv >= lo0.tv) return { ...lo0, matched: targetTv === lo0.tv };
  const hi0 = at(maxSigma);
  if (targetTv <= hi0.tv) return { ...hi0, matched: targetTv === hi0.tv };
  let [lo, hi] = [0, maxSigma];
  for (let i = 0; i < iterations; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).tv > targetTv) lo = mid; else hi = mid;
  }
  return { ...at((lo + hi) / 2), matched: true };
}
