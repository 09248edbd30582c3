/** Adversarial perturbations: PGD against closed-form optima, VAT's power iteration against the exact KL Hessian. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { pgd, vatLoss, vatPenalty, virtualAdversarialDirection } from '../src/techniques/adversarial/index.js';
import { crossEntropy } from '../src/train/losses.js';
import { train } from '../src/train/loop.js';
import { adam } from '../src/train/transforms.js';
import { expectNoLeak } from './helpers.js';

describe('virtual adversarial training', () => {
  it('finds the top eigenvector of the KL Hessian W (diag p - p p^T) W^T of a linear-softmax model', async () => {
    const model = mlp({ sizes: [3, 4] }, new Rng(1));
    const W = model.params[0].arraySync() as number[][]; // [3, 4]
    const b = model.params[1].arraySync() as number[];
    const x0 = [0.4, -0.8, 1.2];
    const z = [0, 1, 2, 3].map((c) => b[c] + x0.reduce((s, v, i) => s + v * W[i][c], 0));
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / e.reduce((s, u) => s + u, 0));
    const H = [0, 1, 2].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, c) => s + [0, 1, 2, 3].reduce((t, k) => t + W[i][c] * ((c === k ? p[c] : 0) - p[c] * p[k]) * W[j][k], 0), 0)));
    let v = [1, 0.5, -0.3];
    for (let k = 0; k < 500; k++) {
      const w = H.map((row) => row.reduce((s, h, j) => s + h * v[j], 0));
      const n = Math.hypot(...w);
      v = w.map((u) => u / n);
    }
    const x = tf.tensor2d([x0]);
    const d = await expectNoLeak(() => tf.tidy(() => Array.from(virtualAdversarialDirection(model, x, { eps: 1, iterations: 30, rng: new Rng(2) }).dataSync())));
    expect(Math.hypot(...d)).toBeCloseTo(1, 5);
    expect(Math.abs(d.reduce((s, u, i) => s + u * v[i], 0))).toBeGreaterThan(0.999);
    // and the loss at eps is the KL in that direction, about (eps^2 / 2) d^T H d for small eps
    const eps = 1e-2;
    const kl = tf.tidy(() => vatLoss(model, x, { eps, iterations: 30, rng: new Rng(2) }).dataSync()[0]);
    const quad = 0.5 * eps * eps * H.reduce((s, row, i) => s + d[i] * row.reduce((t, h, j) => t + h * d[j], 0), 0);
    expect(kl / quad).toBeCloseTo(1, 1);
    expect(() => vatLoss(model, x, { eps: 0, rng: new Rng(1) })).toThrow(/eps/);
    x.dispose();
    model.dispose();
  });

  it('as a penalty on unlabeled data, lets 8 labels train two moons better than the labels alone', async () => {
    const rng = new Rng(3);
    const pool = moons(600, 0.1, rng.fork('pool'));
    const labeled = moons(8, 0.1, rng.fork('labels'));
    const test = moons(500, 0.1, rng.fork('test'));
    const unlabeled = tf.tensor2d(pool.x, [600, 2]);
    const accuracy = async (withVat: boolean) => {
      const model = mlp({ sizes: [2, 32, 32, 2] }, new Rng(4));
      const penalty = withVat ? vatPenalty({ model, unlabeled, batchSize: 64, alpha: 1, eps: 0.2, rng: new Rng(5) }) : undefined;
      await train({ model, data: labeled, transform: adam(0.01), batchSize: 8, steps: 400, rng: new Rng(6), progress: 'silent', penalty });
      const pred = tf.tidy(() => tf.argMax(model.apply(tf.tensor2d(test.x, [500, 2])), 1).dataSync());
      model.dispose();
      return Array.from(pred).filter((c, i) => c === test.y[i]).length / 500;
    };
    const [plain, vat] = [await accuracy(false), await accuracy(true)];
    expect(vat).toBeGreaterThan(plain + 0.03);
    unlabeled.dispose();
  });
});

describe('projected gradient ascent', () => {
  // two-class linear logits z = x W: the cross-entropy of class 0 grows fastest along w1 - w0, everywhere
  const model = mlp({ sizes: [3, 2] }, new Rng(9));
  const W = model.params[0].arraySync() as number[][];
  const u = W.map((row) => row[1] - row[0]);
  const x = tf.tensor2d([[0.2, -0.4, 0.9]]);
  const loss = (xi: tf.Tensor) => crossEntropy()(model.apply(xi), tf.tensor1d([0], 'int32'));

  it('l2: ends at x + eps (w1 - w0) / |w1 - w0|, the loss\'s maximiser on the ball', async () => {
    const adv = await expectNoLeak(() => tf.tidy(() => Array.from(pgd(loss, x, { eps: 0.5, steps: 20, stepSize: 0.1, norm: 'l2' }).dataSync())));
    const n = Math.hypot(...u);
    adv.forEach((v, i) => expect(v).toBeCloseTo([0.2, -0.4, 0.9][i] + (0.5 * u[i]) / n, 4));
  });

  it('linf: ends at x + eps sign(w1 - w0); one step of size eps is FGSM; clip keeps the range', () => {
    tf.tidy(() => {
      const adv = Array.from(pgd(loss, x, { eps: 0.1, steps: 1, stepSize: 0.1, norm: 'linf' }).dataSync());
      adv.forEach((v, i) => expect(v).toBeCloseTo([0.2, -0.4, 0.9][i] + 0.1 * Math.sign(u[i]), 5));
      const clipped = Array.from(pgd(loss, x, { eps: 2, steps: 10, stepSize: 0.5, norm: 'linf', clip: [0, 1] }).dataSync());
      clipped.forEach((v) => { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); });
    });
    expect(() => pgd(loss, x, { eps: 1, steps: 0, stepSize: 1, norm: 'l2' })).toThrow(/steps/);
  });
});

describe('adversarial training', () => {
  it('replaces the batch by PGD examples inside the ball that raise the loss, and leaves labels alone', async () => {
    const { adversarialTraining } = await import('../src/techniques/adversarial/index.js');
    const model = mlp({ sizes: [2, 16, 2] }, new Rng(1));
    const data = moons(32, 0.1, new Rng(2));
    await expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor2d(data.x, [32, 2]);
      const y = tf.tensor1d(data.y, 'int32');
      const out = adversarialTraining(model, { eps: 0.1, steps: 5, stepSize: 0.05, norm: 'linf' })({ x, y }, new Rng(3));
      expect(out.y).toBe(y);
      expect(tf.max(tf.abs(tf.sub(out.x, x))).dataSync()[0]).toBeLessThanOrEqual(0.1 + 1e-6);
      const ce = crossEntropy();
      expect(ce(model.apply(out.x), y).dataSync()[0]).toBeGreaterThan(ce(model.apply(x), y).dataSync()[0]);
    }));
    model.dispose();
  });
});
