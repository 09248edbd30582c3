/** Gumbel-softmax and score-function estimators against exact gradients of a categorical expectation. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  exactCategoricalGradient, gumbelMax, gumbelNoise, gumbelSoftmax, gumbelSoftmaxGradients, scoreFunctionGradients, scoreFunctionGradientsLoo,
} from '../src/techniques/discrete-gradients/index.js';
import { expectNoLeak } from './helpers.js';

const logitsArr = [0.5, -1, 1.2, 0];
const target = [0.2, 0.9, 0.4, 0.6];
const f = (z: tf.Tensor) => tf.sum(tf.square(tf.sub(z, tf.tensor1d(target))), -1);
const softmax = (l: number[]) => { const e = l.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); };
const fOf = (z: number[]) => z.reduce((a, v, i) => a + (v - target[i]) ** 2, 0);

describe('Gumbel sampling', () => {
  it('Gumbel-max draws categories with the softmax probabilities', () => {
    const n = 40000;
    const l = tf.tensor1d(logitsArr);
    const g = gumbelNoise([n, 4], new Rng(1));
    const counts = tf.tidy(() => tf.sum(gumbelMax(l, g), 0).dataSync());
    softmax(logitsArr).forEach((q, k) => expect(Math.abs(counts[k] / n - q)).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / n)));
    tf.dispose([l, g]);
  });

  it('Gumbel-softmax is the softmax at zero noise and tau 1, and one-hot as tau -> 0', () => {
    const l = tf.tensor2d([logitsArr]);
    const zero = tf.zeros([1, 4]);
    expect(Array.from(gumbelSoftmax(l, 1, zero).dataSync()).map((v, i) => v - softmax(logitsArr)[i]).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    const g = gumbelNoise([200, 4], new Rng(2));
    const lt = tf.tile(l, [200, 1]);
    const cold = tf.tidy(() => tf.sum(tf.abs(tf.sub(gumbelSoftmax(lt, 0.01, g), gumbelMax(lt, g)))).dataSync()[0]);
    expect(cold / 200).toBeLessThan(0.02);
    expect(() => gumbelSoftmax(l, 0, zero)).toThrow(/tau must be > 0/);
    tf.dispose([l, zero, g, lt]);
  });
});

describe('gradient estimators', () => {
  it('the exact gradient is p * (f - p.f)', () => {
    const l = tf.tensor1d(logitsArr);
    const got = tf.tidy(() => exactCategoricalGradient(f, l).dataSync());
    const p = softmax(logitsArr);
    const fs = [0, 1, 2, 3].map((k) => fOf([0, 1, 2, 3].map((j) => (j === k ? 1 : 0))));
    const pf = p.reduce((a, q, k) => a + q * fs[k], 0);
    p.forEach((q, k) => expect(got[k]).toBeCloseTo(q * (fs[k] - pf), 6));
    l.dispose();
  });

  it('Gumbel-softmax per-sample gradients match central differences of f(softmax((l + g) / tau))', async () => {
    const l = tf.tensor1d(logitsArr);
    const g = gumbelNoise([3, 4], new Rng(3)) as tf.Tensor2D;
    const tau = 0.7;
    const grads = await expectNoLeak(() => { const t = gumbelSoftmaxGradients(f, l, tau, g); const v = t.arraySync(); t.dispose(); return v; });
    const gv = g.arraySync();
    const relaxed = (lv: number[], row: number[]) => fOf(softmax(lv.map((v, k) => (v + row[k]) / tau)));
    gv.forEach((row, i) => logitsArr.forEach((_, k) => {
      const h = 1e-4;
      const up = logitsArr.map((v, j) => (j === k ? v + h : v));
      const dn = logitsArr.map((v, j) => (j === k ? v - h : v));
      expect(grads[i][k]).toBeCloseTo((relaxed(up, row) - relaxed(dn, row)) / (2 * h), 3);
    }));
    tf.dispose([l, g]);
  });

  it.each([['plain', scoreFunctionGradients], ['leave-one-out', scoreFunctionGradientsLoo]] as const)('the %s score-function estimator is unbiased', (_name, estimator) => {
    const n = 50000;
    const l = tf.tensor1d(logitsArr);
    const g = gumbelNoise([n, 4], new Rng(4)) as tf.Tensor2D;
    const { m, se } = tf.tidy(() => {
      const gr = estimator(f, l, g);
      const mom = tf.moments(gr, 0);
      return { m: mom.mean.dataSync(), se: tf.sqrt(tf.div(mom.variance, n)).dataSync() };
    });
    const exact = tf.tidy(() => exactCategoricalGradient(f, l).dataSync());
    exact.forEach((e, k) => expect(Math.abs(m[k] - e)).toBeLessThan(4 * se[k] + 1e-6));
    tf.dispose([l, g]);
  });
});
