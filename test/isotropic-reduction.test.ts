import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../src/engine/backend.js';
import type { Dataset } from '../src/data/dataset.js';
import { twoLayerRelu } from '../src/models/two-layer.js';
import { Rng } from '../src/random/rng.js';
import { bartlettFactor, lowerFactor, xorClustersReduced } from '../src/techniques/isotropic-reduction/index.js';
import { train } from '../src/train/loop.js';
import { sgd } from '../src/train/transforms.js';

beforeAll(async () => { await initEngine({ quiet: true }); });

const gram = (z: Float64Array, k: number, dim: number) => {
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let t = 0; t < dim; t++) g[i * k + j] += z[i * dim + t] * z[j * dim + t];
  return g;
};

describe('isotropic-reduction: Bartlett factor and the lower factor of explicit rows', () => {
  it('lowerFactor: L L^T = Z Z^T and Q^T has orthonormal rows (exact up to rounding)', () => {
    const rng = new Rng(3);
    const k = 5, dim = 12;
    const z = Float64Array.from({ length: k * dim }, () => rng.normal());
    const { l, qt } = lowerFactor(z, k, dim);
    const ll = gram(l, k, k);
    const zz = gram(z, k, dim);
    for (let i = 0; i < k * k; i++) expect(ll[i]).toBeCloseTo(zz[i], 10);
    const qq = gram(qt, k, dim);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(qq[i * k + j]).toBeCloseTo(i === j ? 1 : 0, 12);
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) expect(l[i * k + j]).toBe(0);
  });

  it('bartlettFactor: lower triangular, and L L^T averages to dof I (Wishart mean)', () => {
    const rng = new Rng(11);
    const k = 3, dof = 10, draws = 4000;
    const sum = new Float64Array(k * k);
    for (let r = 0; r < draws; r++) {
      const l = bartlettFactor(k, dof, rng);
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) expect(l[i * k + j]).toBe(0);
      const s = gram(l, k, k);
      for (let i = 0; i < k * k; i++) sum[i] += s[i] / draws;
    }
    // standard errors: sqrt(2 dof / draws) = 0.07 on the diagonal, sqrt(dof / draws) = 0.05 off it
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(Math.abs(sum[i * k + j] - (i === j ? dof : 0))).toBeLessThan(0.35);
    expect(() => bartlettFactor(4, 3, rng)).toThrow();
  });
});

