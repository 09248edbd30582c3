/**
 * Langevin samplers driven by a score (Song & Ermon 2019). Plain Langevin dynamics at one noise
 * level, x <- x + (a/2) s(x) + sqrt(a) z, mixes slowly between modes separated by low density, so
 * its samples keep the proportions of where they started. Annealed Langevin runs it at a descending
 * ladder of noise levels with steps a_i = eps sigma_i^2 / sigma_L^2: at large sigma the perturbed
 * modes overlap and the chain finds the right proportions, which later levels keep.
 */
import type { Rng } from '../../random/rng.js';
import type { NoiseScore } from './mixture.js';

/** Settings of `langevin`: noise level, step count, step size a (x += (a/2) score + sqrt(a) z) and random stream. */
export interface LangevinOptions {
  /** the score's noise level */
  sigma: number;
  steps: number;
  stepSize: number;
  rng: Rng;
}

function step(x: Float64Array, s: Float64Array, a: number, rng: Rng): void {
  const sd = Math.sqrt(a);
  for (let j = 0; j < x.length; j++) x[j] += (a / 2) * s[j] + sd * rng.normal();
}

/** Plain Langevin dynamics from `init` (not modified). */
export function langevin(score: NoiseScore, init: Float64Array, opts: LangevinOptions): Float64Array {
  const x = Float64Array.from(init);
  for (let t = 0; t < opts.steps; t++) step(x, score(x, opts.sigma), opts.stepSize, opts.rng);
  return x;
}

/** Settings of `annealedLangevin`: decreasing noise levels, steps per level, base step size and random stream. */
export interface AnnealedOptions {
  /** noise levels, largest first */
  sigmas: number[];
  stepsPerLevel: number;
  /** step at the smallest level; a_i = eps sigma_i^2 / sigma_L^2 */
  eps: number;
  rng: Rng;
}

/** Annealed Langevin dynamics (Song & Ermon's Algorithm 1) from `init` (not modified). */
export function annealedLangevin(score: NoiseScore, init: Float64Array, opts: AnnealedOptions): Float64Array {
  const { sigmas } = opts;
  if (sigmas.some((s, i) => i > 0 && s >= sigmas[i - 1])) throw new Error(`annealedLangevin: sigmas must decrease, got [${sigmas}]`);
  const x = Float64Array.from(init);
  const last = sigmas[sigmas.length - 1];
  for (const sigma of sigmas) {
    const a = (opts.eps * sigma * sigma) / (last * last);
    for (let t = 0; t < opts.stepsPerLevel; t++) step(x, score(x, sigma), a, opts.rng);
  }
  return x;
}

/** sigma_1 > ... > sigma_L, geometric. */
export function geometricSigmas(first: number, last: number, levels: number): number[] {
  return Array.from({ length: levels }, (_, i) => first * (last / first) ** (i / Math.max(1, levels - 1)));
}
