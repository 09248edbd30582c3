import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initEngine } from '../src/engine/backend.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import {
  denseTopSingular, l2InitPenalty, l2Penalty, powerSingular, sortedCopies, SpectralPenalty, spectralPenaltyGradient, trainContinual, wassersteinInitPenalty,
} from '../src/techniques/spectral-regularization/index.js';

const gauss = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.normal());

describe('spectral-regularization: singular values', () => {
  it('dense top singular value of a known matrix: R diag(3, 2) has sigma_max 3 with v = e1', () => {
    const c = 1 / Math.sqrt(2);
    const a = Float64Array.of(3 * c, -2 * c, 3 * c, 2 * c);
    const t = denseTopSingular(a, 2, 2);
    expect(t.sigma).toBeCloseTo(3, 12);
    expect(Math.abs(t.v[0])).toBeCloseTo(1, 12);
    expect(Math.abs(t.u[0])).toBeCloseTo(c, 12);
    // wide and tall give the same sigma (the transposed path)
    const rng = new Rng(3);
    const w = gauss(rng, 4 * 7);
    const wt = Float64Array.from({ length: 28 }, (_, q) => w[(q % 4) * 7 + Math.floor(q / 4)]);
    expect(denseTopSingular(w, 4, 7).sigma).toBeCloseTo(denseTopSingular(wt, 7, 4).sigma, 12);
  });

  it('power iteration converges to the dense top singular triple', () => {
    const rng = new Rng(11);
    for (const [r, c] of [[7, 5], [5, 9], [12, 12]]) {
      const w = gauss(rng, r * c);
      const exact = denseTopSingular(w, r, c);
      const pw = powerSingular(w, r, c, 500, undefined, rng);
      expect(Math.abs(pw.sigma - exact.sigma) / exact.sigma).toBeLessThan(1e-10);
      const align = Math.abs(pw.v.reduce((s, x, i) => s + x * exact.v[i], 0));
      expect(align).toBeCloseTo(1, 6);
      // W v = sigma u
      for (let i = 0; i < r; i++) {
        let s = 0;
        for (let j = 0; j < c; j++) s += w[i * c + j] * exact.v[j];
        expect(s).toBeCloseTo(exact.sigma * exact.u[i], 10);
      }
    }
  });

  it('the closed-form gradient 2 (s^k - 1) k s^(k-1) u v^T matches central differences of the dense penalty', () => {
    const rng = new Rng(5);
    const [r, c, k] = [6, 4, 2];
    const w = gauss(rng, r * c);
    const pen = (m: Float64Array) => (denseTopSingular(m, r, c).sigma ** k - 1) ** 2;
    const g = spectralPenaltyGradient(denseTopSingular(w, r, c), k);
    const h = 1e-6;
    for (let q = 0; q < r * c; q++) {
      const up = Float64Array.from(w), dn = Float64Array.from(w);
      up[q] += h; dn[q] -= h;
      expect(g[q]).toBeCloseTo((pen(up) - pen(dn)) / (2 * h), 5);
    }
  });
});

