/**
 * Classifier-free guidance (Ho & Salimans 2022): sample with gamma s(x|c) + (1 - gamma) s(x), the score of
 * p(x|c)^gamma p(x)^(1-gamma) at t = 0. At t > 0 the guided score is not the score of the noised tilted
 * density (noising does not commute with powers), which is what CFG claims probe; the tilted density at
 * t = 0, normalised here by quadrature in 1-D, is the exact target they are measured against.
 */
import type { Rng } from '../../random/rng.js';
import type { DiscreteSchedule } from './process.js';
import { ddimStep, type StepEps } from './samplers.js';

/**
 * gamma * conditional + (1 - gamma) * unconditional, elementwise, for scores or eps-predictions. The other
 * convention writes (1 + w) cond - w uncond: w = gamma - 1 (gamma = 1: no guidance).
 */
export function cfg(conditional: Float64Array, unconditional: Float64Array, gamma: number): Float64Array {
  if (conditional.length !== unconditional.length) throw new Error(`cfg: conditional and unconditional must have the same length, got ${conditional.length} and ${unconditional.length}`);
  if (!Number.isFinite(gamma)) throw new Error(`cfg: gamma must be finite, got ${gamma}`);
  const out = new Float64Array(conditional.length);
  for (let j = 0; j < out.length; j++) out[j] = gamma * conditional[j] + (1 - gamma) * unconditional[j];
  return out;
}

/** A log-density on a 1-D grid: a function of x, or its values at the grid points. */
export type LogDensity1d = ((x: number) => number) | ArrayLike<number>;

/** Normaliser and moments of a tilted 1-D density. */
export interface TiltedMoments {
  /** log of the integral of exp(gamma logCond + (1 - gamma) logUncond) over the grid */
  logZ: number;
  mean: number;
  variance: number;
}

/**
 * Normalises p(x|c)^gamma p(x)^(1-gamma) by the trapezoid rule on `grid` (increasing, wide enough that the
 * density vanishes at its ends) and returns { logZ, mean, variance }. The inputs need not be normalised:
 * logZ is then relative to their normalisers. Values are shifted by their maximum before exp, so tails
 * far below it underflow harmlessly.
 */
export function tiltedLogDensity1d(logCond: LogDensity1d, logUncond: LogDensity1d, gamma: number, grid: ArrayLike<number>): TiltedMoments {
  const m = grid.length;
  if (m < 2) throw new Error(`tiltedLogDensity1d: grid needs at least 2 points, got ${m}`);
  for (let i = 1; i < m; i++) if (!(grid[i] > grid[i - 1])) throw new Error(`tiltedLogDensity1d: grid must be strictly increasing, not at index ${i} (${grid[i - 1]}, ${grid[i]})`);
  if (!Number.isFinite(gamma)) throw new Error(`tiltedLogDensity1d: gamma must be finite, got ${gamma}`);
  const values = (f: LogDensity1d, name: string) => {
    if (typeof f === 'function') return Float64Array.from({ length: m }, (_, i) => f(grid[i]));
    if (f.length !== m) throw new Error(`tiltedLogDensity1d: ${name} has ${f.length} values for ${m} grid points`);
    return Float64Array.from(f);
  };
  const [lc, lu] = [values(logCond, 'logCond'), values(logUncond, 'logUncond')];
  // gamma = 0 or 1 drops a factor entirely (0 * -Infinity would be NaN)
  const l = Float64Array.from(lc, (c, i) => (gamma === 0 ? 0 : gamma * c) + (gamma === 1 ? 0 : (1 - gamma) * lu[i]));
  const max = l.reduce((a, b) => Math.max(a, b), -Infinity);
  if (!Number.isFinite(max)) throw new Error(`tiltedLogDensity1d: the tilted log-density has no finite maximum on the grid (max ${max})`);
  const w = Float64Array.from(l, (v) => Math.exp(v - max));
  const trapz = (g: (i: number) => number) => {
    let s = 0;
    for (let i = 1; i < m; i++) s += 0.5 * (grid[i] - grid[i - 1]) * (g(i) + g(i - 1));
    return s;
  };
  const z = trapz((i) => w[i]);
  const mean = trapz((i) => w[i] * grid[i]) / z;
  const variance = trapz((i) => w[i] * (grid[i] - mean) ** 2) / z;
  return { logZ: max + Math.log(z), mean, variance };
}

/** Options of {@link pcgSample}. */
export interface PcgOptions {
  /** the CFG guidance strength gamma this sampler stands in for (its corrector targets gamma' = 2 gamma - 1) */
  gamma: number;
  /** the corrector's noise: one normal per coordinate per step, in the order {@link ddpmSample} draws its own */
  rng: Rng;
}

/**
 * Predictor-corrector guidance (Bradley & Nakkiran 2024, "CFG is a predictor-corrector"): at each step
 * a DDIM predictor on the conditional eps from t to t - 1, then one Langevin corrector step at level
 * t - 1 on p(x|c)^g' p(x)^(1-g'), g' = 2 gamma - 1, of size beta_t / 2. Why this is DDPM with CFG at
 * gamma in the SDE limit: in score form DDPM's step is x + beta s_gamma + sqrt(beta) z (over
 * sqrt(1 - beta)), which splits as [x + (beta/2) s_c] + [(beta/2)(2 s_gamma - s_c) + sqrt(beta) z];
 * the first bracket is DDIM's step to first order in beta, the second a Langevin step of size
 * beta/2 on the score 2 s_gamma - s_c = g' s_c + (1 - g') s_u. No corrector follows the last step
 * (DDPM's last step adds no noise either).
 */
export function pcgSample(schedule: DiscreteSchedule, epsCond: StepEps, epsUncond: StepEps, xT: Float64Array, opts: PcgOptions): Float64Array {
  const T = schedule.alphaBar.length;
  if (T < 1 || schedule.betas.length !== T) throw new Error(`pcgSample: schedule.betas and schedule.alphaBar must have the same length >= 1, got ${schedule.betas.length} and ${T}`);
  if (!Number.isFinite(opts.gamma)) throw new Error(`pcgSample: gamma must be finite, got ${opts.gamma}`);
  const g2 = 2 * opts.gamma - 1;
  const x = Float64Array.from(xT);
  for (let t = T - 1; t >= 0; t--) {
    const ab = schedule.alphaBar[t];
    if (!(ab > 0 && ab < 1)) throw new Error(`pcgSample: step ${t} has alphaBar=${ab}: needs 0 < alphaBar < 1`);
    const abPrev = t > 0 ? schedule.alphaBar[t - 1] : 1;
    // predictor: deterministic DDIM on the conditional model
    ddimStep(x, epsCond(x, t), ab, abPrev, x);
    if (t === 0) break;
    const sq = Math.sqrt(1 - abPrev);
    // corrector: Langevin at level t - 1 on the gamma'-powered density, score = -eps / sqrt(1 - alphaBar)
    const [ec, eu] = [epsCond(x, t - 1), epsUncond(x, t - 1)];
    const step = schedule.betas[t] / 2;
    const noise = Math.sqrt(2 * step);
    for (let j = 0; j < x.length; j++) {
      const score = -(g2 * ec[j] + (1 - g2) * eu[j]) / sq;
      x[j] += step * score + noise * opts.rng.normal();
    }
  }
  return x;
}
