/** Models: the MLP's LayerNorm option (layout, invariance, exact second order through it) and the two-layer net of the benign-overfitting theory. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp, normParamIndices } from '../src/models/mlp.js';
import type { Model } from '../src/models/model.js';
import { twoLayerRelu } from '../src/models/two-layer.js';
import { avgPoolCnn } from '../src/models/avgpool-cnn.js';
import { Rng } from '../src/random/rng.js';
import { hessianVectorProduct } from '../src/techniques/curvature/hvp.js';
import { crossEntropy } from '../src/train/losses.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';


/**
 * max |H v - central difference of the gradient along v| / max |H v| for the model's cross-entropy on (x, y),
 * at step h (kept small enough for ReLU nets not to switch a unit's sign).
 */
function hvpError(m: Model, x: tf.Tensor, y: tf.Tensor1D, rng: Rng, h: number): number {
  const loss = (ps: tf.Tensor[]) => crossEntropy()(m.apply(x, ps), y);
  const grad = (ps: tf.Tensor[]) => tf.grads((...qs: tf.Tensor[]) => loss(qs))(ps);
  const v = m.params.map((p) => rng.normalTensor(p.shape, 0, 1));
  const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
  const hv = tf.tidy(() => flat(hessianVectorProduct(loss, m.params, v)));
  const scale = Math.max(...hv.map(Math.abs));
  const fd = tf.tidy(() => {
    const plus = grad(m.params.map((p, i) => tf.add(p, tf.mul(h, v[i]))));
    const minus = grad(m.params.map((p, i) => tf.sub(p, tf.mul(h, v[i]))));
    return flat(plus.map((a, i) => tf.div(tf.sub(a, minus[i]), 2 * h)));
  });
  tf.dispose(v);
  return maxAbsDiff(hv, fd) / scale;
}

describe('mlp with layer normalization', () => {
  it('adds a gain and shift per hidden layer after its kernel and bias, and none without the option', () => {
    const m = mlp({ sizes: [5, 7, 6, 3], norm: 'layer' }, new Rng(1));
    expect(m.paramNames.map((n) => n.split('/')[1])).toEqual(['kernel', 'bias', 'ln_gain', 'ln_shift', 'kernel', 'bias', 'ln_gain', 'ln_shift', 'kernel', 'bias']);
    expect(normParamIndices(m)).toEqual([2, 3, 6, 7]);
    expect(Array.from(m.params[2].dataSync())).toEqual(new Array(7).fill(1));
    const plain = mlp({ sizes: [5, 7, 6, 3] }, new Rng(1));
    expect(normParamIndices(plain)).toEqual([]);
    expect(plain.params.map((p) => p.shape)).toEqual(m.params.filter((_, i) => !normParamIndices(m).includes(i)).map((p) => p.shape));
    m.dispose();
    plain.dispose();
  });

  it('normalizes each hidden pre-activation: outputs do not change when a layer is scaled and shifted as a whole', async () => {
    const rng = new Rng(2);
    const m = mlp({ sizes: [4, 8, 3], norm: 'layer', activation: 'tanh' }, rng);
    const x = rng.normalTensor([10, 4], 0, 1);
    await expectNoLeak(() => {
      const out = tf.tidy(() => m.apply(x).dataSync());
      // LN(c (xW + b) + s) = LN(xW + b) for c > 0 and s the same in every unit
      const scaled = tf.tidy(() => m.apply(x, m.params.map((p, i) => (i === 0 ? tf.mul(p, 3.5) : i === 1 ? tf.add(tf.mul(p, 3.5), 2) : p))).dataSync());
      expect(maxAbsDiff(out, scaled)).toBeLessThan(1e-4);
      // and the gain does matter
      const gained = tf.tidy(() => m.apply(x, m.params.map((p, i) => (i === 2 ? tf.mul(p, 2) : p))).dataSync());
      expect(maxAbsDiff(out, gained)).toBeGreaterThan(1e-2);
    });
    x.dispose();
    m.dispose();
  });

  it('has exact Hessian-vector products (against central differences of the gradient)', () => {
    const rng = new Rng(3);
    const m = mlp({ sizes: [4, 6, 3], norm: 'layer', activation: 'tanh' }, rng);
    const x = rng.normalTensor([12, 4], 0, 1);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    // central differences err by O(h^2): 5e-3 at h = 1e-2, 5e-4 at 3e-3, float32's floor near 1e-4 at 1e-3
    expect(hvpError(m, x, y, rng, 3e-3)).toBeLessThan(2e-3);
    tf.dispose([x, y]);
    m.dispose();
  });
});

describe('CNN with average pooling (twice differentiable)', () => {
  it('has cnn\'s layout and exact Hessian-vector products through conv and average pooling (against central differences of the gradient)', () => {
    const rng = new Rng(4);
    const m = avgPoolCnn({ inputShape: [6, 6, 1], channels: [2, 3], hidden: [4], numClasses: 3 }, rng);
    expect(m.paramNames).toEqual(['conv0/kernel', 'conv0/bias', 'conv1/kernel', 'conv1/bias', 'dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias']);
    expect(m.params.map((p) => p.shape)).toEqual([[3, 3, 1, 2], [2], [3, 3, 2, 3], [3], [12, 4], [4], [4, 3], [3]]);
    const x = rng.normalTensor([10, 36], 0, 1);
    const y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i % 3), 'int32');
    // ReLU is piecewise linear: a step large enough to switch a unit's sign (here h >= 3e-3) breaks central
    // differences, so the step is kept inside the activation pattern
    expect(hvpError(m, x, y, rng, 1e-3)).toBeLessThan(2e-3);
    tf.dispose([x, y]);
    m.dispose();
  });
});

describe('two-layer ReLU network with a fixed output layer', () => {
  it('computes f = sum_j a_j relu(w_j . x) with a_j = +-1/sqrt(m), and its cross-entropy is the logistic loss', () => {
    const before = tf.memory().numTensors;
    const m = twoLayerRelu({ inputDim: 3, width: 4, initStd: 1 }, new Rng(5));
    const xs = [[1, -2, 0.5], [0.3, 0.1, -1]];
    const W = m.params[0].arraySync() as number[][];
    const f = xs.map((x) => [0, 1, 2, 3].reduce((s, j) => s + (j < 2 ? 1 : -1) / 2 * Math.max(0, x.reduce((t, xi, k) => t + xi * W[k][j], 0)), 0));
    const logits = tf.tidy(() => m.apply(tf.tensor2d(xs)).arraySync());
    logits.forEach((l, i) => {
      expect(l[0]).toBeCloseTo(-f[i] / 2, 5);
      expect(l[1]).toBeCloseTo(f[i] / 2, 5);
    });
    const y = [1, 0];
    const ce = tf.tidy(() => crossEntropy()(m.apply(tf.tensor2d(xs)), tf.tensor1d(y, 'int32')).dataSync()[0]);
    // class 1 is y = +1: log(1 + e^-f); class 0 is y = -1: log(1 + e^f); averaged over the batch
    const logistic = Math.log1p(Math.exp(-f[0])) + Math.log1p(Math.exp(f[1]));
    expect(ce).toBeCloseTo(logistic / 2, 5);
    expect(m.params).toHaveLength(1);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an odd width', () => {
    expect(() => twoLayerRelu({ inputDim: 2, width: 3, initStd: 1 }, new Rng(1))).toThrow(/width must be an even/);
  });
});
