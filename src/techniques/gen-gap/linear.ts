/**
 * Linear regression with exact population quantities, for the generalisation gap's one-step change
 * (Roberts 2018). x ~ N(0, I_d), y = x . w* + N(0, sigma^2), per-example loss (x . w - y)^2 / 2, so with
 * e = w - w*: the test (population) loss is (|e|^2 + sigma^2) / 2, the per-example gradient
 * g = x (x . e - eps) has mean e and covariance (|e|^2 + sigma^2) I + e e^T (Gaussian fourth moments).
 * A GD step w' = w - eta grad L_train changes the gap G = L_test - L_train by
 * eta grad L_train . (grad L_train - grad L_test) + O(eta^2), whose expectation over training sets drawn
 * independently of w is eta tr(Sigma) / N: the formula in the gradient mean and covariance.
 */
import type { Rng } from '../../random/rng.js';

/** A sampled training set of the linear model: n rows `xs` of dimension d, targets `ys`, true weights `wStar` and noise sd `sigma`. */
export interface Regression { d: number; n: number; xs: Float64Array[]; ys: Float64Array; wStar: Float64Array; sigma: number }

/** Draws n examples x ~ N(0, I_d), y = x . wStar + N(0, sigma^2). */
export function sampleRegression(d: number, n: number, wStar: ArrayLike<number>, sigma: number, rng: Rng): Regression {
  if (!(d >= 1 && n >= 1) || wStar.length !== d) throw new Error(`sampleRegression: need d, n >= 1 and w* of length d (d ${d}, n ${n}, w* ${wStar.length})`);
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => rng.normal()));
  const ys = Float64Array.from(xs, (x) => x.reduce((a, v, j) => a + v * wStar[j], 0) + sigma * rng.normal());
  return { d, n, xs, ys, wStar: Float64Array.from(wStar), sigma };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

/** Mean loss and gradient over the examples `idx` (all when omitted). */
export function trainLossGrad(r: Regression, w: ArrayLike<number>, idx?: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const m = idx ? idx.length : r.n;
  const grad = new Float64Array(r.d);
  let loss = 0;
  for (let k = 0; k < m; k++) {
    const i = idx ? idx[k] : k, x = r.xs[i], res = dot(x, w) - r.ys[i];
    loss += res * res / 2 / m;
    for (let j = 0; j < r.d; j++) grad[j] += x[j] * res / m;
  }
  return { loss, grad };
}

/** Population (test) loss and its gradient, exact. */
export function testLossGrad(r: Pick<Regression, 'wStar' | 'sigma'>, w: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const e = Float64Array.from(w, (v, j) => v - r.wStar[j]);
  return { loss: (dot(e, e) + r.sigma ** 2) / 2, grad: e };
}

/** The per-example gradient's exact mean and covariance trace at w: e and d (|e|^2 + sigma^2) + |e|^2. */
export function gradientStats(r: Pick<Regression, 'wStar' | 'sigma'>, w: ArrayLike<number>): { mean: Float64Array; traceCov: number } {
  const e = Float64Array.from(w, (v, j) => v - r.wStar[j]), e2 = dot(e, e);
  return { mean: e, traceCov: w.length * (e2 + r.sigma ** 2) + e2 };
}

/** The first-order prediction of the expected one-step change of the gap, eta tr(Sigma) / N. */
export const predictedGapChange = (r: Pick<Regression, 'wStar' | 'sigma' | 'n'>, w: ArrayLike<number>, eta: number) => eta * gradientStats(r, w).traceCov / r.n;

/**
 * Runs k updates from w: 'gd' takes k full-batch steps; 'sgd' takes k steps on the k disjoint batches of
 * a random partition of the training set (one epoch, n divisible by k). Returns the final w.
 */
export function runUpdates(r: Regression, w0: ArrayLike<number>, eta: number, k: number, kind: 'gd' | 'sgd', rng?: Rng): Float64Array {
  if (!(eta > 0)) throw new Error(`runUpdates: eta must be > 0, got ${eta}`);
  if (kind === 'sgd' && (r.n % k !== 0 || !rng)) throw new Error(`runUpdates: sgd needs k (${k}) to divide n (${r.n}) and an rng`);
  const w = Float64Array.from(w0);
  let order: number[] = [];
  if (kind === 'sgd') {
    order = Array.from({ length: r.n }, (_, i) => i);
    for (let i = r.n - 1; i > 0; i--) { const j = rng!.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  }
  const b = r.n / k;
  for (let t = 0; t < k; t++) {
    const { grad } = trainLossGrad(r, w, kind === 'sgd' ? order.slice(t * b, (t + 1) * b) : undefined);
    for (let j = 0; j < r.d; j++) w[j] -= eta * grad[j];
  }
  return w;
}
