/** Subspace training: Walsh-Hadamard and Fastfood against dense matrices, dz = P^T dtheta, identity = full training, d90 on a grid. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { snapshotParams } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import {
  denseProjection, dimensionGrid, fastfoodProjection, flattenParams, hadamardMatrix, identityProjection, projectionMatrix, randomProjection, subspaceModel, thresholdDimension, walshHadamard,
} from '../src/techniques/intrinsic-dimension/index.js';
import { train } from '../src/train/loop.js';
import { crossEntropy } from '../src/train/losses.js';
import { adam } from '../src/train/transforms.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';

const denseApply = (m: Float32Array | Float64Array, rows: number, cols: number, v: ArrayLike<number>) =>
  Array.from({ length: rows }, (_, i) => { let s = 0; for (let j = 0; j < cols; j++) s += m[i * cols + j] * v[j]; return s; });

describe('projections', () => {
  it('the fast Walsh-Hadamard transform equals the dense Sylvester matrix, for any Kronecker split', async () => {
    const h2 = hadamardMatrix(2);
    expect(Array.from(h2)).toEqual([1, 1, 1, -1]);
    const L = 64;
    const x = new Rng(1).normalArray(L);
    const want = denseApply(hadamardMatrix(L), L, L, x);
    for (const factors of [undefined, [8, 8], [2, 4, 8], [64]]) {
      const got = await expectNoLeak(() => tf.tidy(() => Array.from(walshHadamard(tf.tensor1d(x), factors).dataSync())));
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    }
    expect(() => hadamardMatrix(6)).toThrow(/power of two/);
    const [small, large] = [randomProjection(10, 5, new Rng(1), 50), randomProjection(10, 6, new Rng(1), 50)];
    expect([small.kind, large.kind]).toEqual(['dense', 'fastfood']);
    [small, large].forEach((q) => q.dispose());
  });

  it('Fastfood equals S [H G Pi H B]_{1..D, 1..d} built densely from the same draws, with unit expected column norm', () => {
    const [D, d, L] = [40, 7, 64];
    const p = fastfoodProjection(D, d, new Rng(5));
    const got = projectionMatrix(p);
    p.dispose();
    // the same draws, in the same order
    const rng = new Rng(5);
    const signs = Array.from({ length: L }, () => (rng.uniform() < 0.5 ? -1 : 1));
    const perm = rng.permutation(L);
    const g = rng.normalArray(L);
    const H = hadamardMatrix(L);
    const scale = 1 / Math.sqrt(D * g.reduce((s, v) => s + v * v, 0));
    for (let j = 0; j < d; j++) {
      const hb = Array.from({ length: L }, (_, i) => H[i * L + j] * signs[j]); // H B e_j
      const inner = Array.from({ length: L }, (_, i) => g[i] * hb[perm[i]]); // G Pi (gather)
      const col = denseApply(H, L, L, inner).slice(0, D).map((v) => v * scale);
      expect(maxAbsDiff(Array.from({ length: D }, (_, i) => got[i * d + j]), col)).toBeLessThan(1e-4);
    }
    // unit expected column norm: the mean squared column norm over many columns is about 1
    const q = fastfoodProjection(1000, 200, new Rng(6));
    const m = projectionMatrix(q);
    q.dispose();
    let s = 0;
    for (let i = 0; i < m.length; i++) s += m[i] * m[i];
    expect(s / 200).toBeGreaterThan(0.9);
    expect(s / 200).toBeLessThan(1.1);
  });
});

describe('subspace training', () => {
  const rng = new Rng(11);
  const x = rng.normalTensor([16, 6], 0, 1);
  const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32');

  it('the gradient with respect to z is P^T grad_theta (dense P^T times the full-space gradient)', async () => {
    const base = mlp({ sizes: [6, 5, 3], activation: 'tanh' }, new Rng(12));
    const D = 6 * 5 + 5 + 5 * 3 + 3;
    for (const make of [(r: Rng) => fastfoodProjection(D, 9, r), (r: Rng) => denseProjection(D, 9, r)]) {
      const proj = make(new Rng(13));
      const sub = subspaceModel(base, proj);
      // move z off 0 so theta != theta_0
      sub.params[0].assign(tf.tidy(() => new Rng(14).normalTensor([9], 0, 0.5)));
      const loss = (m: typeof base, ps?: tf.Tensor[]) => crossEntropy()(m.apply(x, ps), y);
      const [gz, gTheta] = await expectNoLeak(() => tf.tidy(() => {
        const gz = tf.grads((z: tf.Tensor) => loss(sub, [z]))([sub.params[0]])[0].dataSync();
        const theta = sub.theta();
        const gt = tf.grads((...ps: tf.Tensor[]) => loss(base, ps))(theta);
        return [Array.from(gz), Array.from(flattenParams(gt).dataSync())];
      }));
      const P = projectionMatrix(proj);
      const want = Array.from({ length: 9 }, (_, j) => gTheta.reduce((s, g, i) => s + P[i * 9 + j] * g, 0));
      expect(maxAbsDiff(gz, want) / Math.max(...want.map(Math.abs))).toBeLessThan(1e-4);
      sub.dispose();
      proj.dispose();
    }
    expect(() => subspaceModel(base, identityProjection(D + 1))).toThrow(/D = /);
    base.dispose();
  });

  it('with d = D and P = I, subspace training is full training (same optimiser, same batches)', async () => {
    const data = { name: 'toy', x: x.dataSync() as Float32Array, y: y.dataSync() as Int32Array, featureShape: [6], numClasses: 3 };
    const full = mlp({ sizes: [6, 5, 3] }, new Rng(21));
    const base = mlp({ sizes: [6, 5, 3] }, new Rng(21));
    const D = 6 * 5 + 5 + 5 * 3 + 3;
    const sub = subspaceModel(base, identityProjection(D));
    const run = (m: typeof full) => train({ model: m, data, transform: adam(0.05), batchSize: 4, steps: 12, rng: new Rng(22), progress: 'silent' });
    await run(full);
    await run(sub);
    const [a, b] = tf.tidy(() => [flattenParams(full.params).dataSync(), flattenParams(sub.theta()).dataSync()]);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    // and training moved the parameters (the comparison is not of two untouched initialisations)
    const init = mlp({ sizes: [6, 5, 3] }, new Rng(21));
    const c = tf.tidy(() => flattenParams(snapshotParams(init)).dataSync());
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0.05);
    [full, base, sub, init].forEach((m) => m.dispose());
  });
});

describe('d90 on a grid', () => {
  const dims = [10, 100, 1000];
  it('interpolates ln d linearly in accuracy at the first crossing; censors at the ends', () => {
    // target 0.7 between 0.6 (d = 10) and 0.8 (d = 100): halfway in ln d, sqrt(10 * 100)
    expect(thresholdDimension(dims, [0.6, 0.8, 0.9], 0.7).d).toBeCloseTo(Math.sqrt(1000), 9);
    expect(thresholdDimension(dims, [0.6, 0.8, 0.9], 0.7).censored).toBe('none');
    expect(thresholdDimension(dims, [0.2, 0.5, 0.9], 0.8)).toMatchObject({ censored: 'none' });
    expect(thresholdDimension(dims, [0.2, 0.5, 0.9], 0.8).d).toBeCloseTo(Math.exp(Math.log(100) + 0.75 * Math.log(10)), 9);
    // the first crossing counts, a later dip does not
    expect(thresholdDimension(dims, [0.1, 0.9, 0.5], 0.5).d).toBeCloseTo(Math.exp(Math.log(10) + 0.5 * Math.log(10)), 9);
    expect(thresholdDimension(dims, [0.95, 0.96, 0.97], 0.9)).toEqual({ d: 10, censored: 'below' });
    expect(thresholdDimension(dims, [0.1, 0.2, 0.3], 0.9)).toEqual({ d: 1000, censored: 'above' });
    expect(thresholdDimension(dims, [0.1, 0.9, 0.95], 0.9).d).toBeCloseTo(100, 9);
    expect(() => thresholdDimension([10, 5], [0.1, 0.2], 0.1)).toThrow(/increasing/);
  });
  it('a log-spaced integer grid', () => {
    expect(dimensionGrid(10, 1000, 3)).toEqual([10, 100, 1000]);
    // rounding would repeat a value: each point is at least one above the last
    expect(dimensionGrid(1, 3, 5)).toEqual([1, 2, 3, 4, 5]);
  });
});
