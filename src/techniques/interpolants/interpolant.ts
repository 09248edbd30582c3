/**
 * Stochastic interpolants (Albergo, Boffi & Vanden-Eijnden 2023): x_t = alpha(t) x0 + beta(t) x1 +
 * gamma(t) z on t in [0, 1], with x0 ~ rho0, x1 ~ rho1 and z ~ N(0, I) independent, alpha(0) = beta(1) = 1,
 * alpha(1) = beta(0) = 0 and gamma(0) = gamma(1) = 0, so x_t bridges rho0 and rho1 exactly. The latent
 * gamma(t) z widens the bridge; the paper's choice is gamma = sqrt(a t (1 - t)).
 */

/** The coefficients of an interpolant and their time derivatives. */
export interface Interpolant {
  readonly name: string;
  /** Coefficient of x0 at time t in [0, 1] (1 at t = 0, 0 at t = 1). */
  alpha(t: number): number;
  /** Coefficient of x1 at time t in [0, 1] (0 at t = 0, 1 at t = 1). */
  beta(t: number): number;
  /** Coefficient of the latent z at time t in [0, 1] (0 at both ends). */
  gamma(t: number): number;
  /** alpha'(t). */
  dAlpha(t: number): number;
  /** beta'(t). */
  dBeta(t: number): number;
  /** gamma'(t); infinite at t = 0 and 1 for gamma = sqrt(a t (1 - t)) */
  dGamma(t: number): number;
  /** gamma gamma' = (d/dt gamma^2) / 2, finite everywhere (a (1 - 2t) / 2 for the paper's gamma) */
  gammaDGamma(t: number): number;
}

function latent(a: number, who: string): Pick<Interpolant, 'gamma' | 'dGamma' | 'gammaDGamma'> {
  if (!(a >= 0 && Number.isFinite(a))) throw new Error(`${who}: a must be a finite number >= 0, got ${a}`);
  const gamma = (t: number) => Math.sqrt(a * t * (1 - t));
  return { gamma, dGamma: (t) => (a === 0 ? 0 : (a * (1 - 2 * t)) / (2 * gamma(t))), gammaDGamma: (t) => (a * (1 - 2 * t)) / 2 };
}

/** The linear interpolant (1 - t) x0 + t x1 + sqrt(a t (1 - t)) z. */
export function linearInterpolant(a = 2): Interpolant {
  return { name: `linear (a = ${a})`, alpha: (t) => 1 - t, beta: (t) => t, dAlpha: () => -1, dBeta: () => 1, ...latent(a, 'linearInterpolant') };
}

/** The trigonometric interpolant cos(pi t / 2) x0 + sin(pi t / 2) x1 + sqrt(a t (1 - t)) z. */
export function trigInterpolant(a = 2): Interpolant {
  const h = Math.PI / 2;
  return {
    name: `trigonometric (a = ${a})`,
    alpha: (t) => Math.cos(h * t),
    beta: (t) => Math.sin(h * t),
    dAlpha: (t) => -h * Math.sin(h * t),
    dBeta: (t) => h * Math.cos(h * t),
    ...latent(a, 'trigInterpolant'),
  };
}
