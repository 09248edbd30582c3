/**
 * Gradient clipping (Koloskova, Hendrikx & Stich, ICML 2023 analyse it): clip_c(g) = min(1, c / |g|) g.
 * Clipped (S)GD steps x <- x - eta clip_c(g). With noise, E[clip_c(grad f(x) + xi)] != grad f(x), so a
 * vanishing-step clipped SGD settles where the clipped mean field vanishes, not at the optimum.
 */
import type { Rng } from '../../random/rng.js';

function checkC(fn: string, c: number): void {
  if (!(c > 0)) throw new Error(`${fn}: the clipping threshold c must be > 0 (Infinity: no clipping), got ${c}`);
}

/** clip_c(g) = min(1, c / |g|) g (a new vector). */
export function clipByNorm(g: ArrayLike<number>, c: number): Float64Array {
  checkC('clipByNorm', c);
  let sq = 0;
  for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const n = Math.sqrt(sq);
  const f = n > c ? c / n : 1;
  return Float64Array.from(g, (v) => v * f);
}

/** clip_c for a scalar: max(-c, min(c, v)). */
export const clipScalar = (v: number, c: number): number => (v > c ? c : v < -c ? -c : v);

/** A 1-D zero-mean noise law: a sampler and its survival function P(xi > t). */
export interface Noise1d {
  name: string;
  /** One draw of the noise. */
  sample(rng: Rng): number;
  /** P(xi > t), in [0, 1]. */
  survival(t: number): number;
  /** lower end of the support (-Infinity if none) */
  lower: number;
  /** upper end of the support (Infinity if none) */
  upper: number;
}

/** s (E - 1), E ~ Exp(1): mean 0, variance s^2, skewness 2 (a long right tail). */
export function centeredExponential(s: number): Noise1d {
  if (!(s > 0)) throw new Error(`centeredExponential: scale s must be > 0, got ${s}`);
  return {
    name: `centred exponential (scale ${s})`,
    sample: (rng) => s * (-Math.log(1 - rng.uniform()) - 1),
    survival: (t) => (t < -s ? 1 : Math.exp(-(t + s) / s)),
    lower: -s,
    upper: Infinity,
  };
}

/** Two-point noise: +a with probability q, -a q / (1 - q) otherwise (mean 0; skewed for q != 1/2). */
export function twoPoint(a: number, q: number): Noise1d {
  if (!(a > 0) || !(q > 0 && q < 1)) throw new Error(`twoPoint: need a > 0 and q in (0, 1), got a = ${a}, q = ${q}`);
  const b = -a * q / (1 - q);
  return {
    name: `two-point (+${a} w.p. ${q}, ${b.toPrecision(3)} otherwise)`,
    sample: (rng) => (rng.uniform() < q ? a : b),
    survival: (t) => (t < b ? 1 : t < a ? q : 0),
    lower: b,
    upper: a,
  };
}

/**
 * E[clip_c(m + xi)] for a 1-D noise law, through E[clip_c(v)] = -c + int_{-c}^{c} P(v > t) dt, the
 * integral by composite Gauss-Legendre (5 points) on `panels` panels between the survival's kinks.
 */
export function clippedMean(m: number, c: number, noise: Noise1d, panels = 200): number {
  checkC('clippedMean', c);
  if (!Number.isFinite(m)) throw new Error(`clippedMean: mean m must be finite, got ${m}`);
  if (!Number.isFinite(c)) return m; // no clipping: the noise has mean 0
  const s = (t: number) => noise.survival(t - m);
  const cuts = [-c, c, m + noise.lower, m + noise.upper].filter((t) => t >= -c && t <= c && Number.isFinite(t)).sort((a, b) => a - b);
  const pts = [...new Set(cuts)];
  let integral = 0;
  for (let k = 0; k + 1 < pts.length; k++) integral += gaussLegendre(s, pts[k], pts[k + 1], panels);
  return -c + integral;
}

const GL_X = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_W = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];

function gaussLegendre(f: (t: number) => number, a: number, b: number, panels: number): number {
  const h = (b - a) / panels;
  let sum = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    for (let k = 0; k < 5; k++) sum += GL_W[k] * f(mid + (h / 2) * GL_X[k]);
  }
  return (sum * h) / 2;
}

/**
 * The fixed point of vanishing-step clipped SGD on f = (mu/2)(x - xStar)^2 with gradient noise xi:
 * the root x_c of E[clip_c(mu (x - xStar) + xi)] = 0 (bisection; the clipped mean field is increasing in x).
 */
export function clippedRoot(mu: number, xStar: number, c: number, noise: Noise1d, opts: { tol?: number; panels?: number } = {}): number {
  if (!(mu > 0)) throw new Error(`clippedRoot: mu must be > 0, got ${mu}`);
  checkC('clippedRoot', c);
  if (!Number.isFinite(c)) return xStar;
  const tol = opts.tol ?? 1e-12;
  const g = (x: number) => clippedMean(mu * (x - xStar), c, noise, opts.panels);
  let span = c / mu + 1;
  let lo = xStar - span, hi = xStar + span;
  while (g(lo) > 0 || g(hi) < 0) { span *= 2; lo = xStar - span; hi = xStar + span; if (span > 1e9) throw new Error('clippedRoot: no sign change found'); }
  while (hi - lo > tol * (1 + Math.abs(xStar))) { const mid = (lo + hi) / 2; if (g(mid) > 0) hi = mid; else lo = mid; }
  return (lo + hi) / 2;
}

/** E[clip_c(m + s (E - 1))], E ~ Exp(1), in closed form (checks the quadrature for the centred exponential law). */
export function exponentialClippedMean(m: number, c: number, s = 1): number {
  checkC('exponentialClippedMean', c);
  if (!(s > 0) || !Number.isFinite(m)) throw new Error(`exponentialClippedMean: need a finite m and s > 0, got m = ${m}, s = ${s}`);
  if (!Number.isFinite(c)) return m;
  const l0 = m - s;
  if (l0 >= c) return c;
  const lower = Math.max(-c, l0);
  return -c + Math.max(0, l0 + c) + s * (Math.exp(-(lower - l0) / s) - Math.exp(-(c - l0) / s));
}
