/** Jacobian regularization: the exact Frobenius norm, its random-projection estimate, and the penalty's gradient. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { jacobianFrobeniusSq, jacobianPenalty, jacobianProjection } from '../src/techniques/jacobian/index.js';
import { train } from '../src/train/loop.js';
import { adam } from '../src/train/transforms.js';
import { expectNoLeak } from './helpers.js';

describe('Jacobian Frobenius norm', () => {
  it('is exact: ||W||_F^2 for a linear layer, and central differences on a tanh MLP', async () => {
    const lin = mlp({ sizes: [3, 4] }, new Rng(1));
    const W = lin.params[0].arraySync() as number[][];
    const x = tf.ones([2, 3]);
    const got = await expectNoLeak(() => jacobianFrobeniusSq(lin, x));
    const want = W.flat().reduce((s, v) => s + v * v, 0);
    expect(got[0]).toBeCloseTo(want, 4);
    expect(got[1]).toBeCloseTo(want, 4);
    const m = mlp({ sizes: [3, 6, 2], activation: 'tanh' }, new Rng(2));
    const x1 = [[0.3, -0.7, 1.1]];
    const h = 1e-3;
    let fd = 0;
    for (let i = 0; i < 3; i++) {
      const step = (s: number) => tf.tidy(() => Array.from(m.apply(tf.tensor2d([x1[0].map((v, j) => v + (j === i ? s : 0))])).dataSync()));
      const [p, q] = [step(h), step(-h)];
      fd += p.reduce((s, v, c) => s + ((v - q[c]) / (2 * h)) ** 2, 0);
    }
    const xt = tf.tensor2d(x1);
    expect(jacobianFrobeniusSq(m, xt)[0]).toBeCloseTo(fd, 3);
    tf.dispose([x, xt]);
    lin.dispose();
    m.dispose();
  });

  it('C ||v^T J||^2 with v uniform on the sphere is unbiased (mean of many draws within 4 standard errors)', () => {
    const m = mlp({ sizes: [5, 8, 4], activation: 'tanh' }, new Rng(3));
    const x = new Rng(4).normalTensor([3, 5]);
    const exact = jacobianFrobeniusSq(m, x);
    const rng = new Rng(5);
    const draws = Array.from({ length: 2000 }, () => tf.tidy(() => Array.from(jacobianProjection(m, x, rng).dataSync())));
    for (let i = 0; i < 3; i++) {
      const d = draws.map((r) => r[i]);
      const mu = d.reduce((s, v) => s + v, 0) / d.length;
      const se = Math.sqrt(d.reduce((s, v) => s + (v - mu) ** 2, 0) / (d.length - 1) / d.length);
      expect(Math.abs(mu - exact[i])).toBeLessThan(4 * se);
      expect(se / exact[i]).toBeLessThan(0.05);
    }
    x.dispose();
    m.dispose();
  });

  it('as a training penalty: value (lambda/2) C ||v^T J||^2, gradients through the input gradient, and it shrinks ||J||', async () => {
    expect(() => jacobianPenalty({ model: mlp({ sizes: [2, 2] }, new Rng(1)), lambda: -1, rng: new Rng(1) })).toThrow(/lambda/);
    const data = moons(128, 0.1, new Rng(1));
    const x = tf.tensor2d(data.x, [128, 2]);
    const probe = mlp({ sizes: [2, 8, 3], activation: 'tanh' }, new Rng(6));
    tf.tidy(() => {
      const value = jacobianPenalty({ model: probe, lambda: 0.3, projections: 2, rng: new Rng(7) })(x, tf.zeros([128], 'int32') as tf.Tensor1D, probe.params).dataSync()[0];
      const rng = new Rng(7);
      const est = [jacobianProjection(probe, x, rng), jacobianProjection(probe, x, rng)].map((t) => tf.mean(t).dataSync()[0]);
      expect(value).toBeCloseTo((0.3 / 2) * ((est[0] + est[1]) / 2), 5);
    });
    probe.dispose();
    const normAfter = async (lambda: number) => {
      const model = mlp({ sizes: [2, 32, 2] }, new Rng(2));
      const r = await train({ model, data, transform: adam(0.01), batchSize: 32, steps: 200, rng: new Rng(3), progress: 'silent', penalty: jacobianPenalty({ model, lambda, rng: new Rng(4) }) });
      expect(r.status).toBe('ok');
      const n = jacobianFrobeniusSq(model, x).reduce((s, v) => s + v, 0) / 128;
      model.dispose();
      return n;
    };
    const [plain, reg] = [await normAfter(0), await normAfter(0.5)];
    expect(reg).toBeLessThan(0.5 * plain);
    x.dispose();
  });
});
