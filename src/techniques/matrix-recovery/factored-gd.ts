/**
 * Gradient descent on factored matrix sensing, the setting of Xiong, Ding & Du (2023):
 *   symmetric   f(X) = (1/4m) sum_i (<A_i, X X^T> - y_i)^2,      X <- X - eta sym(S) X
 *   asymmetric  f(F, G) = (1/2m) sum_i (<A_i, F G^T> - y_i)^2,  F <- F - eta S G,  G <- G - eta S^T F
 * with S = (1/m) sum_i (<A_i, Z> - y_i) A_i = Gram(vec(Z - M*)) (Z = X X^T or F G^T; y = A(M*)), or
 * S = Z - M* for the population loss (gram null). The error tracked is ||Z - M*||_F^2.
 *
 * `rebalanceAt` (an iteration) or `rebalanceBelow` (the first iteration with error at most this) applies, once, the transformation (F, G) <- (F B, G B^{-T}) with B = c (F^T F)^{-1/2}:
 * F G^T is unchanged, but every singular value of F becomes c, so the spurious directions that small,
 * balanced initialisation leaves at the scale alpha in both factors are no longer slow (their decay
 * rate is ~ eta sigma_min(F)^2). It is our reading of the paper's one-step modification of GD.
 */
import { frob2, matMul, matMulT, symmetricFunction, tMatMul } from './linalg.js';
import { fromReduced, sensingGram, toReduced, type Sensing } from './sensing.js';

/** A matrix-sensing problem: the n1 x n2 target `mStar` (row-major) and the sensing's Gram, or null for the population loss. */
export interface SensingProblem {
  n1: number;
  n2: number;
  mStar: Float64Array;
  /** the sensing's Gram (sensingGram: reduced coordinates when symmetric); null: population loss (the identity) */
  gram: Float64Array | null;
  /** the Gram is over symmetric matrices in reduced coordinates */
  symmetric?: boolean;
}

/** The problem of recovering mStar from y = A(mStar) with the sensing `op` (or its population limit, op null). */
export function sensingProblem(op: Sensing | null, mStar: Float64Array, n1: number, n2 = n1): SensingProblem {
  if (mStar.length !== n1 * n2) throw new Error(`sensingProblem: mStar has ${mStar.length} entries, expected ${n1} x ${n2}`);
  if (op && (op.n1 !== n1 || op.n2 !== n2)) throw new Error(`sensingProblem: sensing is ${op.n1} x ${op.n2}, the matrix ${n1} x ${n2}`);
  return { n1, n2, mStar, gram: op ? sensingGram(op) : null, symmetric: op?.symmetric ?? false };
}

/** The recorded error curve of a factored gradient-descent run. */
export interface GdTrace {
  /** iterations at which the error was recorded (0 = init) */
  t: number[];
  /** ||Z_t - M*||_F^2 */
  err: number[];
}

/** Settings of factored gradient descent: step size `eta`, step count, recording interval and early stop. */
export interface GdOptions {
  eta: number;
  steps: number;
  /** record the error every this many steps (default 1) */
  every?: number;
  /** stop once the error falls below this (default 0: never) */
  stopBelow?: number;
}

/** S = (1/m) sum_i (<A_i, Z> - y_i) A_i via the Gram (Z - M* itself for the population loss). */
export function residualGradient(p: SensingProblem, z: Float64Array): Float64Array {
  let r: Float64Array = new Float64Array(p.n1 * p.n2);
  for (let j = 0; j < r.length; j++) r[j] = z[j] - p.mStar[j];
  if (!p.gram) return r;
  if (p.symmetric) r = toReduced(r, p.n1);
  const d = r.length;
  const s = new Float64Array(d);
  const gram = p.gram; // a local, not a property read, in the O(d^2) loop
  for (let i = 0; i < d; i++) {
    let acc = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) acc += gram[o + j] * r[j];
    s[i] = acc;
  }
  return p.symmetric ? fromReduced(s, p.n1) : s;
}

