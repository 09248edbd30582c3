/**
 * Noise reduction on a finite sum (Bottou, Curtis & Nocedal 2018, Section 5.3): least squares
 * F(w) = (1/2n) sum_i (x_i . w - y_i)^2 with its exact minimiser, plain SG (one example per step) and SVRG
 * (Johnson & Zhang 2013: an outer full gradient at w~, then m inner steps along
 * grad f_i(w) - grad f_i(w~) + grad F(w~), the last inner iterate becoming the next w~).
 */
import type { Rng } from '../../random/rng.js';
import { solveSpd } from '../high-dim-regression/linalg.js';

/** A least-squares finite sum: n feature rows (length d each) and their labels. */
export interface FiniteSumLs {
  features: Float64Array[];
  labels: number[];
}

/** A finite sum with its exact minimiser `wStar`, minimum `fStar` and worst-component smoothness. */
export interface FittedLs extends FiniteSumLs {
  wStar: Float64Array;
  fStar: number;
  /** max_i |x_i|^2 (smoothness of the worst component) */
  lMax: number;
}

/** Solves the normal equations for the exact minimiser and returns the problem with wStar, F(wStar) and lMax; needs n >= 1 labelled rows. */
export function fitLeastSquares(p: FiniteSumLs): FittedLs {
  const n = p.features.length;
  if (!n || p.labels.length !== n) throw new Error(`fitLeastSquares: need as many labels as examples (${n}), got ${p.labels.length}`);
  const d = p.features[0].length;
  const a = new Float64Array(d * d), b = new Float64Array(d);
  p.features.forEach((x, i) => { for (let r = 0; r < d; r++) { b[r] += x[r] * p.labels[i] / n; for (let c = 0; c < d; c++) a[r * d + c] += x[r] * x[c] / n; } });
  const wStar = solveSpd(a, d, b);
  const out = { ...p, wStar, fStar: 0, lMax: Math.max(...p.features.map((x) => x.reduce((s, v) => s + v * v, 0))) };
  out.fStar = objective(out, wStar);
  return out;
}

/** F(w) = (1/2n) sum_i (x_i . w - y_i)^2. */
export function objective(p: FiniteSumLs, w: ArrayLike<number>): number {
  let s = 0;
  p.features.forEach((x, i) => { let r = -p.labels[i]; for (let k = 0; k < x.length; k++) r += x[k] * w[k]; s += r * r; });
  return s / (2 * p.features.length);
}

const residual = (x: Float64Array, y: number, w: ArrayLike<number>) => { let r = -y; for (let k = 0; k < x.length; k++) r += x[k] * w[k]; return r; };

/** Plain SG, one uniformly drawn example per step with step alpha(t) (t = 0, 1, ...); `record(epoch, gap)` after every n steps. */
export function sgEpochs(p: FittedLs, w0: ArrayLike<number>, alpha: (t: number) => number, epochs: number, rng: Rng, record: (epoch: number, gap: number) => void): void {
  const n = p.features.length, w = Float64Array.from(w0);
  let t = 0;
  for (let e = 1; e <= epochs; e++) {
    for (let s = 0; s < n; s++, t++) {
      const i = rng.int(n), x = p.features[i];
      const r = residual(x, p.labels[i], w), a = alpha(t);
      for (let k = 0; k < w.length; k++) w[k] -= a * r * x[k];
    }
    record(e, objective(p, w) - p.fStar);
  }
}

/**
 * SVRG with `inner` inner steps of size alpha per outer iteration; `record(evaluations, gap)` after each
 * outer iteration, counting n gradient evaluations for the full gradient and 2 per inner step.
 */
export function svrg(p: FittedLs, w0: ArrayLike<number>, alpha: number, inner: number, outers: number, rng: Rng, record: (evaluations: number, gap: number) => void): void {
  if (!(alpha > 0) || !Number.isInteger(inner) || inner < 1) throw new Error(`svrg: need alpha > 0 and an integer inner >= 1, got ${alpha}, ${inner}`);
  const n = p.features.length, d = p.features[0].length;
  let wt = Float64Array.from(w0);
  let evaluations = 0;
  for (let o = 0; o < outers; o++) {
    const mu = new Float64Array(d);
    p.features.forEach((x, i) => { const r = residual(x, p.labels[i], wt); for (let k = 0; k < d; k++) mu[k] += r * x[k] / n; });
    evaluations += n;
    const w = wt.slice();
    for (let s = 0; s < inner; s++) {
      const i = rng.int(n), x = p.features[i];
      const diff = residual(x, p.labels[i], w) - residual(x, p.labels[i], wt);
      for (let k = 0; k < d; k++) w[k] -= alpha * (diff * x[k] + mu[k]);
    }
    evaluations += 2 * inner;
    wt = w;
    record(evaluations, objective(p, wt) - p.fStar);
  }
}
