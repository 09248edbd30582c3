/**
 * Mean-square linear stability of SGD at an interpolating minimum (Dexter, Ocejo, Keerthi, Gupta, Acharya
 * & Khanna, ICLR 2024). Near w* with every per-sample gradient zero, SGD is w <- (I - eta H_S) w with
 * H_S = (1/B) sum_{i in S} H_i; the paper's sampling model puts each example in S independently with
 * probability p = B/n (Bernoulli). For least squares H_i = x_i x_i^T and the dynamics are exactly linear.
 * The second moment M_k = E[w_k w_k^T] then follows a linear recursion (E[H_S] = H = (1/n) sum H_i):
 *   M <- M - eta (H M + M H) + eta^2 (H M H + (1 - p) / (n B) sum_i H_i M H_i),
 * and SGD is mean-square stable iff the spectral radius of this positive map is below 1, i.e. iff
 * X - T(X) = I has a positive definite solution (X = sum_k T^k(I)). The critical learning rate is where
 * that stops. The paper's coherence measure: S_ij = ||H_i^(1/2) H_j^(1/2)||_F (= |x_i . x_j| for rank one),
 * sigma = lambda_1(S) / max_i lambda_1(H_i), and its Theorem 1: SGD is unstable whenever
 * lambda_1(H) >= (sigma / eta) (n/B - 1)^(-1/2), i.e. for eta >= sigma / (lambda_1(H) sqrt(n/B - 1)).
 */
import { isPositiveDefinite, solveDense, symmetricEigenvalues } from './linalg.js';

/** Least squares at an interpolating minimum: per-sample Hessians x_i x_i^T. */
export interface RankOneProblem {
  features: Float64Array[];
}

function dims(fn: string, p: RankOneProblem): { n: number; d: number } {
  const n = p.features.length;
  if (!n) throw new Error(`${fn}: the problem has no examples`);
  const d = p.features[0].length;
  if (!d || p.features.some((x) => x.length !== d || x.some((v) => !Number.isFinite(v)))) throw new Error(`${fn}: features must be non-empty finite vectors of one length`);
  return { n, d };
}

function checkBatch(fn: string, batch: number, n: number): void {
  if (!Number.isInteger(batch) || batch < 1 || batch > n) throw new Error(`${fn}: batch must be an integer in [1, ${n}], got ${batch}`);
}

function checkEta(fn: string, eta: number): void {
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`${fn}: eta must be a finite number > 0, got ${eta}`);
}

/** H = (1/n) sum_i x_i x_i^T, row-major. */
export function meanHessian(p: RankOneProblem): Float64Array {
  const { n, d } = dims('meanHessian', p);
  const h = new Float64Array(d * d);
  for (const x of p.features) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) h[a * d + b] += x[a] * x[b] / n;
  return h;
}

const matMul = (a: Float64Array, b: Float64Array, d: number): Float64Array => {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) { const v = a[i * d + k]; if (v) for (let j = 0; j < d; j++) c[i * d + j] += v * b[k * d + j]; }
  return c;
};

/** One step of the second-moment recursion T(M) (M symmetric, row-major). */
export function secondMomentStep(p: RankOneProblem, eta: number, batch: number, m: Float64Array, h = meanHessian(p)): Float64Array {
  const { n, d } = dims('secondMomentStep', p);
  checkBatch('secondMomentStep', batch, n); checkEta('secondMomentStep', eta);
  if (m.length !== d * d) throw new Error(`secondMomentStep: m must be ${d}x${d}`);
  const hm = matMul(h, m, d), mh = matMul(m, h, d), hmh = matMul(hm, h, d);
  const c = (1 - batch / n) / (n * batch);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d * d; k++) out[k] = m[k] - eta * (hm[k] + mh[k]) + eta * eta * hmh[k];
  if (c > 0) for (const x of p.features) {
    // H_i M H_i = (x^T M x) x x^T
    let q = 0;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) q += x[a] * m[a * d + b] * x[b];
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) out[a * d + b] += eta * eta * c * q * x[a] * x[b];
  }
  return out;
}

