/** Mixup and cutout against their definitions, and the loop's mixed loss. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { betaSample, cutout, mixup } from '../src/techniques/augmentation/index.js';
import { train } from '../src/train/loop.js';
import { sgd } from '../src/train/transforms.js';

describe('mixup', () => {
  it('draws lambda from Beta(alpha, alpha)', () => {
    const rng = new Rng(1);
    const v = Array.from({ length: 20000 }, () => betaSample(0.5, rng));
    const m = v.reduce((a, b) => a + b) / v.length;
    const varr = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    expect(m).toBeCloseTo(0.5, 1);
    expect(varr).toBeCloseTo(1 / (4 * 2), 2);
  });

  it('mixes each example with a permuted partner by lambda and asks for the same mix of losses', () => {
    const x = tf.tensor2d([[1, 0], [0, 1], [2, 2]]);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const out = tf.tidy(() => {
      const b = mixup(1)({ x, y }, new Rng(3));
      return { x: b.x.arraySync() as number[][], y2: Array.from(b.mix!.y.dataSync()), w: b.mix!.weight };
    });
    const xs = [[1, 0], [0, 1], [2, 2]];
    out.x.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(out.w * xs[i][j] + (1 - out.w) * xs[out.y2[i]][j], 5)));
    expect([...out.y2].sort()).toEqual([0, 1, 2]);
    tf.dispose([x, y]);
  });
});

describe('cutout', () => {
  it('zeroes one size x size square per image (clipped at the border)', () => {
    const x = tf.ones([20, 10, 10, 1]);
    const zeros = tf.tidy(() => {
      const b = cutout(4)({ x, y: tf.zeros([20], 'int32') as tf.Tensor1D }, new Rng(4));
      return (b.x.reshape([20, 100]).arraySync() as number[][]).map((r) => r.filter((v) => v === 0).length);
    });
    zeros.forEach((z) => { expect(z).toBeGreaterThan(0); expect(z).toBeLessThanOrEqual(16); });
    expect(zeros.some((z) => z === 16)).toBe(true);
    expect(() => tf.tidy(() => { cutout(4)({ x: tf.ones([2, 3]), y: tf.zeros([2], 'int32') as tf.Tensor1D }, new Rng(1)); })).toThrow(/images must be/);
    x.dispose();
  });
});

describe('training with an augmentation', () => {
  it('runs and leaks nothing', async () => {
    const model = mlp({ sizes: [2, 8, 2] }, new Rng(1));
    const before = tf.memory().numTensors;
    const r = await train({ model, data: moons(64, 0.1, new Rng(2)), transform: sgd(0.1), batchSize: 16, steps: 20, rng: new Rng(3), augment: mixup(0.4), progress: 'silent' });
    expect(r.status).toBe('ok');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
