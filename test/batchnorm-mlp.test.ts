import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { batchNormMlp, inEvaluation } from '../src/models/batchnorm-mlp.js';
import { Rng } from '../src/random/rng.js';

/** Float64 reference of one hidden BN layer (gain 1, shift 0, ReLU) in training mode. */
function reference(x: number[][], w: number[][]): { out: number[][]; mean: number[]; unbiased: number[] } {
  const n = x.length, m = w[0].length;
  const z = x.map((row) => w[0].map((_, j) => row.reduce((a, v, i) => a + v * w[i][j], 0)));
  const mean = Array.from({ length: m }, (_, j) => z.reduce((a, r) => a + r[j], 0) / n);
  const biased = mean.map((mu, j) => z.reduce((a, r) => a + (r[j] - mu) ** 2, 0) / n);
  const out = z.map((r) => r.map((v, j) => Math.max(0, (v - mean[j]) / Math.sqrt(biased[j] + 1e-5))));
  return { out, mean, unbiased: biased.map((v) => (v * n) / (n - 1)) };
}

describe('batchNormMlp', () => {
  const xs = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7], [-0.4, 2.2, 0.1], [0.9, -0.8, 1.3], [2.1, 0.4, -1.6]];

  it('normalizes a hidden layer by the batch in training mode and moves the running statistics by momentum', () => {
    const before = tf.memory().numTensors;
    const model = batchNormMlp({ sizes: [3, 4, 2], momentum: 0.1 }, new Rng(1));
    const w = model.params[0].arraySync() as number[][];
    const ref = reference(xs, w);
    const x = tf.tensor2d(xs);
    const h = model.features(x);
    const got = h.arraySync();
    for (let i = 0; i < xs.length; i++) for (let j = 0; j < 4; j++) expect(got[i][j]).toBeCloseTo(ref.out[i][j], 4);
    // one update from (0, 1): 0.1 x the batch's mean, 0.9 + 0.1 x its unbiased variance
    const rm = model.running[0].mean.arraySync() as number[];
    const rv = model.running[0].variance.arraySync() as number[];
    for (let j = 0; j < 4; j++) {
      expect(rm[j]).toBeCloseTo(0.1 * ref.mean[j], 5);
      expect(rv[j]).toBeCloseTo(0.9 + 0.1 * ref.unbiased[j], 4);
    }
    // evaluation: the running statistics (exactly: (z - running mean) / sqrt(running variance + eps), ReLU), so a
    // single row gives the same output alone as in its batch
    inEvaluation(model, () => {
      const feats = tf.tidy(() => model.features(x).arraySync());
      const z = xs.map((row) => w[0].map((_, j) => row.reduce((acc, v, i) => acc + v * w[i][j], 0)));
      for (let i = 0; i < xs.length; i++) for (let j = 0; j < 4; j++) expect(feats[i][j]).toBeCloseTo(Math.max(0, (z[i][j] - rm[j]) / Math.sqrt(rv[j] + 1e-5)), 4);
      const all = tf.tidy(() => model.apply(x).arraySync());
      const one = tf.tidy(() => model.apply(x.slice([2, 0], [1, 3])).arraySync());
      for (let k = 0; k < 2; k++) expect(one[0][k]).toBeCloseTo(all[2][k], 5);
    });
    expect(model.training).toBe(true);
    h.dispose();
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has the gradient of its loss: every parameter against central differences (float64 arithmetic checked in float32)', () => {
    const model = batchNormMlp({ sizes: [3, 3, 2] }, new Rng(2));
    const x = tf.tensor2d(xs);
    const loss = (ps: tf.Tensor[]) => tf.tidy(() => tf.sum(tf.square(model.apply(x, ps))) as tf.Scalar);
    const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(model.params);
    const h = 1e-2;
    for (const [pi, p] of model.params.entries()) {
      const base = p.dataSync().slice();
      const g = grads[pi].dataSync();
      for (let k = 0; k < base.length; k++) {
        const at = (d: number) => {
          const v = base.slice();
          v[k] += d;
          const t = tf.tensor(v, p.shape);
          const ps = model.params.map((q, i) => (i === pi ? t : q));
          const out = loss(ps).dataSync()[0];
          t.dispose();
          return out;
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(g[k] - fd), `param ${model.paramNames[pi]}[${k}]: ${g[k]} vs ${fd}`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
    }
    tf.dispose(grads);
    x.dispose();
    model.dispose();
  });

  it('refuses a momentum outside (0, 1]', () => {
    expect(() => batchNormMlp({ sizes: [3, 2], momentum: 0 }, new Rng(1))).toThrow(/momentum/);
  });
});
