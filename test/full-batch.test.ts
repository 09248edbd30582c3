/** Full-batch training with the sub-batch gradient penalty: its gradient against closed forms and central differences. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { finiteDifferencePenaltyGradient, fullBatchOptimizer, linearWarmup, penaltyGradientError, subBatchGradientPenalty, subBatchPenaltyGradient, warmupCosine } from '../src/techniques/full-batch/index.js';
import { mlp } from '../src/models/mlp.js';
import type { ParamLoss } from '../src/techniques/curvature/hvp.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { expectNoLeak } from './helpers.js';

// two quadratic sub-batch losses L_k = 1/2 t^T A_k t - b_k^T t: grad L_k = A_k t - b_k, H_k grad L_k = A_k (A_k t - b_k)
const As = [[[2, 0.5, 0], [0.5, 1, -0.3], [0, -0.3, 3]], [[1, 0, 0.2], [0, 0.5, 0], [0.2, 0, 2]]];
const bs = [[1, -1, 0.5], [0, 2, -1]];
const theta = [0.4, -0.7, 0.2];
const mv = (A: number[][], v: number[]) => A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
const quadratic = (k: number): ParamLoss => (ps) => tf.tidy(() => {
  const t = ps[0] as tf.Tensor1D;
  const At = tf.matMul(tf.tensor2d(As[k]), t.expandDims(1)).squeeze();
  return tf.sub(tf.mul(0.5, tf.sum(tf.mul(t, At))), tf.sum(tf.mul(tf.tensor1d(bs[k]), t))) as tf.Scalar;
});
const want = theta.map((_, i) => 0.5 * As.reduce((s, A, k) => s + mv(A, mv(A, theta).map((g, j) => g - bs[k][j]))[i], 0));

const values = (ts: tf.Tensor[]) => { const v = Array.from(ts[0].dataSync()); tf.dispose(ts); return v; };

describe('full-batch gradient penalty', () => {
  it('equals the mean of A_k (A_k theta - b_k) over quadratic sub-batches, by finite differences and by double backprop', async () => {
    const p = [tf.tensor1d(theta)];
    const losses = [quadratic(0), quadratic(1)];
    for (const method of ['finite-difference', 'exact'] as const) {
      const got = await expectNoLeak(() => values(subBatchPenaltyGradient(losses, p, { method, h: 0.05 })));
      // a finite difference is exact on a quadratic (constant Hessian): only float32 rounding remains
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    }
    expect(() => subBatchPenaltyGradient([], p)).toThrow(/at least one/);
    p[0].dispose();
  });

  it('is the gradient of (1/2) mean_k ||grad L_k||^2 on softmax regression (central differences of the penalty itself)', async () => {
    const rng = new Rng(7);
    const [n, d, c] = [12, 4, 3];
    const x = rng.normalTensor([n, d], 0, 1);
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % c), 'int32');
    const w0 = Array.from({ length: d * c }, () => 0.5 * rng.normal());
    const loss = (lo: number, hi: number): ParamLoss => (ps) => tf.tidy(() => {
      const logits = tf.matMul(x.slice([lo, 0], [hi - lo, d]), ps[0].reshape([d, c]) as tf.Tensor2D);
      return crossEntropy()(logits as tf.Tensor2D, y.slice([lo], [hi - lo]));
    });
    const losses = [loss(0, 4), loss(4, 8), loss(8, 12)];
    const penalty = (w: number[]) => tf.tidy(() => {
      const t = tf.tensor1d(w);
      const r = losses.map((l) => tf.sum(tf.square(tf.grads((q: tf.Tensor) => l([q]))([t])[0])).dataSync()[0]);
      return 0.5 * r.reduce((s, v) => s + v, 0) / r.length;
    });
    const eps = 1e-2;
    const central = w0.map((_, i) => {
      const up = w0.slice(), dn = w0.slice();
      up[i] += eps; dn[i] -= eps;
      return (penalty(up) - penalty(dn)) / (2 * eps);
    });
    const p = [tf.tensor1d(w0)];
    const exact = await expectNoLeak(() => values(subBatchPenaltyGradient(losses, p, { method: 'exact' })));
    const fd = await expectNoLeak(() => values(subBatchPenaltyGradient(losses, p, { h: 1e-3 })));
    const fdNormalised = await expectNoLeak(() => values(subBatchPenaltyGradient(losses, p, { eps: 1e-3 })));
    const scale = Math.hypot(...central);
    expect(Math.hypot(...exact.map((v, i) => v - central[i])) / scale).toBeLessThan(2e-3);
    // the paper's finite difference: O(h) away from the exact gradient
    expect(Math.hypot(...fd.map((v, i) => v - exact[i])) / scale).toBeLessThan(2e-2);
    expect(Math.hypot(...fdNormalised.map((v, i) => v - exact[i])) / scale).toBeLessThan(2e-2);

    tf.dispose([x, y, p[0]]);
  });

  it('on a ReLU MLP: double backprop is the central difference of the penalty, and the normalised forward difference (the paper\'s) is close at a small step', async () => {
    const net = mlp({ sizes: [5, 4, 3] }, new Rng(3));
    const x = new Rng(5).normalTensor([10, 5], 0, 1);
    const y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i % 3), 'int32');
    const losses: ParamLoss[] = [(ps) => crossEntropy()(net.apply(x, ps), y)];
    const shapes = net.params.map((q) => q.shape);
    const flat = (ts: tf.Tensor[]) => { const v = ts.flatMap((t) => Array.from(t.dataSync())); tf.dispose(ts); return v; };
    const w0 = flat(net.params.map((q) => q.clone()));
    const penalty = (w: number[]) => tf.tidy(() => {
      let o = 0;
      const ps = shapes.map((s) => { const k = s.reduce((a, b) => a * b, 1); const t = tf.tensor(w.slice(o, o + k), s); o += k; return t; });
      const g = tf.grads((...q: tf.Tensor[]) => losses[0](q))(ps);
      return 0.5 * tf.addN(g.map((t) => tf.sum(tf.square(t)))).dataSync()[0];
    });
    const e = 1e-3;
    const central = w0.map((_, i) => { const up = w0.slice(), dn = w0.slice(); up[i] += e; dn[i] -= e; return (penalty(up) - penalty(dn)) / (2 * e); });
    const exact = await expectNoLeak(() => flat(subBatchPenaltyGradient(losses, net.params, { method: 'exact' })));
    const fd = await expectNoLeak(() => flat(subBatchPenaltyGradient(losses, net.params, { eps: 1e-3 })));
    const scale = Math.hypot(...central);
    expect(Math.hypot(...exact.map((v, i) => v - central[i])) / scale).toBeLessThan(2e-3);
    expect(Math.hypot(...fd.map((v, i) => v - exact[i])) / scale).toBeLessThan(1e-2);
    // the same measured by penaltyGradientError (eps 0.01 crosses no kink on this small case either)
    expect(await expectNoLeak(() => penaltyGradientError(losses, net.params, { eps: 1e-2 }))).toBeLessThan(3e-2);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('normalises the forward-difference step: h = eps / ||grad L|| moves the parameters by eps, exact on a quadratic', async () => {
    const p = [tf.tensor1d(theta)];
    const got = await expectNoLeak(() => values(finiteDifferencePenaltyGradient(quadratic(0), p, { eps: 0.01 })));
    const g0 = mv(As[0], theta).map((v, j) => v - bs[0][j]);
    mv(As[0], g0).forEach((w, i) => expect(got[i]).toBeCloseTo(w, 3));
    expect(warmupCosine(1, 2, 6)(0)).toBeCloseTo(0.5, 12);
    expect(warmupCosine(1, 2, 6)(2)).toBeCloseTo(1, 12);
    expect(warmupCosine(1, 2, 6)(4)).toBeCloseTo(0.5, 12);
    expect(warmupCosine(1, 2, 6)(6)).toBeCloseTo(0, 12);
    p[0].dispose();
  });

  it('adds lambda x the penalty gradient, clips, and warms up', async () => {
    const p = [tf.tensor1d(theta)];
    const losses = [quadratic(0), quadratic(1)];
    const g = [tf.tensor1d([1, 2, 3])];
    const t = subBatchGradientPenalty(0.3, losses, { method: 'exact' });
    const got = await expectNoLeak(() => tf.tidy(() => Array.from(t.update(g, null, p, { step: 0, rng: new Rng(1) })[0].dataSync())));
    got.forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3][i] + 0.3 * want[i], 4));
    const warm = linearWarmup(0.4, 4);
    expect([0, 1, 3, 4, 100].map(warm)).toEqual([0.1, 0.2, 0.4, 0.4, 0.4]);
    expect(linearWarmup(0.4, 0)(0)).toBe(0.4);
    // no penalty, no clip, no momentum: one plain step -lr g; clipping to 1 rescales g = (1, 2, 3) by 1 / sqrt(14)
    const step = (o: Parameters<typeof fullBatchOptimizer>[0]) => tf.tidy(() => {
      const tr = fullBatchOptimizer(o);
      const s = tr.init(p);
      const out = Array.from(tr.update(g, s, p, { step: 0, rng: new Rng(1) })[0].dataSync());
      tr.dispose(s);
      return out;
    });
    step({ lr: 0.5, momentum: 0 }).forEach((v, i) => expect(v).toBeCloseTo(-0.5 * [1, 2, 3][i], 6));
    step({ lr: 0.5, momentum: 0.9, clip: 1, warmup: 5 }).forEach((v, i) => expect(v).toBeCloseTo((-0.1 * [1, 2, 3][i]) / Math.sqrt(14), 6));
    expect(() => subBatchGradientPenalty(-1, losses)).toThrow(/lambda/);
    tf.dispose([p[0], g[0]]);
  });
});
