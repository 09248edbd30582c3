/** The Gaussian score approximation, against exact answers: the linear denoiser, the closed-form flow, the empirical denoiser, EDM's sampler. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../src/engine/backend.js';
import { Rng } from '../src/random/rng.js';
import { edmSigmas, empiricalDenoiser, explainedVariance, fitGaussian, gaussianDenoiser, heunSample, teleport, trainEdmDenoiser } from '../src/techniques/gaussian-score/index.js';

beforeAll(async () => { await initEngine({ quiet: true }); });

/** Solve A x = b (dense, partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    const p = m.reduce((best, _, r) => (r >= c && Math.abs(m[r][c]) > Math.abs(m[best][c]) ? r : best), c);
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) if (r !== c) { const f = m[r][c] / m[c][c]; for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k]; }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** n points of a correlated 3-d Gaussian: x = mu + L z. */
function correlated(n: number, rng: Rng): Float64Array {
  const [mu, l] = [[1, -2, 0.5], [[2, 0, 0], [0.8, 0.6, 0], [-0.5, 0.3, 0.2]]];
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < 3; j++) out[i * 3 + j] = mu[j] + l[j].reduce((s, v, k) => s + v * z[k], 0);
  }
  return out;
}

function covariance(x: Float64Array, d: number): number[][] {
  const n = x.length / d;
  const mean = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x[i * d + j]; return s / n; });
  return Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => { let s = 0; for (let i = 0; i < n; i++) s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]); return s / n; }));
}

describe('the Gaussian model', () => {
  const data = correlated(400, new Rng(1));
  const g = fitGaussian(data, 3);

  it('its eigen-decomposition rebuilds the data covariance', () => {
    const cov = covariance(data, 3);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += g.values[k] * g.vectors[k * 3 + a] * g.vectors[k * 3 + b];
      expect(s).toBeCloseTo(cov[a][b], 10);
    }
    expect(g.values[0]).toBeGreaterThanOrEqual(g.values[1]);
  });

  it('its denoiser is the posterior mean mu + Sigma (Sigma + sigma^2 I)^-1 (x - mu), by a dense solve', () => {
    const cov = covariance(data, 3);
    const x = Float64Array.from([0.3, 1.1, -0.7, 2, -1, 0]);
    for (const sigma of [0.1, 1, 5]) {
      const got = gaussianDenoiser(g)(x, sigma);
      for (let q = 0; q < 2; q++) {
        const r = [0, 1, 2].map((j) => x[q * 3 + j] - g.mean[j]);
        const w = solve(cov.map((row, i) => row.map((v, j) => v + (i === j ? sigma * sigma : 0))), r);
        for (let j = 0; j < 3; j++) expect(got[q * 3 + j]).toBeCloseTo(g.mean[j] + cov[j].reduce((s, v, k) => s + v * w[k], 0), 10);
      }
    }
    // no noise: the identity
    Array.from(gaussianDenoiser(g)(x, 0)).forEach((v, i) => expect(v).toBeCloseTo(x[i], 10));
  });

  it('teleport is the exact probability-flow solution: a fine Heun integration of the Gaussian denoiser lands on it', () => {
    const x = Float64Array.from(correlated(5, new Rng(2)).map((v) => 10 * v));
    const fine = new Float64Array(2001).map((_, i) => 10 * (1 - i / 2000) + 0.5 * (i / 2000));
    // the grid ends at 0.5, not 0, so every step is a Heun step (second order: error ~ 1e-6 at 2000 steps)
    const heun = heunSample(gaussianDenoiser(g), x, fine);
    const exact = teleport(g, x, 10, 0.5);
    heun.forEach((v, i) => expect(v).toBeCloseTo(exact[i], 5));
  });

  it('teleporting prior draws to 0 gives exactly the data covariance (the linear map scales each eigen-variance lambda + s^2 to lambda)', () => {
    const s = 20;
    const rng = new Rng(3);
    const draws = new Float64Array(200000 * 3).map(() => 0);
    // x at level s: mu + sqrt(Sigma + s^2 I) z, built in the eigenbasis
    for (let i = 0; i < 200000; i++) for (let k = 0; k < 3; k++) {
      const c = Math.sqrt(g.values[k] + s * s) * rng.normal();
      for (let j = 0; j < 3; j++) draws[i * 3 + j] += c * g.vectors[k * 3 + j] + (k === 0 ? g.mean[j] : 0);
    }
    const out = covariance(teleport(g, draws, s, 0), 3);
    const cov = covariance(data, 3);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(Math.abs(out[a][b] - cov[a][b])).toBeLessThan(0.03 * (1 + Math.abs(cov[a][b])));
  });

  it('rejects bad input with the function named', () => {
    expect(() => fitGaussian([1, 2, 3], 2)).toThrow(/fitGaussian/);
    expect(() => teleport(g, new Float64Array(3), 0, 1)).toThrow(/teleport/);
    expect(() => gaussianDenoiser(g)(new Float64Array(4), 1)).toThrow(/gaussianDenoiser/);
  });
});

