/**
 * noiselab's fused ops (src/engine/ops): on the native backend the dense layer and Adam's update are
 * single kernels, and they must give bit for bit what the separate tfjs ops give (the claims'
 * records rest on that), to any order of differentiation, without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../src/engine/backend.js';
import { addonPath } from '../src/engine/native/addon.js';
import { adamStep } from '../src/engine/ops/adam.js';
import { dense } from '../src/engine/ops/dense.js';
import { addAll, scaleAll } from '../src/engine/ops/lists.js';
import { DENSE_KERNEL } from '../src/engine/ops/kernels.js';
import { Rng } from '../src/random/rng.js';

const built = existsSync(addonPath());
const values = (t: tf.Tensor) => Array.from(t.dataSync());
type Layer = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const unfused = (act: 'linear' | 'relu') => (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
  const z = tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
  return act === 'relu' ? tf.relu(z) : z;
};
const fused = (act: 'linear' | 'relu') => (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => dense(x as tf.Tensor2D, w as tf.Tensor2D, b, act);

describe.skipIf(!built)('fused ops on the native backend', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'native' });
    expect(tf.getBackend()).toBe('native');
  });

  it('dense: a small case by hand, ReLU masking the negative pre-activations', () => {
    const x = tf.tensor2d([[1, -1], [-2, 1]]);
    const w = tf.tensor2d([[1, 0], [0, 1]]);
    const b = tf.tensor1d([0, 0.5]);
    expect(values(dense(x, w, b, 'relu'))).toEqual([1, 0, 0, 1.5]);
    const [dx, dw, db] = tf.grads((x, w, b) => tf.sum(tf.square(fused('relu')(x, w, b))))([x, w, b]);
    // dy = 2y = [[2, 0], [0, 3]]; the mask keeps y > 0
    expect(values(dx)).toEqual([2, 0, 0, 3]);
    expect(values(dw)).toEqual([2, -6, -2, 3]);
    expect(values(db)).toEqual([2, 3]);
  });

  for (const act of ['linear', 'relu'] as const) {
    it(`dense (${act}): forward and gradients bit-identical to matMul + add${act === 'relu' ? ' + relu' : ''}, second derivatives equal to rounding`, () => {
      const rng = new Rng(7);
      const [x, w, b] = [rng.normalTensor([33, 17]), rng.normalTensor([17, 9]), rng.normalTensor([9])];
      const loss = (f: Layer) => (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.square(f(x, w, b)), tf.range(1, 10)));
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        expect(values(fused(act)(x, w, b))).toEqual(values(unfused(act)(x, w, b)));
        const g1 = tf.grads(loss(fused(act)))([x, w, b]);
        const g0 = tf.grads(loss(unfused(act)))([x, w, b]);
        g1.forEach((g, i) => expect(values(g)).toEqual(values(g0[i])));
        // reverse over reverse: the gradient of the squared gradient norm (as gradient penalties and HVPs take it)
        const penalty = (f: Layer) => tf.grads((x: tf.Tensor, w: tf.Tensor) => {
          const gs = tf.grads(loss(f))([x, w, b]);
          return tf.addN(gs.map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
        })([x, w]);
        // the same ops, but the tape sums a parameter's gradient contributions in another order
        const h1 = penalty(fused(act));
        const h0 = penalty(unfused(act));
        h1.forEach((h, i) => {
          const ref = values(h0[i]);
          const scale = Math.max(...ref.map(Math.abs));
          values(h).forEach((v, j) => expect(Math.abs(v - ref[j]) / scale).toBeLessThan(1e-6));
        });
        expect(values(h1[0]).some((v) => v !== 0)).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, b]);
    });
  }

  it('dense: a NaN input stays NaN through the ReLU and its gradient (divergence is not hidden)', () => {
    const x = tf.tensor2d([[NaN, 1]]);
    const w = tf.tensor2d([[1], [1]]);
    const b = tf.tensor1d([0]);
    expect(values(dense(x, w, b, 'relu'))[0]).toBeNaN();
    const [dw] = tf.grads((w) => tf.sum(fused('relu')(x, w, b)))([w]);
    expect(values(dw).every(Number.isNaN)).toBe(true);
  });

  it('dense only computes the gradients asked for (no leak when x is data)', () => {
    const rng = new Rng(2);
    const [x, w, b] = [rng.normalTensor([8, 5]), rng.normalTensor([5, 3]), rng.normalTensor([3])];
    const before = tf.memory().numTensors;
    tf.dispose(tf.grads((w) => tf.sum(fused('relu')(x, w, b)))([w]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('scaleAll and addAll: one kernel per list, bit-identical to tf.mul and tf.add, no leak', () => {
    const rng = new Rng(4);
    const xs = [[3, 4], [5], [0], [2, 2, 2]].map((s) => rng.normalTensor(s));
    const ys = xs.map((x) => rng.normalTensor(x.shape));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      scaleAll(xs, -0.037).forEach((t, i) => expect(values(t)).toEqual(values(tf.mul(xs[i], -0.037))));
      addAll(xs, ys).forEach((t, i) => expect(values(t)).toEqual(values(tf.add(xs[i], ys[i]))));
      expect(scaleAll([], 2)).toEqual([]);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => addAll(xs, ys.slice(1))).toThrow(/4 vs 3 tensors/);
    expect(() => addAll([xs[0]], [xs[1]])).toThrow(/tensor 0 has shape \[3,4\] vs \[5\]/);
  });

  it('adamStep: one kernel for all parameters, bit-identical to the separate ops, no leak', () => {
    const rng = new Rng(3);
    const shapes = [[50, 7], [7], [1000], [0]];
    const g = shapes.map((s) => rng.normalTensor(s));
    const m = shapes.map((s) => rng.normalTensor(s, 0, 0.1));
    const v = shapes.map((s) => tf.abs(rng.normalTensor(s, 0, 0.01)));
    const attrs = { b1: 0.9, b2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = adamStep(g, m, v, attrs);
      g.forEach((gi, i) => {
        const mi = m[i].mul(attrs.b1).add(gi.mul(1 - attrs.b1));
        const vi = v[i].mul(attrs.b2).add(gi.square().mul(1 - attrs.b2));
        expect(values(a.m[i])).toEqual(values(mi));
        expect(values(a.v[i])).toEqual(values(vi));
        expect(values(a.updates[i])).toEqual(values(mi.div(attrs.c1).div(vi.div(attrs.c2).sqrt().add(attrs.eps))));
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => adamStep(g, m.slice(1), v, attrs)).toThrow(/4 gradients, 3 first/);
  });
});

describe('fused ops elsewhere', () => {
  it('on a backend without the kernels, dense is tf.fused.matMul and agrees with the composition', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      expect(tf.getKernel(DENSE_KERNEL, 'cpu')).toBeUndefined();
      const rng = new Rng(5);
      const [x, w, b] = [rng.normalTensor([6, 4]), rng.normalTensor([4, 3]), rng.normalTensor([3])];
      const d = values(dense(x as tf.Tensor2D, w as tf.Tensor2D, b, 'relu'));
      values(unfused('relu')(x, w, b)).forEach((v, i) => expect(d[i]).toBeCloseTo(v, 5));
      expect(() => dense(x as tf.Tensor2D, w as tf.Tensor2D, b, 'tanh' as 'relu')).toThrow(/activation must be one of linear, relu/);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
