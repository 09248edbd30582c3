import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { allocateBySensitivity, quantizeSymmetric } from '../src/techniques/quantization/quantize.js';
import { bitAssignments, choiceNearSize, hawqOmega, isUniform, modelSizeBits, paretoChoice, paretoFrontier, permutations, scoreAssignments, worstWithin, type BitAssignment } from '../src/techniques/quantization/pareto.js';
import { fakeQuantize, maxAbs, quantizationAwareFineTune, quantizeWithScale } from '../src/techniques/quantization/fake-quant.js';
import { downsample, type Dataset } from '../src/data/dataset.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { sgd } from '../src/train/transforms.js';

describe('symmetric uniform quantization', () => {
  it('maps to 2^(b-1)-1 levels per sign, scaled by max|w|, exactly', () => {
    // 2 bits: ternary {-1, 0, 1} x max
    expect(Array.from(quantizeSymmetric([0.9, -0.4, 0.2, -1, 0.55], 2))).toEqual([1, 0, 0, -1, 1]);
    // 3 bits: levels k/3, k = -3..3
    expect(Array.from(quantizeSymmetric([3, 1.4, -0.6, 0.4], 3)).map((v) => +v.toFixed(6))).toEqual([3, 1, -1, 0]);
    const w = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    for (const bits of [2, 4, 8]) {
      const q = quantizeSymmetric(w, bits);
      const step = 1 / (2 ** (bits - 1) - 1);
      expect(new Set(Array.from(q, (v) => Math.round(v / step))).size).toBeLessThanOrEqual(2 ** bits - 1);
      expect(Math.max(...Array.from(w, (v, i) => Math.abs(v - q[i])))).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
    expect(Array.from(quantizeSymmetric([0, 0], 4))).toEqual([0, 0]);
    expect(() => quantizeSymmetric([1], 1)).toThrow(/bits must be an integer >= 2/);
  });
});

describe('bit allocation by sensitivity', () => {
  it('gives the most bits to the most sensitive layer, the reverse with negated sensitivities', () => {
    expect(allocateBySensitivity([0.1, 0.5, 0.3], [8, 4, 2])).toEqual([2, 8, 4]);
    expect(allocateBySensitivity([-0.1, -0.5, -0.3], [8, 4, 2])).toEqual([8, 2, 4]);
    expect(() => allocateBySensitivity([1, 2], [8, 4, 2])).toThrow(/2 layers for 3 bit-widths/);
  });
});

describe('downsampling images', () => {
  it('averages factor x factor blocks', () => {
    const ds = { name: 'd', x: Float32Array.from({ length: 2 * 16 }, (_, i) => i), y: Int32Array.from([0, 1]), featureShape: [4, 4, 1], numClasses: 2 };
    const d = downsample(ds, 2);
    expect(d.featureShape).toEqual([2, 2, 1]);
    // first image rows 0..3: [0 1 2 3 / 4 5 6 7 / ...]: top-left block (0+1+4+5)/4
    expect(Array.from(d.x.subarray(0, 4))).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect(d.x[4]).toBe(18.5);
    expect(() => downsample(ds, 3)).toThrow(/divisible by 3/);
  });
});

describe('HAWQ-V2 Pareto allocation under a size budget', () => {
  // the exact computation: every assignment enumerated, dominance checked pairwise (O(n^2))
  const dominated = (q: BitAssignment, pts: BitAssignment[]) => pts.some((r) => r.size <= q.size && r.omega <= q.omega && (r.size < q.size || r.omega < q.omega));
  it('enumerates choices^layers assignments, sizes them in bits and weighs perturbations by the average trace', () => {
    expect(bitAssignments(2, [8, 2])).toEqual([[8, 8], [8, 2], [2, 8], [2, 2]]);
    expect(bitAssignments(3, [2, 4, 8])).toHaveLength(27);
    expect(modelSizeBits([8, 4, 2], [10, 100, 1000])).toBe(80 + 400 + 2000);
    expect(hawqOmega([8, 2], [0.5, 2], (l, b) => (l + 1) / b)).toBeCloseTo(0.5 * 1 / 8 + 2 * 2 / 2, 12);
    expect(() => modelSizeBits([8], [1, 2])).toThrow(/1 bit-widths for 2 layers/);
  });
  it('the frontier, the choice at a budget and the worst no-smaller assignment match brute force on 3 layers', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const sizes = [1 + Math.floor(rng.uniform() * 50), 1 + Math.floor(rng.uniform() * 500), 1 + Math.floor(rng.uniform() * 5000)];
      const avgTrace = sizes.map(() => Math.exp(3 * rng.normal()));
      const pert = sizes.map((n) => [2, 4, 8].map((b) => n * 4 ** -b * Math.exp(0.3 * rng.normal())));
      const pts = scoreAssignments(sizes, [2, 4, 8], avgTrace, (l, b) => pert[l][[2, 4, 8].indexOf(b)]);
      expect(pts).toHaveLength(27);
      const frontier = paretoFrontier(pts);
      const brute = pts.filter((q) => !dominated(q, pts));
      // same set (no ties on both coordinates with random values)
      expect(frontier.map((q) => q.bits.join()).sort()).toEqual(brute.map((q) => q.bits.join()).sort());
      for (let k = 1; k < frontier.length; k++) { expect(frontier[k].size).toBeGreaterThan(frontier[k - 1].size); expect(frontier[k].omega).toBeLessThan(frontier[k - 1].omega); }
      const budget = modelSizeBits([4, 4, 4], sizes);
      const choice = paretoChoice(pts, budget);
      const fits = pts.filter((q) => q.size <= budget);
      expect(choice.omega).toBe(Math.min(...fits.map((q) => q.omega)));
      expect(dominated(choice, pts)).toBe(false);
      const worst = worstWithin(pts, choice.size, budget);
      expect(worst.omega).toBe(Math.max(...pts.filter((q) => q.size >= choice.size && q.size <= budget).map((q) => q.omega)));
      expect(worst.size).toBeGreaterThanOrEqual(choice.size);
    }
    const pts: BitAssignment[] = [{ bits: [8], size: 8, omega: 1 }, { bits: [4], size: 4, omega: 1 }, { bits: [2], size: 2, omega: 5 }];
    expect(paretoFrontier(pts).map((q) => q.bits[0])).toEqual([2, 4]);
    expect(paretoChoice(pts, 8).bits).toEqual([4]);
    expect(() => paretoChoice(pts, 1)).toThrow(/no assignment fits/);
    expect(worstWithin(pts, 4, 8).bits).toEqual([8]);
  });
  it('the same-size choice under permuted traces matches brute force, and equals the Pareto choice when the traces are not permuted', () => {
    // every permutation of 3 layers, lexicographic, identity first
    expect(permutations(3)).toEqual([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]);
    expect(permutations(4)).toHaveLength(24);
    expect(new Set(permutations(4).map((q) => q.join())).size).toBe(24);
    expect(permutations(0)).toEqual([[]]);
    expect(isUniform([4, 4, 4])).toBe(true);
    expect(isUniform([4, 2, 4])).toBe(false);
    const rng = new Rng(12);
    const choices = [3, 4, 6, 8];
    for (let trial = 0; trial < 20; trial++) {
      const sizes = [1 + Math.floor(rng.uniform() * 50), 1 + Math.floor(rng.uniform() * 500), 1 + Math.floor(rng.uniform() * 5000)];
      const avgTrace = sizes.map(() => Math.exp(2 * rng.normal()));
      const pert = sizes.map((n) => choices.map((b) => n * 4 ** -b * Math.exp(0.3 * rng.normal())));
      const pf = (l: number, b: number) => pert[l][choices.indexOf(b)];
      const budget = modelSizeBits([4.5, 4.5, 4.5], sizes);
      const pick = paretoChoice(scoreAssignments(sizes, choices, avgTrace, pf), budget);
      // the unpermuted traces at a window around the choice's own size give the choice back
      expect(choiceNearSize(scoreAssignments(sizes, choices, avgTrace, pf), budget, pick.size, 0.05).bits).toEqual(pick.bits);
      for (const perm of permutations(3)) {
        const shuffled = perm.map((j) => avgTrace[j]);
        const pts = scoreAssignments(sizes, choices, shuffled, pf);
        for (const tol of [0, 0.05, 0.2]) {
          const c = choiceNearSize(pts, budget, pick.size, tol);
          // brute force: Omega recomputed by hand with the shuffled traces, over the window
          const window = bitAssignments(3, choices).filter((b) => { const sz = modelSizeBits(b, sizes); return sz <= budget && Math.abs(sz - pick.size) <= tol * pick.size; });
          const omegaOf = (b: number[]) => b.reduce((s, bi, i) => s + shuffled[i] * pf(i, bi), 0);
          expect(c.omega).toBeCloseTo(Math.min(...window.map(omegaOf)), 12);
          expect(c.size).toBeLessThanOrEqual(budget);
          expect(Math.abs(c.size - pick.size)).toBeLessThanOrEqual(tol * pick.size);
        }
      }
    }
    const pts: BitAssignment[] = [{ bits: [8], size: 8, omega: 1 }, { bits: [4], size: 4, omega: 2 }, { bits: [2], size: 2, omega: 5 }];
    expect(choiceNearSize(pts, 8, 4, 0).bits).toEqual([4]);
    expect(choiceNearSize(pts, 8, 4, 1).bits).toEqual([8]);
    expect(choiceNearSize(pts, 6, 4, 1).bits).toEqual([4]);
    expect(() => choiceNearSize(pts, 8, 3, 0.1)).toThrow(/no assignment within/);
  });
});

