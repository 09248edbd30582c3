/**
 * Renyi-DP accounting of DP-SGD (the sampled Gaussian mechanism: Poisson sampling with rate q, then
 * Gaussian noise of std sigma times the clipping norm), after Mironov, Talwar and Zhang, "Renyi
 * differential privacy of the sampled Gaussian mechanism" (2019): log A_alpha by the binomial
 * expansion for integer orders and by the two-sided series for fractional ones, RDP = log A / (alpha - 1),
 * composed over steps by addition, converted to (epsilon, delta).
 */

/** The orders TensorFlow Privacy's tutorials use: 1.1, 1.2, ..., 10.9, then 12 ... 63. */
export const DEFAULT_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10), ...Array.from({ length: 52 }, (_, i) => 12 + i)];

/** log(exp(a) + exp(b)) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log(exp(a) - exp(b)) for a >= b. */
function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a < b) throw new Error('logSub: the result would be negative');
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * log erfc(x), accurate in the far tail where erfc underflows: Numerical Recipes' Chebyshev fit
 * erfc(z) = t exp(-z^2 - 1.26551223 + t(...)), t = 1 / (1 + z/2), relative error < 1.2e-7, taken in
 * logs; negative x through erfc(x) = 2 - erfc(-x).
 */
export function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const logTail = Math.log(t) + poly;
  return x >= 0 ? logTail : Math.log(2 - Math.exp(logTail));
}

function checkArgs(q: number, sigma: number, alpha: number): void {
  if (!(q >= 0 && q <= 1)) throw new Error(`rdp: sampling rate q must be in [0, 1], got ${q}`);
  if (!(sigma > 0)) throw new Error(`rdp: noise multiplier must be > 0, got ${sigma}`);
  if (!(alpha > 1)) throw new Error(`rdp: orders must be > 1, got ${alpha}`);
}

/** log A_alpha for integer alpha: sum_i C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(alpha, i), updated by C(alpha, i+1) = C(alpha, i) (alpha - i) / (i + 1)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const term = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/**
 * log A_alpha for fractional alpha: two series over i (the binomial series of (1 - q + q e^...)^alpha
 * split at z0 = sigma^2 log(1/q - 1) + 1/2), each term weighted by a Gaussian tail, summed until both
 * terms are below e^-30 of the total.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let coef = 1; // C(alpha, i), with its sign
  for (let i = 0; ; i++) {
    if (i > 0) coef *= (alpha - i + 1) / i;
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
    if (i > 10_000) throw new Error(`rdp: the series for order ${alpha} did not converge`);
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step of the sampled Gaussian mechanism at order alpha. */
export function rdpSampledGaussian(q: number, sigma: number, alpha: number): number {
  checkArgs(q, sigma, alpha);
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma); // the plain Gaussian mechanism
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP of `steps` compositions, at every order. */
export function rdpDpSgd(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  if (!(steps >= 0)) throw new Error(`rdp: steps must be >= 0, got ${steps}`);
  return orders.map((a) => steps * rdpSampledGaussian(q, sigma, a));
}

/** The RDP-to-(epsilon, delta) conversion: Mironov's 'classic' or Balle et al.'s tighter 'improved'. */
export type Conversion = 'classic' | 'improved';

/**
 * epsilon at `delta` from RDP curves, minimised over orders. 'classic' (Mironov 2017):
 * rdp - log(delta) / (alpha - 1), what TensorFlow Privacy reported until 2020; 'improved' (Balle et
 * al. 2020): rdp + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1), never larger.
 */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number, conversion: Conversion = 'improved'): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new Error(`epsilonFromRdp: delta must be in (0, 1), got ${delta}`);
  if (orders.length !== rdp.length || orders.length === 0) throw new Error(`epsilonFromRdp: ${orders.length} orders for ${rdp.length} RDP values`);
  let best = { epsilon: Infinity, order: NaN };
  orders.forEach((a, k) => {
    const eps = conversion === 'classic'
      ? rdp[k] - Math.log(delta) / (a - 1)
      : rdp[k] + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: a };
  });
  return best;
}

/** epsilon of DP-SGD with Poisson sampling rate q, noise multiplier sigma, `steps` steps, at `delta`. */
export function dpSgdEpsilon(opts: { q: number; sigma: number; steps: number; delta: number; orders?: readonly number[]; conversion?: Conversion }): { epsilon: number; order: number } {
  const orders = opts.orders ?? DEFAULT_ORDERS;
  return epsilonFromRdp(orders, rdpDpSgd(opts.q, opts.sigma, opts.steps, orders), opts.delta, opts.conversion);
}
