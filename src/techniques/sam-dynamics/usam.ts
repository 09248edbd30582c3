/**
 * (U)SAM steps with a gradient oracle (Compagnoni et al. 2023 use these three variants):
 * - USAM (unnormalised SAM): x <- x - eta grad f_gamma(x + rho grad f_gamma(x));
 * - SAM: x <- x - eta grad f_gamma(x + rho grad f_gamma(x) / |grad f_gamma(x)|);
 * the same mini-batch gamma serves both gradient evaluations of a step, so an oracle takes the step's
 * noise draw and returns the stochastic gradient at any point.
 * On f = 1/2 x^T H x with exact gradients USAM is linear, x <- (I - eta (H + rho H^2)) x, with eigenvalues
 * 1 - eta (lambda + rho lambda^2): for lambda < 0 the saddle direction contracts once rho |lambda| > 1.
 */
import type { Rng } from '../../random/rng.js';
import { IDENTITY2, add2, assertMat2, matMul2, scale2, type Mat2 } from './quadratic.js';

/** The stochastic gradient at x for one step's (fixed) noise draw. */
export type GradientOracle = (x: Float64Array) => Float64Array;

function assertStep(fn: string, x: Float64Array, eta: number, rho: number): void {
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`${fn}: eta must be a finite number > 0, got ${eta}`);
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new Error(`${fn}: rho must be a finite number >= 0, got ${rho}`);
  if (!x.length || Array.from(x).some((v) => !Number.isFinite(v))) throw new Error(`${fn}: x must be a non-empty finite vector`);
}

/** One USAM step (rho = 0: one SGD step). */
export function usamStep(grad: GradientOracle, x: Float64Array, eta: number, rho: number): Float64Array {
  assertStep('usamStep', x, eta, rho);
  const g = grad(x);
  const probe = x.map((v, i) => v + rho * g[i]);
  const gp = grad(probe);
  return x.map((v, i) => v - eta * gp[i]);
}

/** One SAM step: the ascent is normalised to length rho (no ascent where the gradient vanishes). */
export function samStep(grad: GradientOracle, x: Float64Array, eta: number, rho: number): Float64Array {
  assertStep('samStep', x, eta, rho);
  const g = grad(x);
  const n = Math.hypot(...g);
  const probe = n > 0 ? x.map((v, i) => v + (rho * g[i]) / n) : x.slice();
  const gp = grad(probe);
  return x.map((v, i) => v - eta * gp[i]);
}

/** The matrix of USAM's map on f = 1/2 x^T H x, read off the step itself (applied to the basis vectors). */
export function usamMapByStep(h: Mat2, eta: number, rho: number): Mat2 {
  assertMat2('usamMapByStep', 'h', h);
  const grad: GradientOracle = (x) => Float64Array.of(h[0] * x[0] + h[1] * x[1], h[2] * x[0] + h[3] * x[1]);
  const c0 = usamStep(grad, Float64Array.of(1, 0), eta, rho), c1 = usamStep(grad, Float64Array.of(0, 1), eta, rho);
  return [c0[0], c1[0], c0[1], c1[1]];
}

/** The closed form I - eta (H + rho H^2). */
export function usamMap(h: Mat2, eta: number, rho: number): Mat2 {
  assertMat2('usamMap', 'h', h);
  return add2(IDENTITY2, add2(h, scale2(matMul2(h, h), rho)), -eta);
}

/** 1 - eta (lambda + rho lambda^2): USAM's multiplier along an eigenvector of H with eigenvalue lambda. */
export const usamMultiplier = (lambda: number, eta: number, rho: number): number => 1 - eta * (lambda + rho * lambda * lambda);

/** A noisy quadratic f = 1/2 x^T H x: the oracle grad(x) = H x + xi, with xi ~ N(0, Sigma) redrawn by `draw` once per step (shared by the step's two evaluations). */
export interface NoisyQuadratic {
  grad: GradientOracle;
  /** draws the next step's xi (two normals, through the Cholesky factor of Sigma) */
  draw(rng: Rng): void;
}

/** The noisy quadratic with Hessian h and noise covariance sigma (positive semi-definite); xi starts at 0 until the first `draw`. */
export function noisyQuadratic(h: Mat2, sigma: Mat2): NoisyQuadratic {
  assertMat2('noisyQuadratic', 'h', h); assertMat2('noisyQuadratic', 'sigma', sigma);
  const l11 = Math.sqrt(sigma[0]), l21 = l11 > 0 ? sigma[1] / l11 : 0, l22 = Math.sqrt(sigma[3] - l21 * l21);
  if (!(l11 >= 0) || !(l22 >= 0)) throw new Error('noisyQuadratic: sigma must be positive semi-definite');
  const xi = new Float64Array(2);
  return {
    grad: (x) => Float64Array.of(h[0] * x[0] + h[1] * x[1] + xi[0], h[2] * x[0] + h[3] * x[1] + xi[1]),
    draw: (rng) => { const z1 = rng.normal(), z2 = rng.normal(); xi[0] = l11 * z1; xi[1] = l21 * z1 + l22 * z2; },
  };
}
