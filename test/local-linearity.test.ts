import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initEngine } from '../src/engine/backend.js';
import { mlp } from '../src/models/mlp.js';
import { dense } from '../src/engine/ops/dense.js';
import { Rng } from '../src/random/rng.js';
import {
  catastrophicDrop, drawLinearityTriple, ellePenalty, exampleCrossEntropy, gradAlignPenalty, linearityErrors, matmulFlops, robustAccuracy, stepFlops, trainSingleStep,
} from '../src/techniques/local-linearity/index.js';

/** per example x_i^T A x_i for 2-D inputs */
const quadratic = (a: number[][]) => (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, tf.tensor2d(a)), x), 1) as tf.Tensor1D);

describe('local-linearity: ELLE', () => {
  it('is exactly zero for a loss affine in the input', async () => {
    await initEngine({ quiet: true });
    const before = tf.memory().numTensors;
    const affine = (x: tf.Tensor) => tf.tidy(() => tf.add(tf.sum(tf.mul(x, tf.tensor1d([3, -2, 5])), 1), 7) as tf.Tensor1D);
    // dyadic values: every product and sum is exact in float32, so the error is exactly 0
    const d = { xa: tf.tensor2d([[0.5, 0.25, -1], [2, 0.125, 0.75]]), xb: tf.tensor2d([[1, -0.5, 0.25], [0, 1.5, -0.25]]), alpha: tf.tensor1d([0.5, 0.25]) };
    expect(Array.from(tf.tidy(() => linearityErrors(affine, d).dataSync()))).toEqual([0, 0]);
    // random triples: zero to float32 rounding of losses of order 10
    const x = tf.tensor2d([[0.2, 0.4, 0.6], [0.9, 0.1, 0.5]]);
    const v = tf.tidy(() => ellePenalty(affine, x, 0.3, new Rng(4), [0, 1]).dataSync()[0]);
    expect(v).toBeLessThan(1e-9);
    tf.dispose([d.xa, d.xb, d.alpha, x]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the hand value on a quadratic: (alpha (1 - alpha) (a - b)^T A (a - b))^2', async () => {
    await initEngine({ quiet: true });
    const a = [[2, 1], [1, 3]];
    const d = { xa: tf.tensor2d([[1, 0], [0.5, -1]]), xb: tf.tensor2d([[0, 1], [2, 1]]), alpha: tf.tensor1d([0.5, 0.2]) };
    const e = tf.tidy(() => linearityErrors(quadratic(a), d).dataSync());
    // first: L(a) = 2, L(b) = 3, L((0.5, 0.5)) = 1.75; 1.75 - 2.5 = -0.75 = -0.25 * (1, -1) A (1, -1)^T
    expect(e[0]).toBeCloseTo(0.5625, 6);
    // second: a - b = (-1.5, -2): (a-b)^T A (a-b) = 2 * 2.25 + 2 * 3 + 3 * 4 = 22.5; times 0.2 * 0.8 = 3.6
    expect(e[1]).toBeCloseTo(3.6 ** 2, 4);
    tf.dispose([d.xa, d.xb, d.alpha]);
  });

  it('draws x_a, x_b inside the clipped eps-ball and alpha in [0, 1]', async () => {
    await initEngine({ quiet: true });
    const x = tf.tensor2d([[0, 0.5, 1, 0.95]]);
    const d = drawLinearityTriple(x, 0.1, new Rng(2), [0, 1]);
    for (const t of [d.xa, d.xb]) {
      const v = t.dataSync(), xs = x.dataSync();
      v.forEach((vi, i) => { expect(Math.abs(vi - xs[i])).toBeLessThanOrEqual(0.1 + 1e-7); expect(vi).toBeGreaterThanOrEqual(0); expect(vi).toBeLessThanOrEqual(1); });
    }
    const al = d.alpha.dataSync()[0];
    expect(al).toBeGreaterThanOrEqual(0);
    expect(al).toBeLessThanOrEqual(1);
    tf.dispose([x, d.xa, d.xb, d.alpha]);
  });
});

describe('local-linearity: GradAlign', () => {
  it('equals 1 - cos of the exact input gradients 2 A x and 2 A (x + eta), with eta from the same stream', async () => {
    await initEngine({ quiet: true });
    const a = [[2, 1], [1, 3]];
    const xs = [[0.3, -0.7], [1, 0.2]];
    const x = tf.tensor2d(xs);
    const sum = (xi: tf.Tensor) => tf.sum(quadratic(a)(xi)) as tf.Scalar;
    const got = tf.tidy(() => gradAlignPenalty(sum, x, 0.5, new Rng(8)).dataSync()[0]);
    const eta = tf.tidy(() => new Rng(8).uniformTensor([2, 2], -0.5, 0.5).arraySync() as number[][]);
    const g = (p: number[]) => [2 * (a[0][0] * p[0] + a[0][1] * p[1]), 2 * (a[1][0] * p[0] + a[1][1] * p[1])];
    const want = xs.reduce((s, xi, i) => {
      const g1 = g(xi), g2 = g([xi[0] + eta[i][0], xi[1] + eta[i][1]]);
      return s + (1 - (g1[0] * g2[0] + g1[1] * g2[1]) / (Math.hypot(...g1) * Math.hypot(...g2))) / 2;
    }, 0);
    expect(got).toBeCloseTo(want, 6);
    // eps = 0: identical gradients, no misalignment
    expect(tf.tidy(() => gradAlignPenalty(sum, x, 0, new Rng(8)).dataSync()[0])).toBeCloseTo(0, 6);
    x.dispose();
  });

  it('is differentiable in the weights (double backprop), matching central differences', async () => {
    await initEngine({ quiet: true });
    const rng = new Rng(12);
    const w = tf.variable(rng.normalTensor([3, 4], 0, 0.7));
    const v = rng.normalTensor([4, 1]);
    const x = rng.normalTensor([5, 3]);
    const pen = (wt: tf.Tensor) => gradAlignPenalty((xi) => tf.sum(tf.matMul(tf.tanh(tf.matMul(xi as tf.Tensor2D, wt as tf.Tensor2D)), v as tf.Tensor2D)) as tf.Scalar, x, 0.5, new Rng(3));
    const g = tf.tidy(() => tf.grad(pen)(w).dataSync());
    const h = 1e-2;
    const w0 = w.dataSync().slice();
    for (const q of [0, 5, 11]) {
      const at = (delta: number) => tf.tidy(() => { const wq = Float32Array.from(w0); wq[q] += delta; return pen(tf.tensor2d(wq, [3, 4])).dataSync()[0]; });
      expect(g[q]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 2);
    }
    tf.dispose([w, v, x]);
  });

  it('on the claim\'s path (ReLU MLP, per-example cross-entropy) its weight gradient (double backprop) matches central differences of the penalty at the same draw', async () => {
    await initEngine({ quiet: true });
    const model = mlp({ sizes: [5, 6, 3] }, new Rng(21));
    const rng = new Rng(22);
    const x = rng.uniformTensor([4, 5], 0.2, 0.8);
    const y = tf.tensor1d([0, 2, 1, 2], 'int32');
    const before = tf.memory().numTensors;
    // the penalty as a function of the parameters, with the same noise draw (Rng(9)) every call
    const pen = (...ps: tf.Tensor[]) => gradAlignPenalty((xi) => tf.sum(exampleCrossEntropy(model.apply(xi, ps) as tf.Tensor2D, y)) as tf.Scalar, x, 0.5, new Rng(9));
    const grads = tf.tidy(() => tf.grads(pen)(model.params).map((g) => g.dataSync()));
    const base = model.params.map((q) => q.dataSync().slice());
    const at = (pi: number, q: number, delta: number) => tf.tidy(() => {
      const ps = base.map((v, j) => { const w = Float32Array.from(v); if (j === pi) w[q] += delta; return tf.tensor(w, model.params[j].shape); });
      return pen(...ps).dataSync()[0];
    });
    // the penalty is smooth away from ReLU kinks: a step of 1e-2 keeps every unit on its side for these points
    const h = 1e-2;
    let checked = 0;
    for (let pi = 0; pi < model.params.length; pi++) {
      for (const q of [1, 2, model.params[pi].size - 1]) {
        const fd = (at(pi, q, h) - at(pi, q, -h)) / (2 * h);
        expect(Math.abs(grads[pi][q] - fd)).toBeLessThan(2e-5 + 0.01 * Math.abs(fd));
        checked += Math.abs(fd) > 1e-3 ? 1 : 0;
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('local-linearity: cost', () => {
  it('matmulFlops counts 2 m k n per product, forward, backward and double backward, by hand', async () => {
    await initEngine({ quiet: true });
    const [m, k, n] = [3, 4, 5];
    const a = tf.ones([m, k]) as tf.Tensor2D, b = tf.ones([k, n]) as tf.Tensor2D, bias = tf.zeros([n]);
    const mkn = 2 * m * k * n;
    expect(await matmulFlops(() => tf.tidy(() => { tf.matMul(a, b); }))).toBe(mkn);
    expect(await matmulFlops(() => tf.tidy(() => { dense(a, b, bias, 'relu'); }))).toBe(mkn);
    // forward, then dx = dy W^T and dW = x^T dy (one product each) and db (m n additions)
    expect(await matmulFlops(() => tf.tidy(() => { tf.grads((xa: tf.Tensor, w: tf.Tensor, bb: tf.Tensor) => tf.sum(dense(xa as tf.Tensor2D, w as tf.Tensor2D, bb, 'relu')))([a, b, bias]); }))).toBe(3 * mkn + m * n);
    // a transposed product (as in the recorded higher-derivative path): a^T [k, m] x c [m, n]
    const c = tf.ones([m, n]) as tf.Tensor2D;
    expect(await matmulFlops(() => tf.tidy(() => { tf.matMul(a, c, true, false); }))).toBe(mkn);
    tf.dispose([a, b, bias, c]);
  });

  it('stepFlops: FGSM-AT < ELLE < GradAlign on an MLP, FGSM-AT by hand, and no tensor leaks', async () => {
    await initEngine({ quiet: true });
    const model = mlp({ sizes: [8, 6, 3] }, new Rng(1));
    const x = new Rng(2).uniformTensor([4, 8], 0, 1);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const before = tf.memory().numTensors;
    const f = await stepFlops(model, 'fgsm', 0.1, 0, x, y, new Rng(3));
    const e = await stepFlops(model, 'elle', 0.1, 1, x, y, new Rng(3));
    const g = await stepFlops(model, 'gradAlign', 0.1, 1, x, y, new Rng(3));
    expect(tf.memory().numTensors).toBe(before);
    // FGSM-AT: the attack (2 forward products, 2 input-gradient products: dx of each layer), the loss on the
    // FGSM example (2 forward) and its gradient (layer 2: dx, dW, db; layer 1: dW, db; no dx of the input)
    const [l1, l2] = [2 * 4 * 8 * 6, 2 * 4 * 6 * 3];
    const attack = 2 * (l1 + l2);
    expect(f).toBeGreaterThanOrEqual(attack + (l1 + l2) + (l2 + 4 * 3) + (l1 + 4 * 6));
    expect(f).toBeLessThanOrEqual(attack + (l1 + l2) + (2 * l2 + 4 * 3) + (2 * l1 + 4 * 6));
    expect(e).toBeGreaterThan(f);
    expect(g).toBeGreaterThan(e);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('local-linearity: training and catastrophic overfitting', () => {
  it('catastrophicDrop: the largest epoch-to-epoch fall of PGD accuracy', () => {
    expect(catastrophicDrop([0.3, 0.4, 0.05, 0.02])).toEqual({ drop: expect.closeTo(0.35, 12), overfit: true });
    expect(catastrophicDrop([0.3, 0.4, 0.2])).toEqual({ drop: expect.closeTo(0.2, 12), overfit: false });
    expect(catastrophicDrop([0.1, 0.2])).toEqual({ drop: 0, overfit: false });
  });

  it('per-example cross-entropy, robust accuracy at eps 0 = clean accuracy, and each method trains without leaking tensors', async () => {
    await initEngine({ quiet: true });
    const logits = tf.tensor2d([[0, 0], [Math.log(3), 0]]);
    const ce = tf.tidy(() => exampleCrossEntropy(logits, tf.tensor1d([0, 1], 'int32')).dataSync());
    expect(ce[0]).toBeCloseTo(Math.log(2), 6);
    expect(ce[1]).toBeCloseTo(Math.log(4), 6);
    logits.dispose();
    const rng = new Rng(5);
    const n = 64;
    const x = Float32Array.from({ length: n * 6 }, () => rng.uniform());
    const y = Int32Array.from({ length: n }, (_, i) => (x[i * 6] > 0.5 ? 1 : 0));
    const data = { name: 'toy', x, y, featureShape: [6], numClasses: 2 };
    const before = tf.memory().numTensors;
    for (const method of ['fgsm', 'elle', 'gradAlign'] as const) {
      const model = mlp({ sizes: [6, 16, 2] }, new Rng(1));
      const r = await trainSingleStep({ model, train: data, evalSet: data, method, eps: 0.05, lambda: 1, epochs: 2, batch: 16, lr: 0.01, pgdSteps: 3, rng: new Rng(2) });
      expect(r.status).toBe('ok');
      expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      const clean = robustAccuracy(model, data, 0, 1, 1);
      expect(clean).toBe(r.epochs[1].clean);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
