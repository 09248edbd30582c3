import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Model } from '../src/models/model.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { Saliency } from '../src/techniques/attribution/attribution.js';
import { NoiseTunnel } from '../src/techniques/attribution/noise-tunnel.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';

/** A linear model f(x) = x W: its input gradient for class c is column c of W, everywhere. */
function linear(W: number[][]): Model {
  const w = tf.variable(tf.tensor2d(W));
  return {
    name: 'linear', params: [w], paramNames: ['w'],
    apply: (x, ps = [w]) => tf.tidy(() => tf.matMul(x.reshape([x.shape[0], -1]), ps[0] as tf.Tensor2D)),
    features: (x) => tf.tidy(() => x.reshape([x.shape[0], -1])) as tf.Tensor2D,
    dispose: () => w.dispose(),
  };
}

describe('Saliency', () => {
  it('is the target column of W for a linear model', async () => {
    const m = linear([[1, 2], [3, 4], [5, 6]]);
    await expectNoLeak(() => tf.tidy(() => {
      const g = new Saliency(m).attribute(tf.ones([2, 3]), [1, 0]);
      expect(Array.from(g.dataSync())).toEqual([2, 4, 6, 1, 3, 5]);
    }));
    expect(() => new Saliency(m).attribute(tf.ones([2, 3]), [1])).toThrow(/1 targets for a batch of 2/);
    m.dispose();
  });

  it('matches finite differences on a ReLU network', () => {
    const m = mlp({ sizes: [4, 16, 3] }, new Rng(1));
    tf.tidy(() => {
      const x = new Rng(2).normalTensor([1, 4]);
      const g = new Saliency(m).attribute(x, [2]).dataSync();
      const h = 1e-3;
      for (let i = 0; i < 4; i++) {
        const e = tf.oneHot([i], 4).toFloat().mul(h);
        const fd = (m.apply(x.add(e)).dataSync()[2] - m.apply(x.sub(e)).dataSync()[2]) / (2 * h);
        expect(g[i]).toBeCloseTo(fd, 2);
      }
    });
    m.dispose();
  });
});

describe('NoiseTunnel', () => {
  it('leaves a linear model unchanged (smoothgrad), squares it, and has zero variance (vargrad)', async () => {
    const m = linear([[1, -2], [3, 4]]);
    const base = new Saliency(m);
    await expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor2d([[0.5, 0.5], [1, -1], [0, 2]]);
      const t = [0, 1, 0];
      const want = base.attribute(x, t).dataSync();
      const sg = new NoiseTunnel(base, { nSamples: 7, stdev: 0.3, rng: new Rng(1), chunk: 4 }).attribute(x, t).dataSync();
      expect(maxAbsDiff(sg, want)).toBeLessThan(1e-6);
      const sq = new NoiseTunnel(base, { nSamples: 5, stdev: 0.3, type: 'smoothgrad_sq', rng: new Rng(1) }).attribute(x, t).dataSync();
      expect(maxAbsDiff(sq, want.map((v) => v * v))).toBeLessThan(1e-5);
      const vg = new NoiseTunnel(base, { nSamples: 5, stdev: 0.3, type: 'vargrad', rng: new Rng(1) }).attribute(x, t).dataSync();
      expect(Math.max(...Array.from(vg, Math.abs))).toBeLessThan(1e-5);
    }));
    m.dispose();
  });

  it('averages the gradients of the noisy copies it draws', () => {
    // f(x) = relu(x)·1: gradient 1 where x > 0, so SmoothGrad at 0 estimates P(x + noise > 0) = 0.5
    const relu: Model = {
      name: 'relu', params: [], paramNames: [],
      apply: (x) => tf.tidy(() => tf.relu(x).sum(1, true)) as tf.Tensor2D,
      features: (x) => x as tf.Tensor2D,
      dispose: () => {},
    };
    tf.tidy(() => {
      const a = new NoiseTunnel(new Saliency(relu), { nSamples: 4000, stdev: 1, rng: new Rng(3) }).attribute(tf.zeros([1, 3]), [0]).dataSync();
      for (const v of a) expect(Math.abs(v - 0.5)).toBeLessThan(0.03);
    });
    expect(() => new NoiseTunnel(new Saliency(relu), { nSamples: 0, stdev: 1, rng: new Rng(1) })).toThrow(/nSamples must be >= 1/);
  });
});
