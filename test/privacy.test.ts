/**
 * The RDP accountant against the values TensorFlow Privacy published for DP-SGD on MNIST, against the
 * Gaussian mechanism's closed form, and against the Renyi divergence computed by numerical
 * integration; and its two series against each other. DP-SGD's clipped sums against per-example
 * gradients computed one at a time.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { clippedGradientSum, poissonSample, privatizedGradient } from '../src/techniques/privacy/dp-sgd.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';
import { DEFAULT_ORDERS, dpSgdEpsilon, epsilonFromRdp, logErfc, rdpSampledGaussian } from '../src/techniques/privacy/rdp.js';

/** A_alpha = E_{z ~ N(0, s^2)} [((1 - q) + q exp((2z - 1) / (2 s^2)))^alpha] by the trapezoid rule on a wide grid. */
function aByQuadrature(q: number, sigma: number, alpha: number): number {
  const lo = -40 * sigma, hi = 40 * sigma, n = 400_000;
  const h = (hi - lo) / n;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const z = lo + k * h;
    const density = Math.exp(-(z * z) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    const ratio = 1 - q + q * Math.exp((2 * z - 1) / (2 * sigma * sigma));
    s += (k === 0 || k === n ? 0.5 : 1) * density * ratio ** alpha;
  }
  return s * h;
}

describe('RDP accountant', () => {
  // tensorflow/privacy, tutorials/README.md: MNIST, n = 60000, batch 256, delta = 1e-5, RDP orders
  // 1.1..10.9 and 12..63, 234 steps per epoch, epsilon by the conversion of the time ('classic')
  it.each([[1.12, 60, 2.92], [0.6, 30, 9.74], [1.2, 10, 1.2]])('matches the published epsilon for sigma %f, %i epochs (%f)', (sigma, epochs, published) => {
    const { epsilon } = dpSgdEpsilon({ q: 256 / 60000, sigma, steps: epochs * Math.floor(60000 / 256), delta: 1e-5, conversion: 'classic' });
    // published to two decimals
    expect(Math.abs(epsilon - published)).toBeLessThan(0.01);
  });

  it('gives the Gaussian mechanism\'s alpha / (2 sigma^2) without sampling', () => {
    for (const a of [1.5, 2, 7.3, 32]) expect(rdpSampledGaussian(1, 0.8, a)).toBeCloseTo(a / (2 * 0.64), 12);
  });

  it('agrees with the Renyi divergence integrated numerically, at integer and fractional orders', () => {
    for (const [q, sigma, alpha] of [[0.01, 1, 2], [0.05, 0.9, 3.5], [0.2, 2, 8], [0.01, 1.1, 10.5], [0.1, 0.7, 1.3]]) {
      const exact = Math.log(aByQuadrature(q, sigma, alpha)) / (alpha - 1);
      expect(Math.abs(rdpSampledGaussian(q, sigma, alpha) - exact) / exact, `q ${q} sigma ${sigma} alpha ${alpha}`).toBeLessThan(1e-5);
    }
  });

  it('has integer and fractional series that meet at integer orders', () => {
    for (const alpha of [2, 5, 17]) {
      const nudged = rdpSampledGaussian(0.02, 1.3, alpha + 1e-9);
      expect(Math.abs(nudged - rdpSampledGaussian(0.02, 1.3, alpha)) / nudged).toBeLessThan(1e-6);
    }
  });

  it('converts with the improved bound never above the classic one, and grows with steps', () => {
    const rdp = DEFAULT_ORDERS.map((a) => 1000 * rdpSampledGaussian(0.01, 1, a));
    expect(epsilonFromRdp(DEFAULT_ORDERS, rdp, 1e-5, 'improved').epsilon).toBeLessThanOrEqual(epsilonFromRdp(DEFAULT_ORDERS, rdp, 1e-5, 'classic').epsilon);
    const eps = [100, 1000, 10000].map((steps) => dpSgdEpsilon({ q: 0.01, sigma: 1, steps, delta: 1e-5 }).epsilon);
    expect(eps[0]).toBeLessThan(eps[1]);
    expect(eps[1]).toBeLessThan(eps[2]);
  });

  it('computes log erfc in the far tail where erfc underflows', () => {
    // erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8))
    for (const x of [10, 30, 100]) {
      const asymptotic = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4) - 15 / (8 * x ** 6) + 105 / (16 * x ** 8));
      expect(Math.abs(logErfc(x) - asymptotic)).toBeLessThan(1e-6);
    }
    expect(Math.exp(logErfc(0))).toBeCloseTo(1, 6);
    expect(Math.exp(logErfc(-3))).toBeCloseTo(2 - 2.209049699858544e-5, 6);
  });

  it('names bad arguments', () => {
    expect(() => rdpSampledGaussian(1.5, 1, 2)).toThrow(/sampling rate q must be in \[0, 1\], got 1.5/);
    expect(() => rdpSampledGaussian(0.1, 0, 2)).toThrow(/noise multiplier must be > 0/);
    expect(() => dpSgdEpsilon({ q: 0.1, sigma: 1, steps: 10, delta: 2 })).toThrow(/delta must be in \(0, 1\)/);
  });
});