/**
 * The recursion in coordinates (the upper triangle of M): T = Id - eta L + eta^2 (Q_H + c Q_S) with
 * L(M) = H M + M H, Q_H(M) = H M H, Q_S(M) = sum_i H_i M H_i and c = (1 - B/n) / (n B); built once per problem.
 */
interface Parts { idx: [number, number][]; l: Float64Array; qh: Float64Array; qs: Float64Array }
const partsCache = new WeakMap<RankOneProblem, Parts>();

function partsOf(p: RankOneProblem): Parts {
  const cached = partsCache.get(p);
  if (cached) return cached;
  const { n, d } = dims('secondMomentParts', p);
  const h = meanHessian(p);
  const idx: [number, number][] = [];
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) idx.push([a, b]);
  const dim = idx.length;
  const l = new Float64Array(dim * dim), qh = new Float64Array(dim * dim), qs = new Float64Array(dim * dim);
  idx.forEach(([a, b], j) => {
    const e = new Float64Array(d * d);
    e[a * d + b] = 1; e[b * d + a] = 1;
    const he = matMul(h, e, d), eh = matMul(e, h, d), heh = matMul(he, h, d);
    const s = new Float64Array(d * d);
    for (const x of p.features) { const q = 2 * x[a] * x[b] / (a === b ? 2 : 1); for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) s[r * d + c] += q * x[r] * x[c]; }
    idx.forEach(([r, c], i) => { l[i * dim + j] = he[r * d + c] + eh[r * d + c]; qh[i * dim + j] = heh[r * d + c]; qs[i * dim + j] = s[r * d + c]; });
  });
  void n;
  const parts = { idx, l, qh, qs };
  partsCache.set(p, parts);
  return parts;
}

/** Whether SGD (Bernoulli batches of mean size `batch`) is mean-square stable at learning rate eta: X - T(X) = I has a positive definite solution. */
export function meanSquareStable(p: RankOneProblem, eta: number, batch: number): boolean {
  const { n, d } = dims('meanSquareStable', p);
  checkBatch('meanSquareStable', batch, n); checkEta('meanSquareStable', eta);
  const { idx, l, qh, qs } = partsOf(p);
  const dim = idx.length, c = (1 - batch / n) / (n * batch);
  const sys = new Float64Array(dim * dim);
  for (let k = 0; k < dim * dim; k++) sys[k] = eta * l[k] - eta * eta * (qh[k] + c * qs[k]);
  const rhs = Float64Array.from(idx, ([a, b]) => (a === b ? 1 : 0));
  let sol: Float64Array;
  try { sol = solveDense(sys, rhs, dim); } catch { return false; } // T has eigenvalue 1: on the boundary
  const x = new Float64Array(d * d);
  idx.forEach(([a, b], j) => { x[a * d + b] = sol[j]; x[b * d + a] = sol[j]; });
  return isPositiveDefinite(x, d);
}

/**
 * The critical learning rate: the first eta at which mean-square stability is lost, scanning up from a
 * surely stable value by a factor `scan` (the stable set is an interval (0, eta*)) and bisecting to
 * relative tolerance `tol`.
 */
export function criticalLr(p: RankOneProblem, batch: number, opts: { tol?: number; scan?: number } = {}): number {
  const { n } = dims('criticalLr', p);
  checkBatch('criticalLr', batch, n);
  const tol = opts.tol ?? 1e-9, scan = opts.scan ?? 1.25;
  const top = Math.max(...p.features.map((x) => x.reduce((s, v) => s + v * v, 0)));
  let lo = 0.1 / top;
  if (!meanSquareStable(p, lo, batch)) throw new Error(`criticalLr: not stable even at eta = ${lo} (is the mean Hessian singular?)`);
  let hi = lo * scan;
  while (meanSquareStable(p, hi, batch)) { lo = hi; hi *= scan; if (hi > 1e6 / top) throw new Error('criticalLr: no instability found'); }
  while ((hi - lo) / lo > tol) { const mid = (lo + hi) / 2; if (meanSquareStable(p, mid, batch)) lo = mid; else hi = mid; }
  return (lo + hi) / 2;
}

