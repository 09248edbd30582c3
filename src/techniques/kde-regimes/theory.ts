/**
 * Kernel density estimation in large dimension (Biroli & Mezard 2024), for Gaussian data rho = N(0, I_d), a
 * Gaussian kernel of bandwidth h and n = e^(alpha d) points. At a test point x ~ rho, the estimate is
 * rho_h(x) = (2 pi h^2)^(-d/2) (1/n) sum_i X_i with X_i = exp(-|x - y_i|^2 / (2 h^2)): a random-energy-model sum
 * of e^(alpha d) terms with "energies" u_i = |x - y_i|^2 / d.
 *
 * Given x with |x|^2 = d, |x - y|^2 is a noncentral chi-square with d degrees of freedom and noncentrality d, whose
 * scaled cumulant generating function is Lambda(s) = lim (1/d) ln E e^(s |x - y|^2) = -ln(1 - 2s)/2 + s/(1 - 2s)
 * (s < 1/2; exact at every d when |x|^2 = d), with rate function I(u) = sup_s (s u - Lambda(s)), mean u = 2.
 * The number of points at energy u is e^(d (alpha - I(u))): only energies with I(u) <= alpha are present, down to the
 * edge u_alpha < 2 with I(u_alpha) = alpha.
 *
 * - sum X_i is dominated by energies where I'(u) = -1/(2h^2); they are present (quenched = annealed, the sum
 *   self-averages) iff phi(-1/(2h^2)) <= alpha with phi(s) = s Lambda'(s) - Lambda(s) = I(Lambda'(s)). Below, the
 *   sum is dominated by the few points nearest x (extreme-value, condensed regime): h < h_G.
 * - sum X_i^2, whose mean is the variance of the estimate, is dominated by I'(u) = -1/h^2; the variance is carried
 *   by energies that are present (Lindeberg: the central limit theorem holds) iff phi(-1/h^2) <= alpha. Below
 *   h_CLT it is carried by absent, rarer points and the fluctuations are heavy-tailed (alpha-stable).
 * Both thresholds solve phi(s) = alpha: s = -1/h_CLT^2 = -1/(2 h_G^2), so h_G = h_CLT / sqrt(2). The terms' tail
 * index at the sample edge is mu(h) = 2 h^2 |I'(u_alpha)| = 2 (h / h_CLT)^2: 2 at h_CLT, 1 at h_G.
 *
 * Limits of measurable quantities (per test point, normalised by the exact conditional means):
 * - m1 = (1/d) ln[(1/n) sum X_i / E(X | x)] -> g1(h) = 0 above h_G, -alpha + s1 u_alpha - Lambda(s1) below (s1 = -1/(2h^2));
 * - m2 = (1/d) ln[(1/n) sum X_i^2 / E(X^2 | x)] -> g2(h), the same with s2 = -1/h^2: 0 above h_CLT, negative below;
 * - the participation ratio sum X_i^2 / (sum X_i)^2 -> max(0, 1 - (h / h_G)^2) (Poisson-Dirichlet weights).
 * - KL(rho || rho_h) / d -> (1/2) ln h^2 - 1/2 - psi(h), psi(h) = Lambda(s1) + g1(h) the quenched (1/d) ln of the mean
 *   kernel term; above h_G this is the Gaussian KL(N(0, I) || N(0, (1 + h^2) I)) per dimension, falling as h falls, and its
 *   minimum lies below h_G.
 */

/** Lambda(s) = -ln(1 - 2s)/2 + s/(1 - 2s): scaled CGF of |x - y|^2 for |x|^2 = d, y ~ N(0, I). */
export function cgf(s: number): number {
  if (!(s < 0.5)) throw new Error(`cgf: need s < 1/2, got ${s}`);
  return -0.5 * Math.log(1 - 2 * s) + s / (1 - 2 * s);
}

/** Lambda'(s) = 1/(1 - 2s) + 1/(1 - 2s)^2: the energy u tilted by s. */
export function cgfDerivative(s: number): number {
  const a = 1 - 2 * s;
  return 1 / a + 1 / (a * a);
}

/** phi(s) = s Lambda'(s) - Lambda(s) = I(Lambda'(s)): the rate (entropy deficit) of the energy that dominates a sum tilted by s. */
export function tiltedRate(s: number): number {
  return s * cgfDerivative(s) - cgf(s);
}