describe('isotropic-reduction: gradient descent in the reduced coordinates is gradient descent in d dimensions', () => {
  // n training points, m neurons, D explicit noise coordinates; the reduced run uses 2 + n + m coordinates
  const n = 6, m = 4, D = 40, nTest = 8, sep = 3, initStd = 0.05;
  const rng = new Rng(5);
  const z = Float64Array.from({ length: (n + m) * D }, () => rng.normal());
  const signal = (cls: number, sign: number) => { const s = [rng.normal(), rng.normal()]; s[cls] += sign * sep; return s; };
  const trainSig = Array.from({ length: n }, (_, i) => signal(i % 2, i % 3 ? 1 : -1));
  const testSig = Array.from({ length: nTest }, (_, i) => signal((i + 1) % 2, i % 2 ? 1 : -1));
  const testNoise = Array.from({ length: nTest }, () => Array.from({ length: D }, () => rng.normal()));
  const y = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 - (i % 2) : i % 2));
  const wSig = Array.from({ length: 2 * m }, () => initStd * rng.normal());
  const { l, qt } = lowerFactor(z, n + m, D);
  const k = n + m;

  const dataset = (rows: number[][], labels: Int32Array): Dataset => ({ name: 't', x: Float32Array.from(rows.flat()), y: labels, featureShape: [rows[0].length], numClasses: 2 });
  const run = async (trainRows: number[][], testRows: number[][], init: number[]) => {
    const dim = trainRows[0].length;
    const model = twoLayerRelu({ inputDim: dim, width: m, initStd }, new Rng(1));
    const w = tf.tensor2d(init, [dim, m]);
    (model.params[0] as tf.Variable).assign(w);
    w.dispose();
    await train({ model, data: dataset(trainRows, y), transform: sgd(0.05), batchSize: n, steps: 15, rng: new Rng(2), progress: 'silent' });
    const out = tf.tidy(() => model.apply(tf.tensor2d(testRows.concat(trainRows).flat(), [nTest + n, dim])).dataSync());
    model.dispose();
    return Array.from(out);
  };

  it('same logits on training and fresh test points after 15 steps (float32 rounding only)', async () => {
    const before = tf.memory().numTensors;
    // explicit: coordinates 0, 1 signal, then the D noise coordinates
    const explicitTrain = trainSig.map((s, i) => [...s, ...Array.from(z.subarray(i * D, (i + 1) * D))]);
    const explicitTest = testSig.map((s, i) => [...s, ...testNoise[i]]);
    const explicitInit: number[] = [];
    for (let t = 0; t < 2 + D; t++) for (let j = 0; j < m; j++) explicitInit.push(t < 2 ? wSig[t * m + j] : initStd * z[(n + j) * D + (t - 2)]);
    // reduced: the rows of L for the training noise and initial weights, Q^T xi for a test point's noise
    const reducedTrain = trainSig.map((s, i) => [...s, ...Array.from(l.subarray(i * k, (i + 1) * k))]);
    const reducedTest = testSig.map((s, i) => [...s, ...Array.from({ length: k }, (_, r) => testNoise[i].reduce((acc, v, t) => acc + v * qt[r * D + t], 0))]);
    const reducedInit: number[] = [];
    for (let t = 0; t < 2 + k; t++) for (let j = 0; j < m; j++) reducedInit.push(t < 2 ? wSig[t * m + j] : initStd * l[(n + j) * k + (t - 2)]);
    const a = await run(explicitTrain, explicitTest, explicitInit);
    const b = await run(reducedTrain, reducedTest, reducedInit);
    const scale = Math.max(...a.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * scale + 1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('xorClustersReduced: shapes, labels and the explicit signal coordinates', () => {
    const r = xorClustersReduced({ nTrain: 200, nTest: 300, dim: 1e9, separation: 50, flip: 0.2, width: 10, initStd: 1e-3 }, new Rng(9));
    expect(r.reducedDim).toBe(2 + 200 + 10);
    expect(r.train.featureShape).toEqual([212]);
    expect(r.init.length).toBe(212 * 10);
    const flipped = [...r.train.y.keys()].filter((i) => r.train.y[i] !== r.train.clean[i]).length / 200;
    expect(flipped).toBeGreaterThan(0.1);
    expect(flipped).toBeLessThan(0.3);
    expect([...r.test.y.keys()].every((i) => r.test.y[i] === r.test.clean[i])).toBe(true);
    // the class's own signal coordinate carries +-separation; a training point's noise row has norm ~ sqrt(d)
    const d = 212;
    for (let i = 0; i < 300; i++) expect(Math.abs(r.test.x[i * d + r.test.clean[i]])).toBeGreaterThan(40);
    let sq = 0;
    for (let t = 2; t < d; t++) sq += r.train.x[t] ** 2;
    expect(Math.sqrt(sq) / Math.sqrt(1e9)).toBeCloseTo(1, 3);
    expect(() => xorClustersReduced({ nTrain: 20, nTest: 1, dim: 25, separation: 1, flip: 0, width: 4, initStd: 1 }, new Rng(1))).toThrow();
  });
});

describe('isotropic-reduction: float64 spot check at a larger D', () => {
  // The identity in double precision, away from float32 rounding: first-layer gradient descent on the logistic
  // loss of f(x) = sum_j a_j relu(w_j . x), a_j = +-1/sqrt(m), written out in float64, run once on explicit
  // points in 2 + D coordinates and once on their reduced coordinates (rows of L, Q^T xi for test noise).
  const n = 8, m = 5, D = 3000, nTest = 10, lr = 0.5 / D, initStd = 0.02 / Math.sqrt(D);
  const gd = (trainX: number[][], y: number[], init: number[][], testX: number[][], steps = 25) => {
    const w = init.map((r) => r.slice());
    const a = Array.from({ length: m }, (_, j) => (j % 2 ? -1 : 1) / Math.sqrt(m));
    const pre = (x: number[]) => w.map((wj) => wj.reduce((s, v, t) => s + v * x[t], 0));
    const f = (x: number[]) => pre(x).reduce((s, h, j) => s + a[j] * Math.max(h, 0), 0);
    for (let s = 0; s < steps; s++) {
      const grads = w.map((wj) => new Array<number>(wj.length).fill(0));
      trainX.forEach((x, i) => {
        const h = pre(x);
        const sgn = 2 * y[i] - 1;
        const out = h.reduce((acc, v, j) => acc + a[j] * Math.max(v, 0), 0);
        const g = -sgn / (1 + Math.exp(sgn * out)) / n;
        for (let j = 0; j < m; j++) if (h[j] > 0) for (let t = 0; t < x.length; t++) grads[j][t] += g * a[j] * x[t];
      });
      for (let j = 0; j < m; j++) for (let t = 0; t < w[j].length; t++) w[j][t] -= lr * grads[j][t];
    }
    return [...trainX, ...testX].map(f);
  };

  it('same outputs on training and fresh test points after 25 steps, D = 3000 (relative error < 1e-9)', () => {
    const rng = new Rng(21);
    const k = n + m;
    const z = Float64Array.from({ length: k * D }, () => rng.normal());
    const sig = (cls: number, sign: number) => { const s = [rng.normal(), rng.normal()]; s[cls] += sign * 40; return s; };
    const trainSig = Array.from({ length: n }, (_, i) => sig(i % 2, i % 3 ? 1 : -1));
    const testSig = Array.from({ length: nTest }, (_, i) => sig((i + 1) % 2, i % 2 ? 1 : -1));
    const testNoise = Array.from({ length: nTest }, () => Array.from({ length: D }, () => rng.normal()));
    const y = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 - (i % 2) : i % 2));
    const wSig = Array.from({ length: m }, () => [initStd * rng.normal(), initStd * rng.normal()]);
    const { l, qt } = lowerFactor(z, k, D);
    const explicitArgs: [number[][], number[], number[][], number[][]] = [
      trainSig.map((s, i) => [...s, ...z.subarray(i * D, (i + 1) * D)]),
      y,
      wSig.map((s, j) => [...s, ...Array.from(z.subarray((n + j) * D, (n + j + 1) * D), (v) => initStd * v)]),
      testSig.map((s, i) => [...s, ...testNoise[i]]),
    ];
    const explicit = gd(...explicitArgs);
    const before = gd(...explicitArgs, 0);
    const reduced = gd(
      trainSig.map((s, i) => [...s, ...l.subarray(i * k, (i + 1) * k)]),
      y,
      wSig.map((s, j) => [...s, ...Array.from(l.subarray((n + j) * k, (n + j + 1) * k), (v) => initStd * v)]),
      testSig.map((s, i) => [...s, ...Array.from({ length: k }, (_, r) => testNoise[i].reduce((acc, v, t) => acc + v * qt[r * D + t], 0))]),
    );
    const scale = Math.max(...explicit.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    // training moved the outputs (the check is not of the initialisation alone)
    expect(Math.max(...explicit.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(0.5 * scale);
    for (let i = 0; i < explicit.length; i++) expect(Math.abs(explicit[i] - reduced[i])).toBeLessThan(1e-9 * scale);
  });
});
