import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Model } from '../src/models/model.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { Saliency } from '../src/techniques/attribution/attribution.js';
import { NoiseTunnel } from '../src/techniques/attribution/noise-tunnel.js';
import { ExpectedGradients, IntegratedGradients } from '../src/techniques/attribution/path.js';
import { meanTotalVariation, smoothnessPrior } from '../src/techniques/attribution/prior.js';
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

describe('path attributions: completeness', () => {
  const sum = (t: tf.Tensor) => Array.from(t.sum(1).dataSync());
  const logit = (m: Model, x: tf.Tensor, c: number[]) => { const l = m.apply(x).arraySync() as number[][]; return c.map((k, i) => l[i][k]); };

  it('integrated gradients of a linear model are (x - x\') * w exactly, at any number of steps', async () => {
    const m = linear([[1, 2], [3, 4], [5, 6]]);
    await expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor2d([[1, -1, 2], [0.5, 0, 1]]);
      const baseline = tf.tensor1d([0.5, 0.5, 0.5]);
      const a = new IntegratedGradients(m, { steps: 1, baseline }).attribute(x, [1, 0]);
      expect(Array.from(a.dataSync())).toEqual([0.5 * 2, -1.5 * 4, 1.5 * 6, 0, -0.5 * 3, 0.5 * 5]);
    }));
    expect(() => new IntegratedGradients(m, { steps: 0 })).toThrow(/steps/);
    m.dispose();
  });

  it('integrated gradients on a tanh MLP: the sum converges to f(x) - f(x\') like 1/steps^2 (trapezoid rule)', () => {
    const m = mlp({ sizes: [5, 12, 3], activation: 'tanh' }, new Rng(3));
    tf.tidy(() => {
      const x = new Rng(4).normalTensor([4, 5], 0, 1.5);
      const targets = [0, 1, 2, 1];
      const want = logit(m, x, targets).map((v, i) => v - logit(m, tf.zeros([4, 5]), targets)[i]);
      const err = (steps: number) => Math.max(...sum(new IntegratedGradients(m, { steps, chunk: 7 }).attribute(x, targets)).map((v, i) => Math.abs(v - want[i])));
      const [e4, e16, e64] = [err(4), err(16), err(64)];
      expect(e16 / e4).toBeLessThan(1 / 8); // 1/16 for an exact second-order rate
      expect(e64).toBeLessThan(1e-3);
    });
    m.dispose();
  });

  it('expected gradients: each draw\'s sum is unbiased for f(x) - E f(x\'), so the mean is within its standard errors', () => {
    const m = mlp({ sizes: [5, 12, 3], activation: 'tanh' }, new Rng(5));
    tf.tidy(() => {
      const refs = new Rng(6).normalTensor([40, 5]);
      const x = new Rng(7).normalTensor([6, 5], 0, 1.5);
      const targets = [0, 1, 2, 0, 1, 2];
      const refMean = targets.map((c) => mean(logit(m, refs, new Array(40).fill(c))));
      const want = logit(m, x, targets).map((v, i) => v - refMean[i]);
      const eg = new ExpectedGradients(m, { references: refs, samples: 400, rng: new Rng(8) });
      const draws = eg.attributeSamples(x, targets).sum(2).arraySync() as number[][]; // [samples, batch]
      for (let i = 0; i < 6; i++) {
        const d = draws.map((row) => row[i]);
        const se = Math.sqrt(d.reduce((s, v) => s + (v - mean(d)) ** 2, 0) / (d.length - 1) / d.length);
        expect(Math.abs(mean(d) - want[i])).toBeLessThan(4 * se);
      }
      // attribute() is the mean of the draws (same stream, same draws)
      const again = new ExpectedGradients(m, { references: refs, samples: 400, rng: new Rng(8) }).attribute(x, targets);
      expect(maxAbsDiff(sum(again), targets.map((_, i) => mean(draws.map((r) => r[i]))))).toBeLessThan(1e-4);
      expect(() => eg.attribute(tf.ones([1, 4]), [0])).toThrow(/references have shape/);
    });
    m.dispose();
  });
});

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('smoothness prior', () => {
  it('total variation by hand', () => {
    tf.tidy(() => {
      const maps = tf.tensor3d([[[0, 1], [3, 3]], [[1, 1], [1, 1]]]);
      // first map: |1-0| + |3-3| + |3-0| + |3-1| = 6; second 0
      expect(meanTotalVariation(maps).dataSync()[0]).toBeCloseTo(3, 6);
    });
  });

  it('on a linear model is lambda * TV((x - x\') * w_y), and its parameter gradient matches finite differences', () => {
    const m = linear([[1, 2], [3, 4], [5, -6], [0.5, 1]]);
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 2, 0, -1], [0.5, 0.5, 1, 2]]);
      const y = tf.tensor1d([1, 0], 'int32');
      const refs = tf.tensor2d([[0, 1, 1, 0]]);
      const prior = () => smoothnessPrior({ model: m, references: refs, lambda: 0.5, rng: new Rng(1), mapShape: [2, 2] });
      // one reference, so only alpha is random, and a linear model's gradient does not depend on it
      const a = [[1 * 2, 1 * 4, -1 * -6, -1 * 1], [0.5 * 1, -0.5 * 3, 0 * 5, 2 * 0.5]];
      const tv = (r: number[]) => Math.abs(r[1] - r[0]) + Math.abs(r[3] - r[2]) + Math.abs(r[2] - r[0]) + Math.abs(r[3] - r[1]);
      expect(prior()(x, y, m.params).dataSync()[0]).toBeCloseTo(0.5 * mean(a.map(tv)), 5);
      const g = tf.grads((w: tf.Tensor) => prior()(x, y, [w]))([m.params[0]])[0].dataSync();
      const w0 = m.params[0];
      const h = 1e-3;
      for (const k of [0, 3, 5, 6]) {
        const e = tf.oneHot([k], 8).reshape([4, 2]).toFloat().mul(h);
        const fd = (prior()(x, y, [w0.add(e)]).dataSync()[0] - prior()(x, y, [w0.sub(e)]).dataSync()[0]) / (2 * h);
        expect(g[k]).toBeCloseTo(fd, 2);
      }
    });
    expect(() => smoothnessPrior({ model: m, references: tf.ones([1, 4]), lambda: 1, rng: new Rng(1), mapShape: [3, 3] })).toThrow(/mapShape/);
    m.dispose();
  });

  it('trains inside the loop as a penalty, and the penalty lowers the attributions\' total variation', async () => {
    const { moons } = await import('../src/data/toy2d.js');
    const { train } = await import('../src/train/loop.js');
    const { adam } = await import('../src/train/transforms.js');
    const data = moons(128, 0.1, new Rng(1));
    const refs = tf.tensor2d(data.x, [128, 2]);
    const tvAfter = async (lambda: number) => {
      const model = mlp({ sizes: [2, 16, 2] }, new Rng(2));
      await train({ model, data, transform: adam(0.01), batchSize: 32, steps: 150, rng: new Rng(3), progress: 'silent',
        penalty: smoothnessPrior({ model, references: refs, lambda, rng: new Rng(4), mapShape: [1, 2] }) });
      const a = new ExpectedGradients(model, { references: refs, samples: 50, rng: new Rng(5) }).attribute(refs, Array.from(data.y));
      const tv = tf.tidy(() => meanTotalVariation(a.reshape([128, 1, 2]) as tf.Tensor3D).dataSync()[0]);
      a.dispose();
      model.dispose();
      return tv;
    };
    const [plain, smooth] = [await tvAfter(0), await tvAfter(1)];
    expect(smooth).toBeLessThan(0.5 * plain);
    refs.dispose();
  });
});
