/**
 * Samplers in Permenter & Yuan's sigma form, x_sigma = x0 + sigma eps, driven by an eps-prediction
 * eps(x, sigma) = (x - D(x, sigma)) / sigma. DDIM is x <- x + (sigma' - sigma) eps(x, sigma): a step of
 * gradient descent on (1/2) dist(x)^2 when D projects. Their gradient-estimation sampler keeps the
 * previous step's eps and moves along eps_bar = gamma eps_t + (1 - gamma) eps_{t+1} (gamma = 2), the
 * first step being DDIM's; gamma = 1 is DDIM. Schedules follow their reference code (smalldiffusion): a
 * table of N noise levels log-linear from sigmaMin to sigmaMax, from which a sampler with `steps` steps
 * visits `steps` levels with trailing spacing and ends at sigmaMin (steps + 1 levels, `steps` model calls).
 */
import { stepIndices } from '../diffusion/samplers.js';

/** An eps-prediction at noise level sigma: E[eps | x0 + sigma eps = x], n x d. */
export type SigmaEps = (x: Float64Array, sigma: number) => Float64Array;

/** A denoiser D(x, sigma) ~ E[x0 | x], n x d. */
export type SigmaDenoiser = (x: Float64Array, sigma: number) => Float64Array;

/** eps(x, sigma) = (x - D(x, sigma)) / sigma. */
export function epsFromDenoiser(denoise: SigmaDenoiser): SigmaEps {
  return (x, sigma) => {
    const d0 = denoise(x, sigma);
    if (d0.length !== x.length) throw new Error(`epsFromDenoiser: the denoiser returned ${d0.length} values for ${x.length} inputs`);
    return Float64Array.from(x, (v, j) => (v - d0[j]) / sigma);
  };
}

/** N noise levels log-linear from sigmaMin to sigmaMax (increasing; smalldiffusion's ScheduleLogLinear). */
export function logLinearSigmas(n: number, sigmaMin: number, sigmaMax: number): Float64Array {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`logLinearSigmas: n must be an integer >= 2, got ${n}`);
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Number.isFinite(sigmaMax))) throw new Error(`logLinearSigmas: need 0 < sigmaMin < sigmaMax, got ${sigmaMin}, ${sigmaMax}`);
  const [a, b] = [Math.log(sigmaMin), Math.log(sigmaMax)];
  return Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? sigmaMax : i === 0 ? sigmaMin : Math.exp(a + ((b - a) * i) / (n - 1))));
}

/** The `steps` + 1 decreasing levels a sampler visits: trailing spacing over the table, then its smallest level. */
export function sampleSigmas(table: Float64Array, steps: number): Float64Array {
  for (let i = 1; i < table.length; i++) if (!(table[i] > table[i - 1])) throw new Error('sampleSigmas: the table must be increasing');
  if (!(steps < table.length)) throw new Error(`sampleSigmas: steps must be below the table's length ${table.length}, got ${steps}`);
  const idx = stepIndices(table.length, steps, 'trailing');
  // the reference code would then take a step of length 0 (a wasted model call)
  if (idx[idx.length - 1] === 0) throw new Error(`sampleSigmas: ${steps} steps visit the table's smallest level before the last step; use fewer`);
  return Float64Array.from([...Array.from(idx, (i) => table[i]), table[0]]);
}

/** Options of {@link gradientEstimationSample}. */
export interface GeOptions {
  /** weight on the current eps (2: Permenter & Yuan's sampler; 1: DDIM) */
  gamma: number;
  /** called with the iterate after each step and the level it is at */
  onStep?: (x: Float64Array, sigma: number) => void;
}

/**
 * Deterministic sampling from xN at sigmas[0] down to sigmas.at(-1) (decreasing): one eps call per
 * step, x <- x + (sigma_{i+1} - sigma_i) eps_bar with eps_bar the current eps on the first step and
 * gamma eps_i + (1 - gamma) eps_{i-1} after it. Returns the last iterate.
 */
export function gradientEstimationSample(eps: SigmaEps, sigmas: ArrayLike<number>, xN: Float64Array, opts: GeOptions): Float64Array {
  const { gamma } = opts;
  if (!Number.isFinite(gamma)) throw new Error(`gradientEstimationSample: gamma must be finite, got ${gamma}`);
  if (sigmas.length < 2) throw new Error(`gradientEstimationSample: need at least 2 sigmas, got ${sigmas.length}`);
  for (let i = 0; i < sigmas.length; i++) {
    if (!(sigmas[i] > 0 && Number.isFinite(sigmas[i]))) throw new Error(`gradientEstimationSample: sigmas must be finite and > 0, got ${sigmas[i]} at ${i}`);
    if (i > 0 && !(sigmas[i] < sigmas[i - 1])) throw new Error('gradientEstimationSample: sigmas must decrease');
  }
  const x = Float64Array.from(xN);
  let prev: Float64Array | null = null;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const e = eps(x, sigmas[i]);
    if (e.length !== x.length) throw new Error(`gradientEstimationSample: eps returned ${e.length} values for ${x.length} inputs`);
    const h = sigmas[i + 1] - sigmas[i];
    for (let j = 0; j < x.length; j++) x[j] += h * (prev ? gamma * e[j] + (1 - gamma) * prev[j] : e[j]);
    prev = e;
    opts.onStep?.(x, sigmas[i + 1]);
  }
  return x;
}