function checkOpts(fn: string, o: GdOptions) {
  if (!(o.eta > 0)) throw new Error(`${fn}: eta must be > 0, got ${o.eta}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`${fn}: steps must be a positive integer, got ${o.steps}`);
}

/** GD on X X^T (n x k factor X0, copied). */
export function symmetricGd(p: SensingProblem, x0: Float64Array, k: number, o: GdOptions): GdTrace & { x: Float64Array } {
  checkOpts('symmetricGd', o);
  const n = p.n1;
  if (p.n1 !== p.n2 || x0.length !== n * k) throw new Error(`symmetricGd: needs a square problem and an n x k factor, got ${p.n1} x ${p.n2} and ${x0.length} entries for k = ${k}`);
  const every = o.every ?? 1;
  let x = Float64Array.from(x0);
  const trace: GdTrace = { t: [], err: [] };
  for (let t = 0; ; t++) {
    const z = matMulT(x, x, n, k, n);
    if (t % every === 0 || t === o.steps) {
      const e = frob2(z, p.mStar);
      trace.t.push(t); trace.err.push(e);
      if (e < (o.stopBelow ?? 0)) break;
    }
    if (t === o.steps) break;
    const s = residualGradient(p, z);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) { const v = (s[i * n + j] + s[j * n + i]) / 2; s[i * n + j] = v; s[j * n + i] = v; }
    const g = matMul(s, x, n, n, k);
    for (let i = 0; i < x.length; i++) x[i] -= o.eta * g[i];
    if (!Number.isFinite(x[0])) throw new Error(`symmetricGd: diverged at step ${t} (eta ${o.eta} too large)`);
  }
  return { ...trace, x };
}

/** The one-step rebalancing (F, G) <- (F B, G B^{-T}), B = c (F^T F)^{-1/2}; F G^T unchanged. */
export function rebalance(f: Float64Array, g: Float64Array, n1: number, n2: number, k: number, c: number): { f: Float64Array; g: Float64Array } {
  if (!(c > 0)) throw new Error(`rebalance: scale c must be > 0, got ${c}`);
  const ftf = tMatMul(f, f, n1, k, k);
  const invSqrt = symmetricFunction(ftf, k, (v) => c / Math.sqrt(Math.max(v, 1e-300)));
  const sqrt = symmetricFunction(ftf, k, (v) => Math.sqrt(Math.max(v, 0)) / c);
  return { f: matMul(f, invSqrt, n1, k, k), g: matMul(g, sqrt, n2, k, k) };
}

/** GD on F G^T (F0 n1 x k, G0 n2 x k, copied); optionally the rebalancing step at iteration rebalanceAt. */
export function asymmetricGd(p: SensingProblem, f0: Float64Array, g0: Float64Array, k: number, o: GdOptions & { rebalanceAt?: number; rebalanceBelow?: number; rebalanceScale?: number }): GdTrace & { f: Float64Array; g: Float64Array; rebalancedAt: number | null } {
  checkOpts('asymmetricGd', o);
  const { n1, n2 } = p;
  if (f0.length !== n1 * k || g0.length !== n2 * k) throw new Error(`asymmetricGd: factors must be ${n1} x ${k} and ${n2} x ${k}, got ${f0.length} and ${g0.length} entries`);
  const every = o.every ?? 1;
  let f: Float64Array = Float64Array.from(f0), g: Float64Array = Float64Array.from(g0);
  const trace: GdTrace = { t: [], err: [] };
  let rebalancedAt: number | null = null;
  for (let t = 0; ; t++) {
    let z = matMulT(f, g, n1, k, n2);
    if (rebalancedAt === null && (t === o.rebalanceAt || (o.rebalanceBelow !== undefined && frob2(z, p.mStar) <= o.rebalanceBelow))) {
      ({ f, g } = rebalance(f, g, n1, n2, k, o.rebalanceScale ?? 1));
      z = matMulT(f, g, n1, k, n2);
      rebalancedAt = t;
    }
    if (t % every === 0 || t === o.steps) {
      const e = frob2(z, p.mStar);
      trace.t.push(t); trace.err.push(e);
      if (e < (o.stopBelow ?? 0)) break;
    }
    if (t === o.steps) break;
    const s = residualGradient(p, z);
    const gf = matMul(s, g, n1, n2, k);
    const gg = tMatMul(s, f, n1, n2, k);
    for (let i = 0; i < f.length; i++) f[i] -= o.eta * gf[i];
    for (let i = 0; i < g.length; i++) g[i] -= o.eta * gg[i];
    if (!Number.isFinite(f[0])) throw new Error(`asymmetricGd: diverged at step ${t} (eta ${o.eta} too large)`);
  }
  return { ...trace, f, g, rebalancedAt };
}

/** Least-squares slope of ln(err) on ln(t) over recorded t in [from, to]. */
export function logLogSlope(tr: GdTrace, from: number, to: number): number {
  const pts = tr.t.map((t, i) => [t, tr.err[i]]).filter(([t, e]) => t >= from && t <= to && t > 0 && e > 0);
  return lsSlope(pts.map(([t]) => Math.log(t)), pts.map(([, e]) => Math.log(e)));
}

/**
 * Exponential rate -d ln(err)/dt by least squares over the recorded points with err in [lo, hi]
 * (the linear phase, between the end of the initial phase and float64's floor); NaN with < 3 points.
 */
export function exponentialRate(tr: GdTrace, lo: number, hi: number): number {
  const pts = tr.t.map((t, i) => [t, tr.err[i]]).filter(([, e]) => e >= lo && e <= hi);
  if (pts.length < 3) return NaN;
  return -lsSlope(pts.map(([t]) => t), pts.map(([, e]) => Math.log(e)));
}

/** The first recorded iteration with err <= level (Infinity if never). */
export function firstBelow(tr: GdTrace, level: number): number {
  const i = tr.err.findIndex((e) => e <= level);
  return i < 0 ? Infinity : tr.t[i];
}

function lsSlope(x: number[], y: number[]): number {
  if (x.length < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / x.length, my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; }
  return sxy / sxx;
}