function bisect(f: (x: number) => number, lo: number, hi: number, iters = 200): number {
  let flo = f(lo);
  for (let i = 0; i < iters; i++) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm === 0) return mid;
    if ((fm < 0) === (flo < 0)) { lo = mid; flo = fm; } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** The tilt s < 0 with phi(s) = alpha (phi increases from 0 as s falls below 0). */
export function criticalTilt(alpha: number): number {
  if (!(alpha > 0)) throw new Error(`criticalTilt: need alpha > 0, got ${alpha}`);
  let lo = -1;
  while (tiltedRate(lo) < alpha) lo *= 2;
  return bisect((s) => tiltedRate(s) - alpha, lo, 0);
}

/** h_CLT(alpha) = 1 / sqrt(-s*), and h_G = h_CLT / sqrt(2). */
export function thresholds(alpha: number): { hClt: number; hG: number } {
  const s = criticalTilt(alpha);
  return { hClt: 1 / Math.sqrt(-s), hG: 1 / Math.sqrt(-2 * s) };
}

/** I(u) = sup_s (s u - Lambda(s)), by solving Lambda'(s) = u (u > 0). */
export function rate(u: number): number {
  if (!(u > 0)) throw new Error(`rate: need u > 0, got ${u}`);
  // Lambda' increases from 0 (s -> -inf) to inf (s -> 1/2)
  let lo = -1;
  while (cgfDerivative(lo) >= u) lo *= 2;
  const s = bisect((t) => cgfDerivative(t) - u, lo, 0.5 - 1e-12);
  return s * u - cgf(s);
}

/** The lowest energy present among e^(alpha d) points: u_alpha < 2 with I(u_alpha) = alpha. */
export function edgeEnergy(alpha: number): number {
  return cgfDerivative(criticalTilt(alpha));
}

/** The quenched limit of (1/d) ln[(1/n) sum_i exp(s d u_i) / E exp(s d u)] for s < 0: 0 when the tilted energy is present, else -alpha + s u_alpha - Lambda(s). */
export function quenchedGap(s: number, alpha: number): number {
  if (tiltedRate(s) <= alpha) return 0;
  return -alpha + s * edgeEnergy(alpha) - cgf(s);
}

/** Limits of m1 (first moment, kink at h_G) and m2 (second moment, kink at h_CLT) at bandwidth h. */
export function momentGaps(h: number, alpha: number): { m1: number; m2: number } {
  return { m1: quenchedGap(-1 / (2 * h * h), alpha), m2: quenchedGap(-1 / (h * h), alpha) };
}

/** Limit of the participation ratio sum X^2 / (sum X)^2: max(0, 1 - (h / h_G)^2). */
export function participationLimit(h: number, alpha: number): number {
  const { hG } = thresholds(alpha);
  return Math.max(0, 1 - (h / hG) ** 2);
}

/** Tail index of the kernel terms at the sample edge: mu = 2 h^2 |I'(u_alpha)| = 2 (h / h_CLT)^2. */
export function tailIndex(h: number, alpha: number): number {
  return 2 * h * h * -criticalTilt(alpha);
}

/** The limit of KL(rho || rho_h) / d: (1/2) ln h^2 - 1/2 - psi(h), psi(h) = Lambda(s1) + g1(h) the quenched log-mean term. */
export function klPerDimension(h: number, alpha: number): number {
  const s1 = -1 / (2 * h * h);
  return 0.5 * Math.log(h * h) - 0.5 - (cgf(s1) + quenchedGap(s1, alpha));
}

/** Exact conditional moments at finite d: ln E[X^k | x] for X = exp(-|x - y|^2 / (2h^2)), y ~ N(0, I_d), k = 1, 2. */
export function logKernelMoment(k: 1 | 2, h: number, xSq: number, d: number): number {
  // E exp(-|x - y|^2 / (2 v)) = (v / (1 + v))^(d/2) exp(-|x|^2 / (2 (1 + v))), v = h^2 / k
  const v = (h * h) / k;
  return 0.5 * d * Math.log(v / (1 + v)) - xSq / (2 * (1 + v));
}