describe('spectral-regularization: penalties in tf', () => {
  it('SpectralPenalty: value (sigma^k - 1)^2 and autodiff gradient match the exact triple', async () => {
    await initEngine({ quiet: true });
    const rng = new Rng(9);
    const before = tf.memory().numTensors;
    for (const k of [1, 2]) {
      const [r, c] = [8, 5];
      const w = Float64Array.from(gauss(rng, r * c), (x) => 0.4 * x);
      const exact = denseTopSingular(w, r, c);
      const pen = new SpectralPenalty([[r, c]], rng.fork(`start${k}`), k, 300);
      const wt = tf.tensor2d(Float32Array.from(w), [r, c]);
      pen.refresh([wt]);
      expect(pen.sigmas()[0]).toBeCloseTo(exact.sigma, 5);
      const value = tf.tidy(() => pen.penalty([wt]).dataSync()[0]);
      expect(value).toBeCloseTo((exact.sigma ** k - 1) ** 2, 5);
      const g = tf.tidy(() => tf.grad((m: tf.Tensor) => pen.penalty([m]))(wt).dataSync());
      const ref = spectralPenaltyGradient(exact, k);
      ref.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
      wt.dispose();
      pen.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('L2, L2 Init and Wasserstein-to-init: hand values, zero at init, Wasserstein blind to permutations', async () => {
    await initEngine({ quiet: true });
    const before = tf.memory().numTensors;
    const init = [tf.tensor2d([[1, -2], [3, 0.5]]), tf.tensor1d([0.25, -1])];
    const now = [tf.tensor2d([[3, 1], [-2, -1]]), tf.tensor1d([-1, 0.25])];
    const sorted = sortedCopies(init);
    expect(tf.tidy(() => l2Penalty(init).dataSync()[0])).toBeCloseTo(1 + 4 + 9 + 0.25 + 0.0625 + 1, 6);
    expect(tf.tidy(() => l2InitPenalty(init, init).dataSync()[0])).toBe(0);
    expect(tf.tidy(() => l2InitPenalty(now, init).dataSync()[0])).toBeCloseTo(4 + 9 + 25 + 2.25 + 1.5625 + 1.5625, 5);
    // a permutation of the initial entries has Wasserstein distance 0 (but L2 Init does not)
    const perm = [tf.tensor2d([[0.5, 3], [-2, 1]]), tf.tensor1d([-1, 0.25])];
    expect(tf.tidy(() => wassersteinInitPenalty(perm, sorted).dataSync()[0])).toBe(0);
    // sorted now: [-2, -1, 1, 3] vs [-2, 0.5, 1, 3] -> 2.25; bias [-1, 0.25] vs [-1, 0.25] -> 0
    expect(tf.tidy(() => wassersteinInitPenalty(now, sorted).dataSync()[0])).toBeCloseTo(2.25, 6);
    // its gradient moves each entry towards its matched quantile: d/d(-1) = 2 (-1 - 0.5) = -3 at position [1, 1]
    const g = tf.tidy(() => tf.grad((m: tf.Tensor) => wassersteinInitPenalty([m, now[1]], sorted))(now[0]).arraySync() as number[][]);
    expect(g).toEqual([[0, 0], [0, -3]]);
    [...init, ...now, ...perm, ...sorted].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('spectral-regularization: continual training', () => {
  it('runs a task sequence with each regulariser, keeps no tensors, and the spectral penalty pulls sigma_max towards 1', async () => {
    await initEngine({ quiet: true });
    const n = 32, d = 8;
    const rng = new Rng(21);
    const x = Float32Array.from({ length: n * d }, () => rng.normal());
    const base = { name: 'toy', x, y: new Int32Array(n), featureShape: [d], numClasses: 4 };
    const labels = Array.from({ length: 3 }, (_, t) => { const r = rng.fork(`l${t}`); return Int32Array.from({ length: n }, () => r.int(4)); });
    const before = tf.memory().numTensors;
    const sig: Record<string, number> = {};
    for (const kind of ['none', 'l2', 'l2Init', 'spectral', 'wassersteinInit'] as const) {
      const model = mlp({ sizes: [d, 16, 4], init: { std: 1 } }, new Rng(1));
      const r = trainContinual({ model, tasks: 3, stepsPerTask: 40, batch: 16, lr: 0.01, regulariser: kind, lambda: kind === 'none' ? 0 : 0.1, rng: new Rng(2), task: (t) => ({ ...base, y: labels[t] }) });
      expect(r.finite).toBe(true);
      expect(r.taskAccuracy).toHaveLength(3);
      r.taskAccuracy.forEach((a) => { expect(a).toBeGreaterThanOrEqual(0); expect(a).toBeLessThanOrEqual(1); });
      sig[kind] = Math.max(...r.sigmaMax.at(-1)!);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    // init std 1 gives sigma_max well above 1; the penalty brings it closer to 1 than plain training
    expect(Math.abs(sig.spectral - 1)).toBeLessThan(Math.abs(sig.none - 1));    // sigmaSteps 0 skips the per-task sigma_max report; two power steps per update train the same way
    const model = mlp({ sizes: [d, 16, 4], init: { std: 1 } }, new Rng(1));
    const r = trainContinual({ model, tasks: 2, stepsPerTask: 10, batch: 16, lr: 0.01, regulariser: 'spectral', lambda: 0.1, powerIters: 2, sigmaSteps: 0, rng: new Rng(2), task: (t) => ({ ...base, y: labels[t] }) });
    expect(r.sigmaMax).toEqual([[], []]);
    expect(r.trackedSigma).toHaveLength(2);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
