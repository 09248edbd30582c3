/**
 * Distributed SGLD (Ahn et al. 2014) and federated SGLD with conducive gradients (El Mekkaoui et al.
 * 2021) on a federated Bayesian linear regression. A chain sits on one client for K local steps
 * (delayed communication), then moves to client s with probability f_s = N_s / N. On client s the
 * drift is an unbiased (over the client draw) estimate of grad log posterior:
 *   DSGLD: (1/f_s) g_s,  FSGLD: (1/f_s) (g_s - grad log q_s) + sum_t grad log q_t,
 * with g_s a minibatch estimate of grad log l_s (the client's likelihood times prior^(1/S)) and q_s a
 * Gaussian approximation of l_s computed once. Langevin step: theta += (h/2) drift + sqrt(h) N(0, I).
 */
import type { Rng } from '../../random/rng.js';
import { localFactor, naturalGrad, naturalOf, type FederatedBlr, type Natural } from './blr.js';
import { moments } from './gaussian.js';

/** Adds a minibatch estimate of grad log l_s at theta, times `scale`, to out (batch null: all of the client's data). */
export function addClientGradient(p: FederatedBlr, s: number, theta: ArrayLike<number>, batch: number | null, rng: Rng, out: Float64Array, scale = 1): void {
  if (batch === null) {
    // the full client batch's gradient is its factor's natural form, h - P theta: O(d^2) instead of O(N_s d)
    naturalGrad(cachedFactor(p, s), theta, out, scale);
    return;
  }
  const c = p.clients[s], d = p.d, S = p.clients.length, ns = c.xs.length;
  const m = batch, w = ns / m / p.sigma ** 2;
  for (let k = 0; k < m; k++) {
    const i = batch === null ? k : rng.int(ns);
    const x = c.xs[i];
    let r = c.ys[i];
    for (let j = 0; j < d; j++) r -= x[j] * theta[j];
    for (let j = 0; j < d; j++) out[j] += scale * w * x[j] * r;
  }
  for (let j = 0; j < d; j++) out[j] -= scale * theta[j] / (S * p.tau ** 2);
}

const factorCache = new WeakMap<FederatedBlr, Natural[]>();
function cachedFactor(p: FederatedBlr, s: number): Natural {
  let fs = factorCache.get(p);
  if (!fs) { fs = p.clients.map((_, t) => localFactor(p, t)); factorCache.set(p, fs); }
  return fs[s];
}

/** Settings of `runChains`: chain count and length, burn-in, thinning, client schedule, step size, minibatch and method. */
export interface ChainOptions {
  chains: number;
  /** Langevin steps per chain, of which the first burnIn are discarded */
  steps: number;
  burnIn: number;
  /** keep every thin-th state after burn-in */
  thin: number;
  /** local steps on a client before the chain moves (K) */
  localSteps: number;
  /** step size h */
  h: number;
  /** minibatch size on a client (null: full client batch) */
  batch: number | null;
  /** 'dsgld', 'fsgld' (needs `approximations`), or 'central' (SGLD with minibatches from all the data, no clients) */
  method: 'dsgld' | 'fsgld' | 'central';
  /** FSGLD's q_s per client, in natural form */
  approximations?: Natural[];
  /** start of every chain */
  init: ArrayLike<number>;
}