describe('quantization-aware fine-tuning with the straight-through estimator', () => {
  it('quantizes with a frozen scale (clipping beyond it) and equals quantizeSymmetric at scale max|w|', () => {
    const w = Float32Array.from({ length: 500 }, (_, i) => Math.sin(1.7 * i) * (1 + (i % 3)));
    for (const bits of [2, 4, 8]) expect(Array.from(quantizeWithScale(w, bits, maxAbs(w)))).toEqual(Array.from(quantizeSymmetric(w, bits)));
    // 3 bits, scale 1.5: levels k/2, k = -3..3; 2.5 and -7 clip to +-1.5
    expect(Array.from(quantizeWithScale([2.5, -7, 0.3, 0.76], 3, 1.5))).toEqual([1.5, -1.5, 0.5, 1]);
  });
  it('fake quantization: value Q(w), gradient dy inside [-s, s] and 0 outside', () => {
    const w = [0.31, -0.07, 1.6, -0.5, -2.2, 0.93];
    const c = [1, 2, 3, 4, 5, 6];
    const s = 1.2;
    const { value, grad } = tf.tidy(() => {
      const f = (x: tf.Tensor) => tf.sum(tf.mul(fakeQuantize(x, 4, s), tf.tensor(c)));
      return { value: Array.from(fakeQuantize(tf.tensor(w), 4, s).dataSync()), grad: Array.from(tf.grad(f)(tf.tensor(w)).dataSync()) };
    });
    const q = quantizeWithScale(w, 4, s);
    value.forEach((v, i) => expect(v).toBeCloseTo(q[i], 6));
    expect(grad).toEqual(w.map((x, i) => (Math.abs(x) <= s ? c[i] : 0)));
  });
  it('one full-batch SGD step updates the latent weights by the quantized network\'s gradient (STE), then quantizes them', async () => {
    const rng = new Rng(3);
    const n = 32;
    const data: Dataset = { name: 'toy', x: Float32Array.from({ length: n * 4 }, () => rng.normal()), y: Int32Array.from({ length: n }, (_, i) => i % 3), featureShape: [4], numClasses: 3 };
    const model = mlp({ sizes: [4, 5, 3] }, new Rng(4));
    const layers = [{ index: 0, bits: 2 }, { index: 2, bits: 3 }];
    const before = tf.memory().numTensors;
    const w0 = model.params.map((p) => p.dataSync().slice());
    const scales = layers.map((l) => maxAbs(w0[l.index]));
    // the exact step: gradient of the mean cross-entropy of the network with quantized weights, masked to the range, lr 0.1
    const atQ = w0.map((w, i) => { const k = layers.findIndex((l) => l.index === i); return k < 0 ? w : quantizeWithScale(w, layers[k].bits, scales[k]); });
    const g = tf.tidy(() => {
      const x = tf.tensor(data.x, [n, 4]);
      const y = tf.tensor1d(data.y, 'int32');
      const ps = atQ.map((w, i) => tf.tensor(w, model.params[i].shape));
      return tf.grads((...qs: tf.Tensor[]) => crossEntropy()(model.apply(x, qs), y))(ps).map((t) => t.dataSync().slice());
    });
    const out = await quantizationAwareFineTune({ model, data, layers, transform: sgd(0.1), batchSize: n, steps: 1, rng: new Rng(5), progress: 'silent' });
    expect(out.scales).toEqual(scales);
    model.params.forEach((p, i) => {
      const k = layers.findIndex((l) => l.index === i);
      const latent = Float32Array.from(w0[i], (w, j) => w - 0.1 * g[i][j] * (k < 0 || Math.abs(w) <= scales[k] ? 1 : 0));
      const want = k < 0 ? latent : quantizeWithScale(latent, layers[k].bits, scales[k]);
      Array.from(p.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(want[j], 5));
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
  });
});
