/** Randomized smoothing against exact values: the bounds by their definitions, and a linear classifier's exact radius. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { betaIncomplete, lnGamma } from '../src/stats/distributions.js';
import { ABSTAIN, binomialTestHalf, certify, lowerConfidenceBound, predict } from '../src/techniques/certification/index.js';
import { expectNoLeak } from './helpers.js';

describe('binomial bounds', () => {
  it('Clopper-Pearson: P(X >= k | p = lower) = alpha, alpha^(1/n) at k = n, 0 at k = 0', () => {
    for (const [k, n, alpha] of [[90, 100, 0.001], [7, 10, 0.05], [500, 1000, 0.01]]) {
      const lo = lowerConfidenceBound(k, n, alpha);
      expect(betaIncomplete(lo, k, n - k + 1)).toBeCloseTo(alpha, 9);
    }
    expect(lowerConfidenceBound(20, 20, 0.001)).toBeCloseTo(0.001 ** (1 / 20), 9);
    expect(lowerConfidenceBound(0, 20, 0.001)).toBe(0);
    expect(() => lowerConfidenceBound(3, 2, 0.1)).toThrow(/0 <= k <= n/);
  });

  it('the two-sided binomial test at 1/2 equals the enumeration of outcomes no more likely than k', () => {
    const pmf = (j: number, n: number) => Math.exp(lnGamma(n + 1) - lnGamma(j + 1) - lnGamma(n - j + 1) - n * Math.LN2);
    for (const [k, n] of [[8, 10], [2, 10], [15, 20], [10, 20], [30, 40]]) {
      let p = 0;
      for (let j = 0; j <= n; j++) if (pmf(j, n) <= pmf(k, n) * (1 + 1e-12)) p += pmf(j, n);
      expect(binomialTestHalf(k, n)).toBeCloseTo(Math.min(1, p), 9);
    }
  });
});

describe('randomized smoothing of a linear classifier (exact: the radius is the distance to the hyperplane)', () => {
  // f(x) = argmax(x W + b) with two classes: P(class 1 | x + noise) = Phi((w.x + b) / (sigma |w|)), w = W1 - W0
  const model = mlp({ sizes: [2, 2] }, new Rng(1));
  const W = model.params[0].arraySync() as number[][];
  const w = [W[0][1] - W[0][0], W[1][1] - W[1][0]];
  const nw = Math.hypot(...w);
  const distance = (p: number[]) => (p[0] * w[0] + p[1] * w[1]) / nw; // signed, bias 0

  it('certifies the true class with a radius just below the exact distance', async () => {
    const point = [0.3 * w[0] / nw, 0.3 * w[1] / nw]; // class 1 at distance 0.3
    const x = tf.tensor2d([point]);
    const cert = await expectNoLeak(() => certify(model, x, 100, 20000, 0.001, { sigma: 0.25, rng: new Rng(2) }));
    expect(cert.prediction).toBe(1);
    expect(cert.radius).toBeLessThan(distance(point));
    expect(cert.radius).toBeGreaterThan(0.85 * distance(point));
    x.dispose();
  });

  it('abstains on the hyperplane; predicts the side elsewhere', () => {
    const on = tf.tensor2d([[w[1], -w[0]]]); // orthogonal to w: on the boundary
    const off = tf.tensor2d([[-0.5 * w[0] / nw, -0.5 * w[1] / nw]]);
    expect(predict(model, on, 1000, 0.001, { sigma: 0.25, rng: new Rng(3) })).toBe(ABSTAIN);
    expect(predict(model, off, 1000, 0.001, { sigma: 0.25, rng: new Rng(4) })).toBe(0);
    const cert = certify(model, on, 100, 1000, 0.001, { sigma: 0.25, rng: new Rng(5) });
    expect(cert).toMatchObject({ prediction: ABSTAIN, radius: 0 });
    tf.dispose([on, off]);
  });
});
