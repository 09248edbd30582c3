import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Model } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { MoreauGrad, moreauEnvelopeGradient, moreauEnvelopeGradientOf, smoothedGradient, softThreshold } from '../src/techniques/moreau/index.js';

const D = 6;

/** a symmetric D x D matrix with eigenvalues `eig` in a random orthonormal basis (float64, row-major) */
function symmetric(rng: Rng, eig: number[]): Float64Array {
  const q: Float64Array[] = [];
  for (let k = 0; k < D; k++) {
    const v = Float64Array.from({ length: D }, () => rng.normal());
    for (const u of q) { const d = u.reduce((s, ui, i) => s + ui * v[i], 0); for (let i = 0; i < D; i++) v[i] -= d * u[i]; }
    const n = Math.hypot(...v);
    q.push(v.map((vi) => vi / n));
  }
  const a = new Float64Array(D * D);
  for (let k = 0; k < D; k++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) a[i * D + j] += eig[k] * q[k][i] * q[k][j];
  return a;
}

const matVec = (a: Float64Array, x: ArrayLike<number>) => Float64Array.from({ length: D }, (_, i) => { let s = 0; for (let j = 0; j < D; j++) s += a[i * D + j] * x[j]; return s; });

/** dense Gaussian elimination with partial pivoting: solves m y = r */
function solve(m: Float64Array, r: Float64Array): Float64Array {
  const a = Float64Array.from(m), y = Float64Array.from(r);
  for (let c = 0; c < D; c++) {
    let p = c;
    for (let i = c + 1; i < D; i++) if (Math.abs(a[i * D + c]) > Math.abs(a[p * D + c])) p = i;
    for (let j = 0; j < D; j++) [a[c * D + j], a[p * D + j]] = [a[p * D + j], a[c * D + j]];
    [y[c], y[p]] = [y[p], y[c]];
    for (let i = c + 1; i < D; i++) {
      const f = a[i * D + c] / a[c * D + c];
      for (let j = c; j < D; j++) a[i * D + j] -= f * a[c * D + j];
      y[i] -= f * y[c];
    }
  }
  for (let i = D - 1; i >= 0; i--) { let s = y[i]; for (let j = i + 1; j < D; j++) s -= a[i * D + j] * y[j]; y[i] = s / a[i * D + i]; }
  return y;
}

