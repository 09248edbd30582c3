/**
 * Generative samplers of a stochastic interpolant, forward in time from x0 ~ rho0 at t = 0 to t = 1
 * (Albergo, Boffi & Vanden-Eijnden 2023, Sec. 2.3): the probability-flow ODE dx = b dt, and for any
 * diffusion level eps >= 0 the forward SDE dx = (b + eps score) dt + sqrt(2 eps) dW, whose Fokker-Planck
 * equation has the same solution rho_t (eps Laplacian(rho) = div(eps score rho) cancels the added drift).
 */
import type { Rng } from '../../random/rng.js';
import type { TimeField } from './exact.js';

/** Options of the samplers: `steps` uniform steps on [tMin, tMax] (default [0, 1]). */
export interface InterpolantGrid {
  steps: number;
  /**
   * where to start and stop: learned fields divide by gamma(t), which is 0 at both ends, so they are run
   * on [tMin, 1 - tMin] with a small tMin
   */
  tMin?: number;
  tMax?: number;
}

function grid(opts: InterpolantGrid, who: string): Float64Array {
  const [tMin, tMax] = [opts.tMin ?? 0, opts.tMax ?? 1];
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new Error(`${who}: steps must be an integer >= 1, got ${opts.steps}`);
  if (!(tMin >= 0 && tMax > tMin && tMax <= 1)) throw new Error(`${who}: need 0 <= tMin < tMax <= 1, got tMin=${tMin}, tMax=${tMax}`);
  return Float64Array.from({ length: opts.steps + 1 }, (_, k) => tMin + ((tMax - tMin) * k) / opts.steps);
}

function call(f: TimeField, x: Float64Array, t: number, who: string): Float64Array {
  const v = f(x, t);
  if (v.length !== x.length) throw new Error(`${who}: the field returned ${v.length} values for ${x.length} inputs`);
  return v;
}

/** Heun's method on dx/dt = b(x, t) from x0 (not modified). */
export function interpolantOde(velocity: TimeField, x0: Float64Array, opts: InterpolantGrid): Float64Array {
  const ts = grid(opts, 'interpolantOde');
  const x = Float64Array.from(x0);
  const euler = new Float64Array(x.length);
  for (let k = 0; k + 1 < ts.length; k++) {
    const h = ts[k + 1] - ts[k];
    const v = call(velocity, x, ts[k], 'interpolantOde');
    for (let j = 0; j < x.length; j++) euler[j] = x[j] + h * v[j];
    const v2 = call(velocity, euler, ts[k + 1], 'interpolantOde');
    for (let j = 0; j < x.length; j++) x[j] += (h / 2) * (v[j] + v2[j]);
  }
  return x;
}

/** Options of {@link interpolantSde}. */
export interface InterpolantSdeOptions extends InterpolantGrid {
  /** the diffusion level eps >= 0 (0: Euler on the ODE) */
  eps: number;
  rng: Rng;
}

/**
 * Euler-Maruyama on dx = (b + eps score) dt + sqrt(2 eps) dW from x0 (not modified). The last step adds
 * no noise: its variance 2 eps h would only blur the samples (as score-based samplers return the last
 * step's mean).
 */
export function interpolantSde(velocity: TimeField, score: TimeField, x0: Float64Array, opts: InterpolantSdeOptions): Float64Array {
  const ts = grid(opts, 'interpolantSde');
  const { eps, rng } = opts;
  if (!(eps >= 0 && Number.isFinite(eps))) throw new Error(`interpolantSde: eps must be a finite number >= 0, got ${eps}`);
  const x = Float64Array.from(x0);
  for (let k = 0; k + 1 < ts.length; k++) {
    const [t, h] = [ts[k], ts[k + 1] - ts[k]];
    const b = call(velocity, x, t, 'interpolantSde');
    const s = eps > 0 ? call(score, x, t, 'interpolantSde') : null;
    const sd = k + 2 < ts.length ? Math.sqrt(2 * eps * h) : 0;
    for (let j = 0; j < x.length; j++) x[j] += h * (b[j] + (s ? eps * s[j] : 0)) + (sd > 0 ? sd * rng.normal() : 0);
  }
  return x;
}
