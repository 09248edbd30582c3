/**
 * Exact log-likelihood of a score model through its probability-flow ODE (Song et al. 2021, Sec. 4.3 and
 * App. D.2; Chen et al. 2018's instantaneous change of variables): along dx/dt = v(x, t) = f x - (g^2/2) s,
 * d log p_t(x_t)/dt = -div v = -(d f - (g^2/2) div s), so
 *   log p_tMin(x) = log p_1(x_1) + int_tMin^1 (d f - (g^2/2) div s)(x_t, t) dt,
 * with x_t the ODE solution started at x_tMin = x. p_1 is replaced by N(0, sigma(1)^2 I), the prior
 * {@link priorSample} draws from, unless the caller supplies it; that prior's error is the signal
 * alpha(1) x_0 left at t = 1 (alpha(1) = 6.6e-3 for the default VP SDE: log-density errors of ~1e-3 for
 * data of unit scale, a floor no step count removes). The divergence is supplied exactly here (Song et al. estimate it with
 * Skilling-Hutchinson probes for networks).
 */
import { flowVelocity, timeGrid, type TimeScore } from './samplers.js';
import type { NoisingProcess } from './process.js';

/** The divergence (trace of the Jacobian) of a score model at the n x d points x, one value per point. */
export type TimeDivergence = (x: Float64Array, t: number) => Float64Array;

/** Options of {@link odeLogLikelihood}. */
export interface OdeLikelihoodOptions {
  /** dimension of a point */
  d: number;
  steps: number;
  /** where the data end (default 1e-3): the result is log p_tMin */
  tMin?: number;
  /** 'euler' or 'heun' (default 'heun'), applied to x and the log-density together */
  method?: 'euler' | 'heun';
  /**
   * log p_1 per point of the n x d points x_1, in place of N(0, sigma(1)^2 I): the exact p_1 where it is
   * known, so what is left is the ODE solver's error alone
   */
  priorLogDensity?: (x1: Float64Array) => Float64Array;
}

/** log p_tMin(x0) per point, by integrating the probability-flow ODE from tMin to 1 (see the module header). */
export function odeLogLikelihood(process: NoisingProcess, score: TimeScore, divergence: TimeDivergence, x0: Float64Array, opts: OdeLikelihoodOptions): Float64Array {
  const { d } = opts;
  if (!(Number.isInteger(d) && d >= 1 && x0.length % d === 0)) throw new Error(`odeLogLikelihood: d must be an integer >= 1 dividing x0.length (${x0.length}), got ${d}`);
  const method = opts.method ?? 'heun';
  if (method !== 'euler' && method !== 'heun') throw new Error(`odeLogLikelihood: method must be 'euler' or 'heun', got ${String(method)}`);
  const n = x0.length / d;
  // the grid runs forward here: from tMin up to 1
  const ts = timeGrid({ steps: opts.steps, tMin: opts.tMin }, 'odeLogLikelihood').reverse();
  const rate = (x: Float64Array, t: number) => {
    const div = divergence(x, t);
    if (div.length !== n) throw new Error(`odeLogLikelihood: the divergence returned ${div.length} values for ${n} points`);
    const [fd, half] = [process.f(t) * d, process.g2(t) / 2];
    return Float64Array.from(div, (v) => fd - half * v);
  };
  const x = Float64Array.from(x0);
  const euler = new Float64Array(x.length);
  const logDelta = new Float64Array(n);
  for (let k = 0; k + 1 < ts.length; k++) {
    const [t, dt] = [ts[k], ts[k + 1] - ts[k]];
    const v = flowVelocity(process, score, x, t);
    const r = rate(x, t);
    for (let j = 0; j < x.length; j++) euler[j] = x[j] + dt * v[j];
    if (method === 'euler') {
      for (let i = 0; i < n; i++) logDelta[i] += dt * r[i];
      x.set(euler);
      continue;
    }
    const v2 = flowVelocity(process, score, euler, ts[k + 1]);
    const r2 = rate(euler, ts[k + 1]);
    for (let i = 0; i < n; i++) logDelta[i] += (dt / 2) * (r[i] + r2[i]);
    for (let j = 0; j < x.length; j++) x[j] += (dt / 2) * (v[j] + v2[j]);
  }
  if (opts.priorLogDensity) {
    const prior = opts.priorLogDensity(x);
    if (prior.length !== n) throw new Error(`odeLogLikelihood: priorLogDensity returned ${prior.length} values for ${n} points`);
    return Float64Array.from(prior, (lp, i) => lp + logDelta[i]);
  }
  const s2 = process.sigma(1) ** 2;
  return Float64Array.from(logDelta, (delta, i) => {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += x[i * d + j] ** 2;
    return -0.5 * d * Math.log(2 * Math.PI * s2) - sq / (2 * s2) + delta;
  });
}