describe('the empirical (training-set) denoiser', () => {
  it('is the softmax-weighted mean of the training points, by brute force', () => {
    const train = Float64Array.from([0, 0, 1, 0, 0, 2, -1, -1]);
    const x = Float64Array.from([0.4, 0.3]);
    for (const sigma of [0.3, 1, 3]) {
      const w = [0, 1, 2, 3].map((i) => Math.exp(-((x[0] - train[2 * i]) ** 2 + (x[1] - train[2 * i + 1]) ** 2) / (2 * sigma * sigma)));
      const total = w.reduce((a, b) => a + b);
      const want = [0, 1].map((j) => w.reduce((s, wi, i) => s + wi * train[2 * i + j], 0) / total);
      const got = empiricalDenoiser(train, 2)(x, sigma);
      expect(got[0]).toBeCloseTo(want[0], 12);
      expect(got[1]).toBeCloseTo(want[1], 12);
    }
    // at tiny noise it snaps to the nearest training point, stably
    expect(Array.from(empiricalDenoiser(train, 2)(x, 1e-3))).toEqual([0, 0]);
  });

  it('explained variance is 1 for the target itself and 0 for its mean point', () => {
    const t = Float64Array.from([1, 2, 3, 4, 5, 9]);
    expect(explainedVariance(t, t, 2)).toBe(1);
    expect(explainedVariance(t, Float64Array.from([3, 5, 3, 5, 3, 5]), 2)).toBeCloseTo(0, 12);
    expect(() => explainedVariance(t, t.subarray(2), 2)).toThrow(/explainedVariance/);
  });
});

describe('EDM', () => {
  it('sigmas run from sigmaMax to sigmaMin on the rho = 7 schedule, then 0', () => {
    const s = edmSigmas(18);
    expect(s.length).toBe(19);
    expect(s[0]).toBeCloseTo(80, 10);
    expect(s[17]).toBeCloseTo(0.002, 12);
    expect(s[18]).toBe(0);
    expect(() => edmSigmas(1)).toThrow(/edmSigmas/);
  });

  it('Heun sampling with the Gaussian denoiser from sigma 80 reproduces the closed-form flow to 0 on a fine schedule', () => {
    const g = fitGaussian(correlated(300, new Rng(4)), 3);
    const x = Float64Array.from({ length: 30 }, () => 80 * new Rng(5).normal());
    const viaHeun = heunSample(gaussianDenoiser(g), x, edmSigmas(400, 1e-4, 80));
    const exact = teleport(g, x, 80, 0);
    viaHeun.forEach((v, i) => expect(v).toBeCloseTo(exact[i], 3));
  });

  it('a trained denoiser of 1-D Gaussian data approaches the Gaussian denoiser, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(6);
    const data = Float64Array.from({ length: 2000 }, () => 0.5 + 0.7 * rng.normal());
    const seen: number[] = [];
    const net = await trainEdmDenoiser(data, 1, { hidden: [32, 32], steps: 600, batchSize: 128, lr: 3e-3, rng: rng.fork('net'), checkpoint: { every: 200, call: (step) => seen.push(step) } });
    try {
      expect(seen).toEqual([200, 400, 600]);
      expect(net.sigmaData).toBeCloseTo(0.7, 1);
      const probe = Float64Array.from({ length: 500 }, () => 0.5 + Math.sqrt(0.49 + 1) * rng.normal());
      const ev = explainedVariance(gaussianDenoiser(fitGaussian(data, 1))(probe, 1), net.denoise(probe, 1), 1);
      expect(ev).toBeGreaterThan(0.95);
    } finally {
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the Frechet distance', () => {
  it('is 0 between a set and itself, |shift|^2 for a shifted copy, and the 1-D W2^2 of two Gaussians', async () => {
    const { frechetDistance } = await import('../src/techniques/gaussian-score/index.js');
    const x = correlated(300, new Rng(7));
    expect(frechetDistance(x, x, 3)).toBeCloseTo(0, 6);
    expect(frechetDistance(x, x.map((v, i) => v + [1, 2, -2][i % 3]), 3)).toBeCloseTo(9, 6);
    // 1-D: (m1 - m2)^2 + (s1 - s2)^2, from sets with exact moments (+-s around m)
    expect(frechetDistance([1, 3], [0, 6], 1)).toBeCloseTo((2 - 3) ** 2 + (1 - 3) ** 2, 10);
  });
});

describe('the score explained variance (Wang & Vastola)', () => {
  it('is 1 - |s - s_approx|^2 / |s|^2 per point with s = (D - x) / sigma^2, averaged', async () => {
    const { scoreExplainedVariance } = await import('../src/techniques/gaussian-score/index.js');
    const x = Float64Array.from([1, 1, 0, 0]);
    const learned = Float64Array.from([0, 1, 0, 2]); // s1 = (-1, 0), s2 = (0, 2) (sigma = 1)
    const approx = Float64Array.from([0.5, 1, 0, 0]); // s1' = (-0.5, 0), s2' = (0, 0)
    expect(scoreExplainedVariance(x, learned, approx, 2)).toBeCloseTo(((1 - 0.25) + (1 - 1)) / 2, 12);
    expect(scoreExplainedVariance(x, learned, learned, 2)).toBe(1);
    expect(() => scoreExplainedVariance(x, learned, approx.subarray(1), 2)).toThrow(/scoreExplainedVariance/);
  });
});

describe('the share of the deviation from the mean', () => {
  it('is 1 for the learned denoiser itself, 0 for the mean alone, and 1 - residual / deviation in between', async () => {
    const { deviationExplained } = await import('../src/techniques/gaussian-score/index.js');
    const learned = Float64Array.from([1, 0, 0, 2]);
    const centre = Float64Array.from([0, 0]);
    expect(deviationExplained(learned, learned, centre, 2)).toBe(1);
    expect(deviationExplained(learned, Float64Array.from([0, 0, 0, 0]), centre, 2)).toBe(0);
    // residual 0.25 + 1 over deviation 1 + 4
    expect(deviationExplained(learned, Float64Array.from([0.5, 0, 0, 1]), centre, 2)).toBeCloseTo(1 - 1.25 / 5, 12);
    expect(() => deviationExplained(learned, learned, Float64Array.from([0]), 2)).toThrow(/deviationExplained/);
  });
});