/** Spectral radius of the second-moment map by power iteration on the PSD cone (trace-normalised). */
export function secondMomentRadius(p: RankOneProblem, eta: number, batch: number, iterations = 2000): number {
  const { d } = dims('secondMomentRadius', p);
  const h = meanHessian(p);
  let m = new Float64Array(d * d);
  for (let a = 0; a < d; a++) m[a * d + a] = 1 / d;
  let r = 0;
  for (let k = 0; k < iterations; k++) {
    const t = secondMomentStep(p, eta, batch, m, h);
    let tr = 0;
    for (let a = 0; a < d; a++) tr += t[a * d + a];
    r = tr;
    m = t.map((v) => v / tr);
  }
  return r;
}

/** The coherence measure of `coherence`: sigma = lambdaS / maxSampleSharpness, its two parts, and the mean Hessian's sharpness. */
export interface Coherence {
  /** lambda_1(S) / max_i lambda_1(H_i) */
  sigma: number;
  lambdaS: number;
  maxSampleSharpness: number;
  /** lambda_1(H) */
  sharpness: number;
}

/** The paper's coherence measure for rank-one per-sample Hessians: S_ij = |x_i . x_j|. */
export function coherence(p: RankOneProblem): Coherence {
  const { n, d } = dims('coherence', p);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = Math.abs(p.features[i].reduce((acc, v, k) => acc + v * p.features[j][k], 0));
  const lambdaS = symmetricEigenvalues(s, n).at(-1)!;
  const maxSampleSharpness = Math.max(...p.features.map((x) => x.reduce((acc, v) => acc + v * v, 0)));
  const sharpness = symmetricEigenvalues(meanHessian(p), d).at(-1)!;
  return { sigma: lambdaS / maxSampleSharpness, lambdaS, maxSampleSharpness, sharpness };
}

/** The paper's Theorem 1 as a learning rate: SGD is unstable for every eta at or above this (Infinity at B = n). */
export function coherenceInstabilityLr(p: RankOneProblem, batch: number, c: Coherence = coherence(p)): number {
  const { n } = dims('coherenceInstabilityLr', p);
  checkBatch('coherenceInstabilityLr', batch, n);
  return batch === n ? Infinity : c.sigma / (c.sharpness * Math.sqrt(n / batch - 1));
}

/** Exhaustive E[(I - eta H_S) M (I - eta H_S)] over all 2^n Bernoulli batches, weighted exactly (n small: checks the recursion). */
export function enumeratedSecondMomentStep(p: RankOneProblem, eta: number, batch: number, m: Float64Array): Float64Array {
  const n = p.features.length, d = p.features[0]?.length ?? 0, keep = batch / n;
  if (!n || n > 16) throw new Error(`enumeratedSecondMomentStep: needs 1 to 16 examples (2^n batches), got ${n}`);
  if (!Number.isInteger(batch) || batch < 1 || batch > n) throw new Error(`enumeratedSecondMomentStep: batch must be an integer in [1, ${n}], got ${batch}`);
  if (m.length !== d * d) throw new Error(`enumeratedSecondMomentStep: m must be ${d}x${d}, got length ${m.length}`);
  const out = new Float64Array(d * d);
  for (let mask = 0; mask < 1 << n; mask++) {
    let prob = 1;
    const a = new Float64Array(d * d);
    for (let k = 0; k < d; k++) a[k * d + k] = 1;
    for (let i = 0; i < n; i++) {
      const inS = (mask >> i) & 1;
      prob *= inS ? keep : 1 - keep;
      if (inS) { const x = p.features[i]; for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) a[r * d + c] -= (eta / batch) * x[r] * x[c]; }
    }
    if (prob === 0) continue;
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) s += a[r * d + k] * m[k * d + l] * a[c * d + l];
      out[r * d + c] += prob * s;
    }
  }
  return out;
}