/** batched quadratic score: sum_i x_i^T A x_i / 2 + b^T x_i */
const quadratic = (a: Float64Array, b: Float64Array) => (x: tf.Tensor) => tf.tidy(() => {
  const at = tf.tensor2d(Float32Array.from(a), [D, D]);
  return tf.add(tf.mul(0.5, tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, at), x))), tf.sum(tf.matMul(x as tf.Tensor2D, tf.tensor2d(Float32Array.from(b), [D, 1])))) as tf.Scalar;
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('moreau: MoreauGrad on a quadratic (closed form)', () => {
  const rng = new Rng(11);
  // indefinite but rho-weakly convex at rho = 0.5: I + rho A has eigenvalues >= 0.75
  const a = symmetric(rng, [-0.5, 0.2, 0.7, 1, 1.5, 2]);
  const b = Float64Array.from({ length: D }, () => rng.normal());
  const xs = [0, 1, 2].map(() => Float64Array.from({ length: D }, () => rng.normal()));
  const rho = 0.5;
  const iPlusRhoA = a.map((v, q) => (q % (D + 1) === 0 ? 1 : 0) + rho * v);

  it('the envelope gradient equals (I + rho A)^-1 (A x + b), and the proximal point (I + rho A)^-1 (x - rho b)', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(xs.map((v) => Array.from(v)));
    const r = moreauEnvelopeGradient(quadratic(a, b), x, { rho, steps: 400 });
    const grad = r.grad.arraySync() as number[][], prox = r.prox.arraySync() as number[][];
    xs.forEach((xi, i) => {
      const g = matVec(a, xi).map((v, k) => v + b[k]);
      expect(maxAbsDiff(grad[i], solve(iPlusRhoA, g))).toBeLessThan(2e-5);
      expect(maxAbsDiff(prox[i], solve(iPlusRhoA, xi.map((v, k) => v - rho * b[k])))).toBeLessThan(1e-5);
      // the smoothed gradient shrinks the gradient's high-curvature directions: never longer than 1 / (1 + rho lambda_min) times it
      expect(Math.hypot(...grad[i])).toBeLessThanOrEqual(Math.hypot(...g) / (1 - rho * 0.5) + 1e-5);
    });
    expect(Math.max(...r.residual)).toBeLessThan(1e-4);
    expect(Math.max(...r.drift)).toBeLessThan(1e-4);
    // decaying steps converge to the same point, polynomially: the error shrinks as prod (1 - 2 (1 + rho lambda_min) / t),
    // about t^-1.5 here (lambda_min = -0.5), so ~1e-4 of the start after 400 steps
    const avg = moreauEnvelopeGradient(quadratic(a, b), x, { rho, steps: 400, decay: true });
    expect(maxAbsDiff(avg.grad.dataSync(), r.grad.dataSync())).toBeLessThan(2e-3);
    // fixed steps with the last quarter's mean as the estimate (the paper's averaging): the same closed form
    const mean = moreauEnvelopeGradient(quadratic(a, b), x, { rho, steps: 200, average: true });
    expect(maxAbsDiff(mean.grad.dataSync(), r.grad.dataSync())).toBeLessThan(2e-5);
    [x, r.prox, r.grad, avg.prox, avg.grad, mean.prox, mean.grad].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every inner iterate is z* + M^t (x - z*), M = I - gamma (A + I / rho): the solver converges at the predicted rate', () => {
    const gamma = 0.3;
    const m = a.map((v, q) => (q % (D + 1) === 0 ? 1 : 0) - gamma * (v + (q % (D + 1) === 0 ? 1 / rho : 0)));
    const xi = xs[0];
    const zStar = solve(iPlusRhoA, xi.map((v, k) => v - rho * b[k]));
    let e: Float64Array = xi.map((v, k) => v - zStar[k]);
    const x = tf.tensor2d([Array.from(xi)]);
    const errs: number[] = [];
    const r = moreauEnvelopeGradient(quadratic(a, b), x, { rho, steps: 30, stepSize: gamma }, (t, z) => {
      if (t > 0) e = matVec(m, e);
      const zt = z.dataSync();
      errs.push(maxAbsDiff(zt, zStar));
      expect(maxAbsDiff(zt, zStar.map((v, k) => v + e[k]))).toBeLessThan(1e-5);
    });
    // contraction factor max |1 - gamma (lambda + 1 / rho)| = |1 - 0.3 (-0.5 + 2)| = 0.55 < 1
    expect(errs[30]).toBeLessThan(errs[0] * 0.55 ** 30 * 10 + 1e-6);
    [x, r.prox, r.grad].forEach((t) => t.dispose());
  });

  it('sparse MoreauGrad on a diagonal quadratic is S_eta(a x + b) / (1 + rho a), exactly zero where |a x + b| <= eta', () => {
    const diag = [-0.5, 0.2, 0.7, 1, 1.5, 2];
    const ad = Float64Array.from({ length: D * D }, (_, q) => (q % (D + 1) === 0 ? diag[q / (D + 1)] : 0));
    const eta = 0.6;
    const x = tf.tensor2d(xs.map((v) => Array.from(v)));
    const r = moreauEnvelopeGradient(quadratic(ad, b), x, { rho, steps: 400, l1: eta });
    const grad = r.grad.arraySync() as number[][];
    let zeros = 0;
    xs.forEach((xi, i) => diag.forEach((ak, k) => {
      const g = ak * xi[k] + b[k];
      const want = Math.sign(g) * Math.max(Math.abs(g) - eta, 0) / (1 + rho * ak);
      expect(Math.abs(grad[i][k] - want)).toBeLessThan(2e-5);
      if (want === 0) { zeros++; expect(grad[i][k] + 0).toBe(0); }
    }));
    expect(zeros).toBeGreaterThan(0);
    expect(Math.max(...r.residual)).toBeLessThan(1e-4);
    [x, r.prox, r.grad].forEach((t) => t.dispose());
  });

  it('softThreshold, and option checks', () => {
    const v = tf.tensor1d([-2, -0.5, 0, 0.3, 1.5]);
    const s = softThreshold(v, 0.5);
    expect(Array.from(s.dataSync(), (t) => t + 0)).toEqual([-1.5, 0, 0, 0, 1]);
    [v, s].forEach((t) => t.dispose());
    const x = tf.zeros([1, D]);
    expect(() => moreauEnvelopeGradient(quadratic(a, b), x, { rho: 0, steps: 1 })).toThrow(/rho must be > 0/);
    expect(() => moreauEnvelopeGradient(quadratic(a, b), x, { rho: 1, steps: 1.5 })).toThrow(/steps must be an integer/);
    expect(() => moreauEnvelopeGradient(quadratic(a, b), x, { rho: 1, steps: 1, l1: -1 })).toThrow(/l1 must be >= 0/);
    expect(() => moreauEnvelopeGradient(quadratic(a, b), x, { rho: 1, steps: 3, average: true })).toThrow(/average needs steps >= 4/);
    x.dispose();
  });
});

