/**
 * Ratios of modified Bessel functions of the first kind, I_nu(x) / I_{nu-1}(x), which give the mean of
 * a von Mises-Fisher distribution and so the ideal denoiser of a uniform sphere. Computed in logs of the
 * scaled functions I_nu(x) e^-x, so that no branch overflows: the power series (positive terms, exact to
 * rounding) where x is moderate, Hankel's asymptotic expansion where x is large against nu^2 (its
 * truncation error there is below e^-2x, far under double precision).
 */

/** ln(I_nu(x) e^-x) for nu >= -1/2 and x > 0. */
export function logScaledBesselI(nu: number, x: number): number {
  if (!(nu >= -0.5 && Number.isFinite(nu))) throw new Error(`logScaledBesselI: nu must be a finite number >= -1/2, got ${nu}`);
  if (!(x > 0 && Number.isFinite(x))) throw new Error(`logScaledBesselI: x must be a finite number > 0, got ${x}`);
  return x >= ASYMPTOTIC_FROM + nu * nu ? logAsymptotic(nu, x) : logSeries(nu, x);
}

// where Hankel's expansion takes over: its terms shrink while 8 k x > 4 nu^2 - (2k - 1)^2, and from
// here its smallest term is below 1e-17 (the unit tests compare the two branches where both apply)
const ASYMPTOTIC_FROM = 30;

// I_nu(x) ~ e^x / sqrt(2 pi x) * sum_k (-1)^k a_k(nu) / x^k, a_k = prod_{j<=k} (4 nu^2 - (2j - 1)^2) / (k! 8^k)
function logAsymptotic(nu: number, x: number): number {
  const mu = 4 * nu * nu;
  let [sum, term] = [1, 1];
  for (let k = 1; k < 200; k++) {
    const next = (-term * (mu - (2 * k - 1) ** 2)) / (8 * k * x);
    if (next === 0 || Math.abs(next) >= Math.abs(term)) break;
    term = next;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.log(sum) - 0.5 * Math.log(2 * Math.PI * x);
}

// sum_m (x/2)^(2m + nu) / (m! Gamma(m + nu + 1)): terms relative to the first by their ratio
// (x/2)^2 / (m (m + nu)), all positive (no cancellation); rescaled before they could overflow
function logSeries(nu: number, x: number): number {
  const q = (x / 2) ** 2;
  let [sum, term, offset] = [1, 1, 0];
  for (let m = 1; ; m++) {
    term *= q / (m * (m + nu));
    sum += term;
    // past the peak (m > x/2) the terms fall faster than geometrically
    if (m > x && term < 1e-17 * sum) break;
    if (sum > 1e250) [sum, term, offset] = [sum * 1e-250, term * 1e-250, offset + 250 * Math.LN10];
  }
  return nu * Math.log(x / 2) - logGamma(nu + 1) + offset + Math.log(sum) - x;
}

/** ln Gamma(z) for z > 0 (Lanczos, g = 7, 9 terms: relative error ~1e-15). */
export function logGamma(z: number): number {
  if (!(z > 0)) throw new Error(`logGamma: z must be > 0, got ${z}`);
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const w = z - 1;
  let a = c[0];
  for (let i = 1; i < 9; i++) a += c[i] / (w + i);
  const t = w + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (w + 0.5) * Math.log(t) - t + Math.log(a);
}

/** I_nu(x) / I_{nu-1}(x) for nu >= 1/2 and x >= 0 (0 at x = 0). */
export function besselRatio(nu: number, x: number): number {
  if (!(nu >= 0.5 && Number.isFinite(nu))) throw new Error(`besselRatio: nu must be a finite number >= 1/2, got ${nu}`);
  if (!(x >= 0 && Number.isFinite(x))) throw new Error(`besselRatio: x must be a finite number >= 0, got ${x}`);
  if (x === 0) return 0;
  return Math.exp(logScaledBesselI(nu, x) - logScaledBesselI(nu - 1, x));
}
