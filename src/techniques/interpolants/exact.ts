/**
 * Exact fields of a stochastic interpolant from rho0 = N(0, I) to a Gaussian mixture rho1 = sum_k w_k
 * N(mu_k, v_k I). Given x1's component k, x_t = beta x1 + w with w = alpha x0 + gamma z ~ N(0, s^2 I),
 * s^2 = alpha^2 + gamma^2, so rho_t is the mixture noised as x_t = beta x_1 + s eps: its density, score
 * and E[x1 | x_t] are those of src/techniques/diffusion/gmm.ts with (a, s) = (beta, s). Since x0 and z
 * are iid and w is their weighted sum, E[x0 | x_t] = (alpha / s^2) E[w | x_t] and E[z | x_t] =
 * (gamma / s^2) E[w | x_t], and Tweedie gives E[w | x_t] = -s^2 score. Hence
 *   eta(x, t) = E[z | x_t = x] = -gamma score   (the paper's denoiser),
 *   v(x, t)   = E[alpha' x0 + beta' x1 | x_t = x] = -alpha alpha' score + beta' E[x1 | x_t = x],
 *   b(x, t)   = v + gamma' eta = beta' E[x1 | x_t = x] - (alpha alpha' + gamma gamma') score,
 * b the velocity of the transport equation d rho/dt + div(b rho) = 0 (the paper's Theorem 2.6).
 */
import { noisedLogDensity, noisedScore, posteriorMean, type Gmm } from '../diffusion/gmm.js';
import type { Interpolant } from './interpolant.js';

/** A field on n x d points at time t, n x d. */
export type TimeField = (x: Float64Array, t: number) => Float64Array;

/** The exact fields of the interpolant from N(0, I) to `target`. */
export interface InterpolantFields {
  /** the velocity b of the probability-flow ODE dx/dt = b */
  velocity: TimeField;
  /** grad log rho_t */
  score: TimeField;
  /** E[z | x_t = x] */
  denoiser: TimeField;
  /** log rho_t per point */
  logDensity: (x: Float64Array, t: number) => Float64Array;
}

/** The exact velocity, score, denoiser and log density of interpolant `I` from N(0, I) to the mixture `target`. */
export function gmmInterpolantFields(I: Interpolant, target: Gmm): InterpolantFields {
  const noise = (t: number) => Math.sqrt(I.alpha(t) ** 2 + I.gamma(t) ** 2);
  const score: TimeField = (x, t) => noisedScore(target, x, I.beta(t), noise(t));
  return {
    score,
    logDensity: (x, t) => noisedLogDensity(target, x, I.beta(t), noise(t)),
    denoiser: (x, t) => score(x, t).map((v) => -I.gamma(t) * v),
    velocity: (x, t) => {
      const s = score(x, t);
      const m1 = posteriorMean(target, x, I.beta(t), noise(t));
      // gamma gamma', not gamma' alone, which is infinite at the ends
      const [db, k] = [I.dBeta(t), I.alpha(t) * I.dAlpha(t) + I.gammaDGamma(t)];
      return Float64Array.from(s, (sj, j) => db * m1[j] - k * sj);
    },
  };
}
