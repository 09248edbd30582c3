/** Runs of (clipped) gradient methods: stochastic on a 1-D quadratic with vanishing steps, deterministic on any smooth function. */
import type { Rng } from '../../random/rng.js';
import { clipByNorm, clipScalar, type Noise1d } from './clip.js';

/** Settings of `clippedSgd1d`: curvature `mu`, minimiser `xStar`, start `x0`, the step schedule and the step count. */
export interface ClippedSgdOptions {
  mu: number;
  xStar: number;
  x0: number;
  /** step eta_t = eta0 / (1 + t / t0)^alpha */
  eta0: number;
  t0: number;
  alpha: number;
  steps: number;
  /** Polyak averaging over the last `averageFraction` of the steps (default 0.5) */
  averageFraction?: number;
}

/** Clipped SGD on f = (mu/2)(x - xStar)^2 with additive gradient noise; returns the last iterate and the tail average. */
export function clippedSgd1d(c: number, noise: Noise1d, o: ClippedSgdOptions, rng: Rng): { last: number; average: number } {
  if (!(c > 0)) throw new Error(`clippedSgd1d: c must be > 0 (Infinity: no clipping), got ${c}`);
  if (!(o.eta0 > 0) || !(o.t0 > 0) || !(o.alpha >= 0) || !Number.isInteger(o.steps) || o.steps < 1) throw new Error('clippedSgd1d: need eta0 > 0, t0 > 0, alpha >= 0 and an integer steps >= 1');
  const start = Math.floor(o.steps * (1 - (o.averageFraction ?? 0.5)));
  let x = o.x0, sum = 0;
  for (let t = 0; t < o.steps; t++) {
    const g = o.mu * (x - o.xStar) + noise.sample(rng);
    x -= (o.eta0 / (1 + t / o.t0) ** o.alpha) * (Number.isFinite(c) ? clipScalar(g, c) : g);
    if (t >= start) sum += x;
  }
  return { last: x, average: sum / (o.steps - start) };
}

/**
 * Deterministic (clipped) gradient descent x <- x - eta clip_c(grad f(x)) until |grad f| <= eps for each
 * eps of a decreasing list; returns the iteration counts (Infinity where maxIter ran out).
 */
export function iterationsToTolerance(grad: (x: Float64Array) => Float64Array, x0: ArrayLike<number>, eta: number, c: number, eps: number[], maxIter: number): number[] {
  if (!(eta > 0)) throw new Error(`iterationsToTolerance: eta must be > 0, got ${eta}`);
  if (!(c > 0)) throw new Error(`iterationsToTolerance: c must be > 0 (Infinity: no clipping), got ${c}`);
  if (eps.some((e, i) => !(e > 0) || (i > 0 && e > eps[i - 1]))) throw new Error('iterationsToTolerance: eps must be positive and non-increasing');
  let x = Float64Array.from(x0);
  const out: number[] = eps.map(() => Infinity);
  let next = 0;
  for (let t = 0; t <= maxIter && next < eps.length; t++) {
    const g = grad(x);
    let sq = 0;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    while (next < eps.length && Math.sqrt(sq) <= eps[next]) out[next++] = t;
    if (next === eps.length) break;
    const step = Number.isFinite(c) ? clipByNorm(g, c) : g;
    x = x.map((v, i) => v - eta * step[i]);
  }
  return out;
}