describe('DP-SGD clipped gradient sums', () => {
  it.each(['relu', 'tanh'] as const)('equal per-example gradients computed one by one, clipped and summed (%s MLP)', async (activation) => {
    const rng = new Rng(11);
    const model = mlp({ sizes: [6, 9, 7, 4], activation }, rng);
    const n = 12;
    const x = rng.normalTensor([n, 6], 0, 2);
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32');
    // a bound between the smallest and the largest per-example norm, so both cases are exercised
    const probe = clippedGradientSum({ params: model.params, activation }, x, labels, 4, 1);
    tf.dispose(probe.sum);
    const clip = [...probe.norms].sort((a, b) => a - b)[n / 2];
    const { sum, norms } = await expectNoLeak(() => {
      const r = clippedGradientSum({ params: model.params, activation }, x, labels, 4, clip);
      const out = { sum: r.sum.map((t) => Array.from(t.dataSync())), norms: r.norms };
      tf.dispose(r.sum);
      return out;
    });
    // one example at a time: its gradient, its norm, clipped
    const expected = model.params.map((p) => new Float64Array(p.size));
    let clippedCount = 0;
    for (let i = 0; i < n; i++) {
      const gs = tf.tidy(() => {
        const xi = x.slice([i, 0], [1, 6]);
        const yi = labels.slice([i], [1]) as tf.Tensor1D;
        return tf.grads((...ps: tf.Tensor[]) => crossEntropy()(model.apply(xi, ps), yi))(model.params);
      });
      const grads = gs.map((g) => Float64Array.from(g.dataSync()));
      tf.dispose(gs);
      const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((a, v) => a + v * v, 0), 0));
      expect(Math.abs(norms[i] - norm) / norm).toBeLessThan(1e-4);
      const c = Math.min(1, clip / norm);
      if (c < 1) clippedCount++;
      // the bound DP-SGD's sensitivity rests on
      expect(c * norm).toBeLessThanOrEqual(clip * (1 + 1e-9));
      grads.forEach((g, k) => g.forEach((v, j) => { expected[k][j] += c * v; }));
    }
    expect(clippedCount).toBeGreaterThan(0);
    expect(clippedCount).toBeLessThan(n);
    sum.forEach((s, k) => expect(maxAbsDiff(s, expected[k])).toBeLessThan(1e-4));
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('adds Gaussian noise of std sigma C / expected batch, and samples each example with probability q', () => {
    const rng = new Rng(12);
    const zero = tf.zeros([200, 100]);
    const [noisy] = privatizedGradient([zero], 2, 0.5, 10, rng);
    const v = Array.from(noisy.dataSync());
    const sd = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(Math.abs(sd - 0.1) / 0.1).toBeLessThan(0.02);
    tf.dispose([zero, noisy]);
    const sizes = Array.from({ length: 400 }, () => poissonSample(1000, 0.05, rng).length);
    const m = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    // Binomial(1000, 0.05): mean 50, sd 6.9; the mean of 400 draws within 4 standard errors
    expect(Math.abs(m - 50)).toBeLessThan(4 * 6.9 / Math.sqrt(400));
  });
});