describe('moreau: noisy inner gradients (a quadratic with Gaussian gradient noise)', () => {
  const rng = new Rng(21);
  const a = symmetric(rng, [-0.5, 0.2, 0.7, 1, 1.5, 2]);
  const b = Float64Array.from({ length: D }, () => rng.normal());
  const rho = 0.5, n = 40;
  const rows = Array.from({ length: n }, () => Float64Array.from({ length: D }, () => rng.normal()));
  const iPlusRhoA = a.map((v, q) => (q % (D + 1) === 0 ? 1 : 0) + rho * v);
  const closed = rows.map((x) => solve(iPlusRhoA, Float64Array.from(matVec(a, x), (v, i) => v + b[i])));
  /** grad = A z + b plus N(0, noise^2) per coordinate, with its variance D noise^2 per example */
  const oracle = (r: Rng, noise: number) => (z: tf.Tensor) => tf.tidy(() => ({
    grad: tf.add(tf.add(tf.matMul(z as tf.Tensor2D, tf.tensor2d(Float32Array.from(a), [D, D])), tf.tensor2d(Float32Array.from(b), [1, D])), r.normalTensor(z.shape, 0, noise)),
    variance: tf.fill([z.shape[0]], D * noise * noise),
  }));
  const ratios = (r: { drift: Float64Array; driftSE: Float64Array }) => Array.from(r.drift, (d, i) => d / r.driftSE[i]).sort((u, v) => u - v);

  it('converged: the averaged estimate is the closed form up to its Monte Carlo error, and the drift is of the order of its standard error', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(rows.map((r) => Array.from(r)));
    const noise = 0.3;
    const r = moreauEnvelopeGradientOf(oracle(new Rng(5), noise), x, { rho, steps: 200, stepSize: rho / 2, average: true });
    // the estimate's standard error is about noise / sqrt(100 averaged steps) = 0.03 per coordinate
    expect(maxAbsDiff(r.grad.dataSync(), closed.flatMap((c) => Array.from(c)))).toBeLessThan(0.15);
    // the window's 100 iterates pair with 100 gradient estimates (the last with the residual's): sqrt(100 D) noise / 50
    expect(Math.max(...Array.from(r.driftSE, (se) => Math.abs(se - (Math.sqrt(100 * D) * noise) / 50)))).toBeLessThan(1e-5);
    const q = ratios(r);
    // |(I + rho A)^-1 (noise difference)| / its standard error: chi_6 / sqrt 6 scaled by 1 / (1 + rho lambda) in [0.5, 1.33]
    expect(q[n / 2]).toBeGreaterThan(0.4);
    expect(q[n / 2]).toBeLessThan(1.5);
    expect(q[n - 1]).toBeLessThan(3);
    [x, r.prox, r.grad].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('not converged (steps far too small): the drift is many standard errors', () => {
    // about 60% of the slowest mode's distance left at the window; the trend between the quarters, ~0.3 in
    // MoreauGrad's units, against a standard error of 0.025 at this noise
    const x = tf.tensor2d(rows.map((r) => Array.from(r)));
    const r = moreauEnvelopeGradientOf(oracle(new Rng(6), 0.05), x, { rho, steps: 200, stepSize: rho / 200, average: true });
    expect(ratios(r)[0]).toBeGreaterThan(3);
    [x, r.prox, r.grad].forEach((t) => t.dispose());
  });

  it('without a variance the standard error is NaN; an exact gradient gives 0', () => {
    const x = tf.tensor2d([Array.from(rows[0])]);
    const none = moreauEnvelopeGradientOf((z) => ({ grad: tf.zerosLike(z) }), x, { rho, steps: 8 });
    expect(Number.isNaN(none.driftSE[0])).toBe(true);
    const exact = moreauEnvelopeGradient(quadratic(a, b), x, { rho, steps: 8 });
    expect(exact.driftSE[0]).toBe(0);
    [x, none.prox, none.grad, exact.prox, exact.grad].forEach((t) => t.dispose());
  });
});

describe('moreau: a non-smooth score (closed form)', () => {
  // f(z) = sum |z_k|: prox is soft-thresholding S_rho(x), MoreauGrad is the Huber gradient clip(x / rho, -1, 1)
  const l1Score = (z: tf.Tensor) => tf.sum(tf.abs(z)) as tf.Scalar;
  const xv = [[0.05, -0.08, 0.5, -0.3, 0.02, 0.15]];
  const rho = 0.2;
  const huber = xv[0].map((v) => Math.max(-1, Math.min(1, v / rho)));

  it('fixed-step gradient descent oscillates across the kink; decaying steps settle on clip(x / rho, -1, 1)', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(xv);
    const last = moreauEnvelopeGradient(l1Score, x, { rho, steps: 400, stepSize: rho / 10 });
    const avg = moreauEnvelopeGradient(l1Score, x, { rho, steps: 400, stepSize: rho / 2, decay: true });
    const errLast = maxAbsDiff(last.grad.dataSync(), huber), errAvg = maxAbsDiff(avg.grad.dataSync(), huber);
    // the last iterate sits up to a step from the kink: an error of order stepSize / rho = 0.1 on MoreauGrad
    expect(errLast).toBeGreaterThan(0.02);
    expect(errAvg).toBeLessThan(0.01);
    // the gradient mapping at a kink measures the gradient's jump, not the distance to z*: large for both
    expect(last.residual[0]).toBeGreaterThan(0.5);
    // with decaying steps the estimate has stopped moving; with fixed ones it still jumps between quarters
    expect(avg.drift[0]).toBeLessThan(0.01);
    [x, last.prox, last.grad, avg.prox, avg.grad].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('drift is NaN with fewer than 4 steps', () => {
    const x = tf.tensor2d(xv);
    const r = moreauEnvelopeGradient(l1Score, x, { rho, steps: 3 });
    expect(Number.isNaN(r.drift[0])).toBe(true);
    [x, r.prox, r.grad].forEach((t) => t.dispose());
  });
});

describe('moreau: MoreauGrad as an attribution', () => {
  // a linear model: the envelope of a linear score is the score shifted, so MoreauGrad is the weight row
  // (the gradient) at every rho, and the sparse variant soft-thresholds it
  const w = tf.variable(tf.tensor2d([[1, -2], [0.3, 0.5], [-0.1, 4]]));
  const linear: Model = {
    name: 'linear', params: [w], paramNames: ['w'],
    apply: (x, ps = [w]) => tf.tidy(() => tf.matMul(x as tf.Tensor2D, ps[0] as tf.Tensor2D)),
    features: (x) => x.clone() as tf.Tensor2D,
    dispose: () => w.dispose(),
  };

  it('equals the gradient of a linear score at any rho, and its soft-thresholding for the sparse variant', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([[0.2, -1, 0.5], [1, 1, 1]]);
    for (const rho of [0.1, 2]) {
      const m = new MoreauGrad(linear, { rho, steps: 80 });
      const map = m.attribute(x, [0, 1]);
      expect(maxAbsDiff(map.dataSync(), [1, 0.3, -0.1, -2, 0.5, 4])).toBeLessThan(1e-5);
      map.dispose();
    }
    const sparse = new MoreauGrad(linear, { rho: 1, steps: 80, l1: 0.4 });
    expect(sparse.name).toBe('sparse MoreauGrad');
    const { map, residual } = sparse.explain(x, [0, 1]);
    expect(Array.from(map.dataSync(), (t) => t + 0)).toEqual([expect.closeTo(0.6, 5), 0, 0, expect.closeTo(-1.6, 5), expect.closeTo(0.1, 5), expect.closeTo(3.6, 5)]);
    expect(Math.max(...residual)).toBeLessThan(1e-5);
    map.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => sparse.attribute(tf.zeros([2, 3]), [0])).toThrow(/1 targets for a batch of 2/);
  });

  it('the smoothed oracle: per-copy gradients averaged, their variance over the copies (f = c ||x||^2 / 2: variance c^2 sigma^2 D / samples)', () => {
    const before = tf.memory().numTensors;
    const c = 1.5, samples = 400;
    const bowl: Model = {
      name: 'bowl', params: [], paramNames: [],
      apply: (x) => tf.tidy(() => tf.stack([tf.mul(0.5 * c, tf.sum(tf.square(x), 1)), tf.zeros([x.shape[0]])], 1) as tf.Tensor2D),
      features: (x) => x.clone() as tf.Tensor2D,
      dispose: () => undefined,
    };
    const oracle = smoothedGradient(bowl, [0, 0], { sigma: [0.2, 0.4], samples, rng: new Rng(8) });
    const z = tf.tensor2d([[0.2, -1, 0.5], [1, 1, 1]]);
    const { grad, variance } = oracle(z);
    const v = variance!.dataSync();
    // the mean gradient c z up to c sigma / sqrt(samples) per coordinate
    expect(maxAbsDiff(grad.dataSync(), [0.3, -1.5, 0.75, 1.5, 1.5, 1.5])).toBeLessThan(0.1);
    [0.2, 0.4].forEach((sigma, i) => expect(v[i] / ((c * c * sigma * sigma * 3) / samples)).toBeCloseTo(1, 0));
    [z, grad, variance!].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    expect(() => smoothedGradient(bowl, [0, 0], { sigma: [0.2], samples: 4, rng: new Rng(8) })).toThrow(/one per example/);
  });

  it('Gaussian smoothing leaves a linear score\'s envelope gradient exact (every noisy copy has the same gradient)', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([[0.2, -1, 0.5], [1, 1, 1]]);
    const smooth = new MoreauGrad(linear, { rho: 0.5, steps: 40, average: true, smoothing: { sigma: 0.3, samples: 4, rng: new Rng(3) } });
    const { map, drift, driftSE } = smooth.explain(x, [0, 1]);
    expect(maxAbsDiff(map.dataSync(), [1, 0.3, -0.1, -2, 0.5, 4])).toBeLessThan(1e-5);
    expect(Math.max(...drift)).toBeLessThan(1e-5);
    expect(Math.max(...driftSE)).toBeLessThan(1e-5);
    map.dispose();
    const bad = new MoreauGrad(linear, { rho: 0.5, steps: 4, smoothing: { sigma: 0.3, samples: 0, rng: new Rng(3) } });
    expect(() => bad.attribute(x, [0, 1])).toThrow(/integer samples >= 1/);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
