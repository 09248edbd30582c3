/**
 * The DP-SGD training loop against its definition computed independently on a small MLP: with every
 * example sampled (q = 1) and no noise it is gradient descent on the (clipped) per-example gradients
 * taken one at a time; its noise is exactly sigma C z / (q n) with z from the 'noise' stream; the
 * non-private reference is plain gradient descent on the mean cross-entropy.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { mlp } from '../src/models/mlp.js';
import type { Model } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { poissonSample } from '../src/techniques/privacy/dp-sgd.js';
import { dpSgdTrain } from '../src/techniques/privacy/train.js';
import { crossEntropy } from '../src/train/losses.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';

const N = 10, D = 5, K = 3;

function task(seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(N * D);
  for (let i = 0; i < x.length; i++) x[i] = 2 * rng.normal();
  return { name: 'toy', x, y: Int32Array.from({ length: N }, (_, i) => i % K), featureShape: [D], numClasses: K };
}

const net = (seed: number): Model => mlp({ sizes: [D, 7, K], activation: 'tanh' }, new Rng(seed));
const values = (m: Model): Float64Array[] => m.params.map((p) => Float64Array.from(p.dataSync()));

/** Per-example gradients one at a time, each scaled to norm <= clip, summed (clip Infinity: no clipping). */
function clippedSumByHand(m: Model, data: Dataset, clip: number): Float64Array[] {
  const sum = m.params.map((p) => new Float64Array(p.size));
  for (let i = 0; i < N; i++) {
    const gs = tf.tidy(() => {
      const xi = tf.tensor2d(data.x.subarray(i * D, (i + 1) * D), [1, D]);
      const yi = tf.tensor1d([data.y[i]], 'int32');
      return tf.grads((...ps: tf.Tensor[]) => crossEntropy()(m.apply(xi, ps), yi))(m.params);
    });
    const g = gs.map((t) => Float64Array.from(t.dataSync()));
    tf.dispose(gs);
    const norm = Math.sqrt(g.reduce((s, a) => s + a.reduce((u, v) => u + v * v, 0), 0));
    const c = Math.min(1, clip / norm);
    g.forEach((a, k) => a.forEach((v, j) => { sum[k][j] += c * v; }));
  }
  return sum;
}

/** `steps` steps of w -= lr * (clipped sum) / N, recomputed on a copy of the model by hand. */
function descentByHand(seed: number, data: Dataset, lr: number, steps: number, clip: number): Float64Array[] {
  const m = net(seed);
  for (let t = 0; t < steps; t++) {
    const g = clippedSumByHand(m, data, clip);
    m.params.forEach((p, k) => p.assign(tf.tidy(() => tf.sub(p, tf.tensor(Float32Array.from(g[k], (v) => (lr * v) / N), p.shape)))));
  }
  const out = values(m);
  m.dispose();
  return out;
}

describe('DP-SGD training loop', () => {
  it('with q = 1 and sigma = 0 is gradient descent on clipped per-example gradients (clip binding and not)', async () => {
    const data = task(1);
    for (const clip of [1e6, 0.3]) {
      const m = net(2);
      const r = await expectNoLeak(() => dpSgdTrain(m, data, { q: 1, steps: 3, lr: 0.5, clipNorm: clip, sigma: 0, activation: 'tanh', rng: new Rng(3) }));
      expect(r).toEqual({ steps: 3, emptySamples: 0, examples: 3 * N });
      const expected = descentByHand(2, data, 0.5, 3, clip);
      values(m).forEach((v, k) => expect(maxAbsDiff(v, expected[k])).toBeLessThan(1e-5));
      m.dispose();
    }
    // the small bound binds: clipped and unclipped descent differ
    expect(maxAbsDiff(descentByHand(2, data, 0.5, 1, 0.3)[0], descentByHand(2, data, 0.5, 1, 1e6)[0])).toBeGreaterThan(1e-3);
  });

  it('the non-private reference (sigma null) with q = 1 is gradient descent on the mean cross-entropy', () => {
    const data = task(4);
    const m = net(5);
    dpSgdTrain(m, data, { q: 1, steps: 2, lr: 0.3, clipNorm: 1e-3, sigma: null, activation: 'tanh', rng: new Rng(6) });
    const expected = descentByHand(5, data, 0.3, 2, Infinity);
    values(m).forEach((v, k) => expect(maxAbsDiff(v, expected[k])).toBeLessThan(1e-5));
    m.dispose();
  });

  it('adds exactly lr sigma C z / (q n), z the standard normals of the rng\'s noise stream', () => {
    const data = task(7);
    const [sigma, clip, lr, q] = [2, 0.5, 0.1, 1];
    const quiet = net(8);
    const noisy = net(8);
    dpSgdTrain(quiet, data, { q, steps: 1, lr, clipNorm: clip, sigma: 0, activation: 'tanh', rng: new Rng(9) });
    dpSgdTrain(noisy, data, { q, steps: 1, lr, clipNorm: clip, sigma, activation: 'tanh', rng: new Rng(9) });
    const stream = new Rng(9).fork('noise');
    const [a, b] = [values(quiet), values(noisy)];
    quiet.params.forEach((p, k) => {
      const z = stream.normalTensor(p.shape, 0, sigma * clip);
      const expected = Array.from(z.dataSync(), (v) => (-lr * v) / (q * N));
      z.dispose();
      expect(maxAbsDiff(b[k].map((v, j) => v - a[k][j]), expected)).toBeLessThan(1e-6);
    });
    quiet.dispose();
    noisy.dispose();
  });

  it('draws its Poisson samples from the rng\'s sampling stream, and steps on an empty sample only when private', () => {
    const data = task(10);
    const q = 0.08;
    const stream = new Rng(11).fork('sampling');
    const sizes = Array.from({ length: 40 }, () => poissonSample(N, q, stream).length);
    const empty = sizes.filter((s) => s === 0).length;
    expect(empty).toBeGreaterThan(0);
    for (const sigma of [1, null]) {
      const m = net(12);
      const r = dpSgdTrain(m, data, { q, steps: 40, lr: 0.1, clipNorm: 1, sigma, activation: 'tanh', rng: new Rng(11) });
      expect(r).toEqual({ steps: sigma === null ? 40 - empty : 40, emptySamples: empty, examples: sizes.reduce((s, v) => s + v, 0) });
      m.dispose();
    }
    const m = net(1);
    expect(() => dpSgdTrain(m, data, { q: 0, steps: 1, lr: 0.1, clipNorm: 1, sigma: 1, activation: 'tanh', rng: new Rng(1) })).toThrow(/q must be in/);
    m.dispose();
  });
});
