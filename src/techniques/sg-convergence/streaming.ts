/**
 * SG on streaming least squares, exactly (Bottou, Curtis & Nocedal 2018, Sections 4-5): x ~ N(0, diag(lambda)),
 * y = x . w* + sigma eps, F(w) = E[(x . w - y)^2] / 2 with Hessian diag(lambda) and F* = sigma^2 / 2 (the gap
 * F(w) - F* = e^T diag(lambda) e / 2 with e = w - w*). A batch-b stochastic gradient is the mean of b
 * draws of x (x . e - sigma eps). With Gaussian x its second moments are closed form, and the diagonal of
 * E[e e^T] follows (Gaussian fourth moments: E[x x^T e e^T x x^T] = 2 S e e^T S + tr(S e e^T) S):
 *   m_i <- m_i (1 - alpha lambda_i)^2 + (alpha^2 / b) lambda_i (lambda_i m_i + sum_j lambda_j m_j + sigma^2),
 * so E[F(w_k)] - F* = sum_i lambda_i m_i / 2 exactly. The constants of the paper's Assumption 4.3 (unbiased g,
 * so mu = mu_G = 1): V[g] <= M + M_V |grad F|^2 with M = sigma^2 tr(S), M_V = 1 + tr(S) / lambda_min, M_G = M_V + 1;
 * strong convexity c = lambda_min and smoothness L = lambda_max.
 */
import type { Rng } from '../../random/rng.js';

/** A streaming least-squares problem: the input covariance's eigenvalues (all > 0) and the label noise sd. */
export interface StreamingLs {
  /** eigenvalues of E[x x^T] (x is drawn in that eigenbasis) */
  lambdas: number[];
  /** label noise sd */
  sigma: number;
}

/** The constants of Assumption 4.3 for a streaming problem: c, L, M = sigma^2 tr(S), M_V = 1 + tr(S) / c, M_G = M_V + 1, and alphaMax. */
export interface SgConstants {
  /** strong convexity (lambda_min) */
  c: number;
  /** smoothness (lambda_max) */
  L: number;
  M: number;
  MV: number;
  MG: number;
  /** the largest fixed step of Theorem 4.6 (and first step of Theorem 4.7): 1 / (L M_G) */
  alphaMax: number;
}

function checkProblem(fn: string, p: StreamingLs): void {
  if (!p.lambdas.length || p.lambdas.some((l) => !(l > 0) || !Number.isFinite(l))) throw new Error(`${fn}: lambdas must be finite and > 0`);
  if (!(p.sigma >= 0) || !Number.isFinite(p.sigma)) throw new Error(`${fn}: sigma must be a finite number >= 0, got ${p.sigma}`);
}

/** The problem's convergence constants (see the module comment); throws on non-positive eigenvalues or a negative sigma. */
export function sgConstants(p: StreamingLs): SgConstants {
  checkProblem('sgConstants', p);
  const c = Math.min(...p.lambdas), L = Math.max(...p.lambdas), tr = p.lambdas.reduce((a, b) => a + b, 0);
  const M = p.sigma * p.sigma * tr, MV = 1 + tr / c, MG = MV + 1;
  return { c, L, M, MV, MG, alphaMax: 1 / (L * MG) };
}

/**
 * Exact E[F(w_k)] - F* for k = 1 .. K (w_1 = w* + e1; step alpha(k) and batch b(k) used to go from w_k to w_{k+1}).
 */
