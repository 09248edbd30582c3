/**
 * Bayesian linear regression split over clients: y = x . theta + N(0, sigma^2), prior N(0, tau^2 I).
 * The posterior is Gaussian in closed form; the data's likelihood factors over clients, and each
 * client's factor l_s(theta) = p(D_s | theta) p(theta)^(1/S) is Gaussian too (its natural parameters:
 * precision X_s^T X_s / sigma^2 + I / (S tau^2), shift X_s^T y_s / sigma^2), so the posterior is their product.
 */
import { spdInverse, matVec, type Gaussian, type Mat } from './gaussian.js';

/** One client's data: feature rows `xs` (length d each) and their targets `ys`. */
export interface Client { xs: Float64Array[]; ys: number[] }
/** A federated Bayesian linear regression: the clients, noise sd `sigma`, prior sd `tau` and dimension `d`. */
export interface FederatedBlr { clients: Client[]; sigma: number; tau: number; d: number }

/** Natural parameters (precision P, shift h: log density = -theta^T P theta / 2 + h . theta + const). */
export interface Natural { precision: Mat; shift: number[] }

/** Natural parameters of client s's factor l_s = p(D_s | theta) p(theta)^(1/S); throws if there is no client s. */
export function localFactor(p: FederatedBlr, s: number): Natural {
  const c = p.clients[s];
  if (!c) throw new Error(`localFactor: no client ${s} (there are ${p.clients.length})`);
  const S = p.clients.length, d = p.d;
  const precision = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 / (S * p.tau ** 2) : 0)));
  const shift = new Array(d).fill(0);
  c.xs.forEach((x, n) => {
    for (let i = 0; i < d; i++) {
      shift[i] += x[i] * c.ys[n] / p.sigma ** 2;
      for (let j = 0; j < d; j++) precision[i][j] += x[i] * x[j] / p.sigma ** 2;
    }
  });
  return { precision, shift };
}

/** The Gaussian N(P^-1 h, P^-1) with natural parameters (P, h); P must be positive definite. */
export function toGaussian(n: Natural): Gaussian {
  const cov = spdInverse(n.precision);
  return { mean: matVec(cov, n.shift), cov };
}

/** Natural parameters of the product of Gaussian factors (precisions and shifts summed); needs at least one factor. */
export function productOf(ns: Natural[]): Natural {
  const d = ns[0].shift.length;
  return {
    precision: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => ns.reduce((a, n) => a + n.precision[i][j], 0))),
    shift: Array.from({ length: d }, (_, i) => ns.reduce((a, n) => a + n.shift[i], 0)),
  };
}

/** The exact posterior N(mean, cov). */
export const exactPosterior = (p: FederatedBlr): Gaussian => toGaussian(productOf(p.clients.map((_, s) => localFactor(p, s))));

/** grad log of a Gaussian factor in natural form: h - P theta. */
export function naturalGrad(n: Natural, theta: ArrayLike<number>, out: Float64Array, scale = 1): void {
  for (let i = 0; i < out.length; i++) {
    let g = n.shift[i];
    for (let j = 0; j < out.length; j++) g -= n.precision[i][j] * theta[j];
    out[i] += scale * g;
  }
}

/** Natural parameters of a Gaussian N(mean, cov). */
export function naturalOf(g: Gaussian): Natural {
  const precision = spdInverse(g.cov);
  return { precision, shift: matVec(precision, g.mean) };
}
