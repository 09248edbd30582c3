/** Manifold mixup against a hand computation on a [2, 3, 2] ReLU MLP. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { manifoldMixup, mlpForwardMixed } from '../src/techniques/augmentation/manifold-mixup.js';

const W0 = [[1, -1, 0.5], [2, 0, -1]];
const b0 = [0.1, 0.2, -0.3];
const W1 = [[1, 0], [0, 1], [-1, 2]];
const b1 = [0, 0.5];
const X = [[1, 2], [-1, 0.5], [0, -2]];

const relu = (v: number) => Math.max(0, v);
const dense = (h: number[], W: number[][], b: number[]) => b.map((bj, j) => bj + h.reduce((a, hi, i) => a + hi * W[i][j], 0));

describe('manifold mixup', () => {
  const ps = () => [tf.tensor2d(W0), tf.tensor1d(b0), tf.tensor2d(W1), tf.tensor1d(b1)];

  it('mixes the hidden layer (k = 1) exactly: lambda h_i + (1 - lambda) h_perm(i), then the output layer', () => {
    const lambda = 0.3;
    const perm = Int32Array.from([2, 0, 1]);
    const h = X.map((x) => dense(x, W0, b0).map(relu));
    const want = h.map((hi, i) => dense(hi.map((v, j) => lambda * v + (1 - lambda) * h[perm[i]][j]), W1, b1));
    const p = ps();
    const got = tf.tidy(() => mlpForwardMixed(tf.tensor2d(X), p, { lambda, perm, layer: 1 }).arraySync());
    tf.dispose(p);
    got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
  });

  it('at k = 0 it is input mixup, and without a mix it is the plain network', () => {
    const lambda = 0.8;
    const perm = Int32Array.from([1, 2, 0]);
    const plain = (x: number[]) => dense(dense(x, W0, b0).map(relu), W1, b1);
    const want = X.map((x, i) => plain(x.map((v, j) => lambda * v + (1 - lambda) * X[perm[i]][j])));
    const p = ps();
    const [mixed, none] = tf.tidy(() => [mlpForwardMixed(tf.tensor2d(X), p, { lambda, perm, layer: 0 }).arraySync(), mlpForwardMixed(tf.tensor2d(X), p, null).arraySync()]);
    tf.dispose(p);
    mixed.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
    none.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(plain(X[i])[j], 5)));
  });

  it('the wrapped model mixes on the forward pass after a drawn mix only, with the labels of the same partners', () => {
    const base = mlp({ sizes: [2, 3, 2] }, new Rng(1));
    const { model, augment } = manifoldMixup(base, 1, [1]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.tensor2d(X);
      const y = tf.tensor1d([0, 1, 1], 'int32');
      const b = augment({ x, y }, new Rng(2));
      expect(b.x).toBe(x);
      const partner = Array.from(b.mix!.y.dataSync());
      const mixed = model.apply(x).arraySync();
      const again = model.apply(x).arraySync();
      const plain = base.apply(x).arraySync();
      expect(again).toEqual(plain);
      expect(mixed).not.toEqual(plain);
      expect(partner.every((c) => c === 0 || c === 1)).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(before);
    base.dispose();
  });

  it('refuses layers outside the network and non-MLP parameter lists', () => {
    const base = mlp({ sizes: [2, 3, 2] }, new Rng(1));
    expect(() => manifoldMixup(base, 1, [2])).toThrow(/layers must lie in 0..1/);
    expect(() => manifoldMixup(base, 0, [0])).toThrow(/alpha/);
    base.dispose();
    const ln = mlp({ sizes: [2, 3, 2], norm: 'layer' }, new Rng(1));
    expect(() => manifoldMixup(ln, 1, [1])).toThrow(/not a plain MLP/);
    ln.dispose();
  });
});