export function expectedGaps(p: StreamingLs, e1: readonly number[], alpha: (k: number) => number, batch: (k: number) => number, K: number): number[] {
  checkProblem('expectedGaps', p);
  if (e1.length !== p.lambdas.length) throw new Error(`expectedGaps: e1 must have length ${p.lambdas.length}`);
  if (!Number.isInteger(K) || K < 1) throw new Error(`expectedGaps: K must be an integer >= 1, got ${K}`);
  const lam = p.lambdas, s2 = p.sigma * p.sigma;
  let m = e1.map((v) => v * v);
  const gaps: number[] = [];
  for (let k = 1; k <= K; k++) {
    let s = 0;
    for (let i = 0; i < lam.length; i++) s += lam[i] * m[i];
    gaps.push(s / 2);
    if (k === K) break;
    const a = alpha(k), b = batch(k);
    if (!(a > 0) || !(b >= 1)) throw new Error(`expectedGaps: step ${a} or batch ${b} at k = ${k} is not valid`);
    m = m.map((mi, i) => mi * (1 - a * lam[i]) ** 2 + (a * a / b) * lam[i] * (lam[i] * mi + s + s2));
  }
  return gaps;
}

/**
 * The fixed-step stationary gap (batch 1) in closed form: m_i = alpha (S + sigma^2) / (2 (1 - alpha lambda_i)),
 * S = sum lambda_j m_j = sigma^2 q / (1 - q) with q = sum_j alpha lambda_j / (2 (1 - alpha lambda_j)); gap = S / 2.
 */
export function stationaryGap(p: StreamingLs, alpha: number): number {
  checkProblem('stationaryGap', p);
  const q = p.lambdas.reduce((acc, l) => acc + (alpha * l) / (2 * (1 - alpha * l)), 0);
  if (!(alpha > 0) || p.lambdas.some((l) => alpha * l >= 1) || q >= 1) throw new Error(`stationaryGap: alpha = ${alpha} has no stationary second moment`);
  return (p.sigma * p.sigma * q) / (1 - q) / 2;
}

/** Theorem 4.6's bound on E[F(w_k)] - F* for a fixed step alpha <= alphaMax (k >= 1). */
export function fixedStepBound(k: SgConstants, alpha: number, gap1: number, iter: number): number {
  const floor = (alpha * k.L * k.M) / (2 * k.c);
  return floor + (1 - alpha * k.c) ** (iter - 1) * (gap1 - floor);
}

/** Theorem 4.7's bound nu / (gamma + k) for alpha_k = beta / (gamma + k), beta > 1 / c, alpha_1 <= alphaMax. */
export function diminishingStepBound(k: SgConstants, beta: number, gamma: number, gap1: number, iter: number): number {
  if (!(beta * k.c > 1)) throw new Error(`diminishingStepBound: needs beta > 1 / c (beta = ${beta}, c = ${k.c})`);
  const nu = Math.max((beta * beta * k.L * k.M) / (2 * (beta * k.c - 1)), (gamma + 1) * gap1);
  return nu / (gamma + iter);
}

/**
 * One SG run on the streaming problem from w_1 = w* + e1; calls `record(k, gap)` with the exact gap
 * F(w_k) - F* = e^T diag(lambda) e / 2 of every iterate k = 1 .. K.
 */
export function streamingSgRun(p: StreamingLs, e1: readonly number[], alpha: (k: number) => number, batch: (k: number) => number, K: number, rng: Rng, record: (k: number, gap: number) => void): void {
  checkProblem('streamingSgRun', p);
  const d = p.lambdas.length, sd = p.lambdas.map(Math.sqrt);
  const e = Float64Array.from(e1), g = new Float64Array(d), x = new Float64Array(d);
  for (let k = 1; k <= K; k++) {
    let gap = 0;
    for (let i = 0; i < d; i++) gap += p.lambdas[i] * e[i] * e[i];
    record(k, gap / 2);
    if (k === K) break;
    const b = batch(k), a = alpha(k);
    g.fill(0);
    for (let j = 0; j < b; j++) {
      let r = -p.sigma * rng.normal(); // x . e - sigma eps
      for (let i = 0; i < d; i++) { x[i] = sd[i] * rng.normal(); r += x[i] * e[i]; }
      for (let i = 0; i < d; i++) g[i] += x[i] * r;
    }
    for (let i = 0; i < d; i++) e[i] -= (a / b) * g[i];
  }
}
