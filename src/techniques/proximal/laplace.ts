/**
 * The Laplace prior p(x) = exp(-|x| / b) / (2b) under Gaussian noise y = x + sigma z, per coordinate: its
 * MAP denoiser is soft-thresholding at sigma^2 / b (the prox of sigma^2 |x| / b), its MMSE denoiser
 * E[x | y] a one-dimensional integral, done here by quadrature.
 */
import type { Rng } from '../../random/rng.js';

/** soft(y) = sign(y) max(|y| - lambda, 0), coordinatewise. */
export function softThreshold(y: Float64Array, lambda: number): Float64Array {
  if (!(lambda >= 0)) throw new Error(`softThreshold: lambda must be >= 0, got ${lambda}`);
  return y.map((v) => Math.sign(v) * Math.max(Math.abs(v) - lambda, 0));
}

/** n draws of Laplace(0, b). */
export function sampleLaplace(n: number, b: number, rng: Rng): Float64Array {
  if (!(b > 0)) throw new Error(`sampleLaplace: b must be > 0, got ${b}`);
  return Float64Array.from({ length: n }, () => {
    const u = rng.uniform() - 0.5;
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  });
}

/**
 * E[x | y] for x ~ Laplace(0, b), y = x + sigma z, coordinatewise: trapezoidal quadrature over x in
 * y +- 12 sigma (the Gaussian factor is below e^-72 beyond) with `points` nodes.
 */
export function laplaceMmse(y: Float64Array, b: number, sigma: number, points = 4001): Float64Array {
  if (!(b > 0 && sigma > 0)) throw new Error(`laplaceMmse: b and sigma must be > 0, got b=${b}, sigma=${sigma}`);
  return y.map((v) => {
    const [lo, hi] = [v - 12 * sigma, v + 12 * sigma];
    const h = (hi - lo) / (points - 1);
    // log weights relative to their maximum, for stability at large |y|
    const logW = (x: number) => -Math.abs(x) / b - (v - x) ** 2 / (2 * sigma * sigma);
    let max = -Infinity;
    for (let i = 0; i < points; i++) max = Math.max(max, logW(lo + i * h));
    let [num, den] = [0, 0];
    for (let i = 0; i < points; i++) {
      const x = lo + i * h;
      const w = Math.exp(logW(x) - max) * (i === 0 || i === points - 1 ? 0.5 : 1);
      [num, den] = [num + w * x, den + w];
    }
    return num / den;
  });
}
