/** Linear-regression gradient statistics against Monte Carlo and finite differences; GD/SGD updates' bookkeeping. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gradientStats, predictedGapChange, runUpdates, sampleRegression, testLossGrad, trainLossGrad } from '../src/techniques/gen-gap/index.js';

const wStar = Float64Array.of(0.5, -1, 0.3), w = Float64Array.of(1, -0.5, 0), sigma = 0.7;

describe('gen-gap', () => {
  it('the train gradient matches finite differences of the train loss', () => {
    const r = sampleRegression(3, 20, wStar, sigma, new Rng(1));
    const { grad } = trainLossGrad(r, w);
    for (let j = 0; j < 3; j++) {
      const h = 1e-6, up = w.map((v, i) => (i === j ? v + h : v)), dn = w.map((v, i) => (i === j ? v - h : v));
      expect(grad[j]).toBeCloseTo((trainLossGrad(r, up).loss - trainLossGrad(r, dn).loss) / (2 * h), 7);
    }
  });

  it('the exact test loss and gradient statistics agree with Monte Carlo over fresh examples', () => {
    const r = sampleRegression(3, 200000, wStar, sigma, new Rng(2));
    expect(trainLossGrad(r, w).loss / testLossGrad(r, w).loss).toBeCloseTo(1, 2);
    const { mean, traceCov } = gradientStats(r, w);
    const m = new Float64Array(3);
    let sq = 0;
    for (let i = 0; i < r.n; i++) {
      const x = r.xs[i], res = x[0] * w[0] + x[1] * w[1] + x[2] * w[2] - r.ys[i];
      for (let j = 0; j < 3; j++) { m[j] += x[j] * res / r.n; sq += (x[j] * res) ** 2 / r.n; }
    }
    m.forEach((v, j) => expect(v).toBeCloseTo(mean[j], 1));
    const tr = sq - m.reduce((a, v) => a + v * v, 0);
    expect(tr / traceCov).toBeCloseTo(1, 1);
  });

  it('at small eta the mean one-step gap change over training sets is eta tr(Sigma) / N', () => {
    const rng = new Rng(3), n = 10, eta = 0.002, R = 20000;
    let s = 0;
    for (let k = 0; k < R; k++) {
      const r = sampleRegression(3, n, wStar, sigma, rng);
      const w1 = runUpdates(r, w, eta, 1, 'gd');
      s += ((testLossGrad(r, w1).loss - trainLossGrad(r, w1).loss) - (testLossGrad(r, w).loss - trainLossGrad(r, w).loss)) / R;
    }
    expect(s / predictedGapChange({ wStar, sigma, n }, w, eta)).toBeCloseTo(1, 1);
  });

  it('SGD with one batch is GD, and an epoch of disjoint batches uses every example once', () => {
    const r = sampleRegression(3, 12, wStar, sigma, new Rng(4));
    const a = runUpdates(r, w, 0.1, 1, 'sgd', new Rng(5)), b = runUpdates(r, w, 0.1, 1, 'gd');
    a.forEach((v, j) => expect(v).toBeCloseTo(b[j], 14));
    // with a tiny step the epoch's displacement is eta times the sum of the batch-mean gradients at w = k x the full gradient
    const eta = 1e-9, k = 4;
    const moved = runUpdates(r, w, eta, k, 'sgd', new Rng(6)), full = trainLossGrad(r, w).grad;
    moved.forEach((v, j) => expect((w[j] - v) / eta / k).toBeCloseTo(full[j], 5));
  });

  it('bad input throws naming the function', () => {
    const r = sampleRegression(3, 12, wStar, sigma, new Rng(7));
    expect(() => runUpdates(r, w, 0, 1, 'gd')).toThrow(/runUpdates: eta/);
    expect(() => runUpdates(r, w, 0.1, 5, 'sgd', new Rng(1))).toThrow(/runUpdates: sgd/);
    expect(() => sampleRegression(3, 5, [1, 2], 1, new Rng(1))).toThrow(/sampleRegression/);
  });
});
