/**
 * The certificate of uniformly smoothed attributions (Wang & Kong 2024), derived here in full.
 *
 * Let g: R^D -> R^D be an attribution map bounded by ||g(z)||_2 <= M everywhere, and let
 * h(x) = E_{eta ~ U(B(0, r))} g(x + eta) be its average over the l2 ball of radius r. For any delta,
 * h(x + delta) - h(x) = (1 / V) (integral over B(x + delta, r) minus integral over B(x, r)) of g, which only
 * involves the two lunes of the symmetric difference, each of volume V - V_cap(||delta||). So
 *
 *   ||h(x + delta) - h(x)||_2 <= 2 M (1 - V_cap(eps) / V) =: shift(eps)   for ||delta||_2 <= eps,
 *
 * with equality for g = +M u on the new lune and -M u on the old one, and the intersection fraction of two
 * radius-r balls whose centres are eps apart is V_cap / V = I_{1 - eps^2 / (4 r^2)}((D + 1) / 2, 1 / 2) (two
 * spherical caps of height r - eps / 2; I the regularised incomplete beta function).
 *
 * A vector b with ||b - a|| <= s < ||a|| makes an angle of at most arcsin(s / ||a||) with a, so
 * cos(a, b) >= sqrt(1 - s^2 / ||a||^2), attained by b on the tangent cone. That is the certified cosine.
 *
 * Monte Carlo: h is estimated by the mean of n samples of g, each of norm <= M. By McDiarmid's inequality
 * (one sample moves ||mean - h|| by at most 2M / n) and E||mean - h|| <= M / sqrt(n),
 * P(||mean - h|| >= M (1 + sqrt(2 ln(1 / alpha))) / sqrt(n)) <= alpha. Estimating h(x) from n samples and
 * h(x + delta) from n' fresh ones (delta fixed before they are drawn), with probability >= 1 - 2 alpha the two
 * estimates lie within shift(eps) + margin(n) + margin(n') of each other, so their cosine is at least
 * sqrt(1 - (shift + margin + margin')^2 / ||estimate at x||^2): a statement about measured quantities only.
 */
import { betaIncomplete } from '../../stats/distributions.js';

/** Volume of B(0, r) ∩ B(c, r) over the volume of B(0, r), for centres eps apart in R^dim. */
export function ballIntersectionFraction(eps: number, r: number, dim: number): number {
  if (!(r > 0 && eps >= 0 && Number.isInteger(dim) && dim >= 1)) throw new Error(`ballIntersectionFraction: need r > 0, eps >= 0, integer dim >= 1; got ${eps}, ${r}, ${dim}`);
  if (eps >= 2 * r) return 0;
  if (eps === 0) return 1;
  return betaIncomplete(1 - (eps * eps) / (4 * r * r), (dim + 1) / 2, 0.5);
}

/** The largest ||h(x + delta) - h(x)|| over ||delta|| <= eps for maps bounded by M: 2 M (1 - intersection fraction). */
export function smoothedShift(eps: number, r: number, dim: number, bound = 1): number {
  return 2 * bound * (1 - ballIntersectionFraction(eps, r, dim));
}

/** Lowest cos(a, b) over ||b - a|| <= radius, for ||a|| = norm: sqrt(1 - (radius / norm)^2), or -1 when radius >= norm. */
export function cosineLowerBound(norm: number, radius: number): number {
  if (!(norm >= 0 && radius >= 0)) throw new Error(`cosineLowerBound: need norm, radius >= 0; got ${norm}, ${radius}`);
  return radius < norm ? Math.sqrt(1 - (radius / norm) ** 2) : -1;
}

/** Deviation of the mean of n vectors of norm <= bound from their expectation that is exceeded with probability <= alpha. */
export function concentrationMargin(n: number, alpha: number, bound = 1): number {
  if (!(n >= 1 && alpha > 0 && alpha < 1)) throw new Error(`concentrationMargin: need n >= 1, 0 < alpha < 1; got ${n}, ${alpha}`);
  return (bound * (1 + Math.sqrt(2 * Math.log(1 / alpha)))) / Math.sqrt(n);
}

/** Inputs of `certifyCosine`: the estimate's norm and sample counts, radius `eps`, smoothing radius `r`, dimension, failure probability and map bound. */
export interface CertificateInput {
  /** ||estimate of h(x)||, from `n` samples */
  norm: number;
  n: number;
  /** samples behind the estimate at the perturbed input */
  nEval: number;
  eps: number;
  r: number;
  dim: number;
  /** failure probability of each of the two Monte Carlo estimates */
  alpha: number;
  /** bound on ||g|| (1 for unit-normalised maps) */
  bound?: number;
}

/** The certified cosine lower bound and the terms it was built from. */
export interface Certificate {
  /** certified lower bound on cos(estimate at x, estimate at x + delta), holding with probability >= 1 - 2 alpha */
  cosine: number;
  /** the exact smoothed map's worst shift, shift(eps) */
  shift: number;
  /** Monte Carlo margins at x and at x + delta */
  margin: number;
  marginEval: number;
}

/** The certified cosine between the Monte Carlo smoothed attributions at x and at any x + delta, ||delta|| <= eps. */
export function certifyCosine(c: CertificateInput): Certificate {
  const bound = c.bound ?? 1;
  const shift = smoothedShift(c.eps, c.r, c.dim, bound);
  const margin = concentrationMargin(c.n, c.alpha, bound);
  const marginEval = concentrationMargin(c.nEval, c.alpha, bound);
  return { cosine: cosineLowerBound(c.norm, shift + margin + marginEval), shift, margin, marginEval };
}

/** The exact-map certificate: cos(h(x), h(x + delta)) >= sqrt(1 - shift^2 / ||h(x)||^2) when ||h(x)|| is known exactly. */
export function certifyCosineExact(norm: number, eps: number, r: number, dim: number, bound = 1): number {
  return cosineLowerBound(norm, smoothedShift(eps, r, dim, bound));
}