/** Runs the chains; returns the kept states (chains x kept, rows of length d). */
export function runChains(p: FederatedBlr, o: ChainOptions, rng: Rng): Float64Array[] {
  const S = p.clients.length, d = p.d;
  if (!(o.h > 0)) throw new Error(`runChains: h must be > 0, got ${o.h}`);
  if (!(o.localSteps >= 1)) throw new Error(`runChains: localSteps must be >= 1, got ${o.localSteps}`);
  if (o.burnIn >= o.steps) throw new Error(`runChains: burnIn (${o.burnIn}) must be below steps (${o.steps})`);
  if (o.method === 'fsgld' && o.approximations?.length !== S) throw new Error(`runChains: fsgld needs one approximation per client (${S}), got ${o.approximations?.length}`);
  const sizes = p.clients.map((c) => c.xs.length), N = sizes.reduce((a, b) => a + b, 0);
  const f = sizes.map((n) => n / N);
  const pick = () => { let u = rng.uniform(); for (let s = 0; s < S - 1; s++) { u -= f[s]; if (u < 0) return s; } return S - 1; };
  const qAll = o.method === 'fsgld' ? sumNatural(o.approximations!) : null;
  const kept: Float64Array[] = [];
  const g = new Float64Array(d), sq = Math.sqrt(o.h);
  for (let c = 0; c < o.chains; c++) {
    const theta = Float64Array.from(o.init);
    let client = pick();
    for (let t = 0; t < o.steps; t++) {
      if (t > 0 && t % o.localSteps === 0) client = pick();
      g.fill(0);
      if (o.method === 'central') {
        if (o.batch === null) for (let s = 0; s < S; s++) addClientGradient(p, s, theta, null, rng, g);
        else {
          // a minibatch drawn from all N points: pick each point's client by f_s, then the point within it
          const m = o.batch;
          for (let k = 0; k < m; k++) {
            const s = pick(), i = rng.int(sizes[s]), x = p.clients[s].xs[i];
            let r = p.clients[s].ys[i];
            for (let j = 0; j < d; j++) r -= x[j] * theta[j];
            for (let j = 0; j < d; j++) g[j] += (N / m) * x[j] * r / p.sigma ** 2;
          }
          for (let j = 0; j < d; j++) g[j] -= theta[j] / p.tau ** 2;
        }
      } else addDrift(p, client, theta, o.batch, rng, g, o.method === 'fsgld' ? { approximations: o.approximations!, sum: qAll! } : undefined);
      for (let j = 0; j < d; j++) theta[j] += (o.h / 2) * g[j] + sq * rng.normal();
      if (t >= o.burnIn && (t - o.burnIn) % o.thin === 0) kept.push(Float64Array.from(theta));
    }
  }
  return kept;
}

/**
 * The drift on client s, added to out: (1/f_s) g_s (DSGLD), plus, with conducive approximations,
 * -(1/f_s) grad log q_s + grad log prod_t q_t (FSGLD). f_s = N_s / N.
 */
export function addDrift(p: FederatedBlr, s: number, theta: ArrayLike<number>, batch: number | null, rng: Rng, out: Float64Array, conducive?: { approximations: Natural[]; sum?: Natural }): void {
  const N = p.clients.reduce((a, c) => a + c.xs.length, 0), f = p.clients[s].xs.length / N;
  addClientGradient(p, s, theta, batch, rng, out, 1 / f);
  if (conducive) {
    naturalGrad(conducive.approximations[s], theta, out, -1 / f);
    naturalGrad(conducive.sum ?? sumNatural(conducive.approximations), theta, out, 1);
  }
}

/** Natural parameters of the product of Gaussian factors (precisions and shifts summed); needs at least one factor. */
export function sumNatural(ns: Natural[]): Natural {
  const d = ns[0].shift.length;
  return {
    precision: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => ns.reduce((a, n) => a + n.precision[i][j], 0))),
    shift: Array.from({ length: d }, (_, i) => ns.reduce((a, n) => a + n.shift[i], 0)),
  };
}

/**
 * The conducive approximation q_s of l_s, computed once on the client: a Gaussian fitted to the
 * states of a local SGLD chain targeting l_s (minibatches of the client's data only).
 */
export function fitLocalApproximation(p: FederatedBlr, s: number, o: { chains: number; steps: number; burnIn: number; thin: number; h: number; batch: number | null; init: ArrayLike<number> }, rng: Rng): Natural {
  const d = p.d, g = new Float64Array(d), sq = Math.sqrt(o.h);
  const kept: Float64Array[] = [];
  for (let c = 0; c < o.chains; c++) {
    const theta = Float64Array.from(o.init);
    for (let t = 0; t < o.steps; t++) {
      g.fill(0);
      addClientGradient(p, s, theta, o.batch, rng, g);
      for (let j = 0; j < d; j++) theta[j] += (o.h / 2) * g[j] + sq * rng.normal();
      if (t >= o.burnIn && (t - o.burnIn) % o.thin === 0) kept.push(Float64Array.from(theta));
    }
  }
  return naturalOf(moments(kept));
}
