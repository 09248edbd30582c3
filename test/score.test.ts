/** Score models against exact values: mixture scores, Langevin's stationary law, denoising score matching. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { annealedLangevin, empiricalScore, linearSchedule, sampleDdpm, geometricSigmas, langevin, mixtureLogDensity, mixtureScore, smoothedScore, trainScoreNet } from '../src/techniques/score/index.js';

const spec = { means: [[-2, 1], [3, 0]], std: 0.7, weights: [0.3, 0.7] };

describe('mixture scores', () => {
  it('are the gradient of the perturbed log density (central differences)', () => {
    const x = Float64Array.from([0.5, -0.2, -2.5, 1.4, 2, 2]);
    for (const sigma of [0, 0.5, 3]) {
      const s = mixtureScore(spec)(x, sigma);
      const h = 1e-5;
      for (let i = 0; i < x.length; i++) {
        const [plus, minus] = [Float64Array.from(x), Float64Array.from(x)];
        plus[i] += h;
        minus[i] -= h;
        const point = Math.floor(i / 2);
        const fd = (mixtureLogDensity(spec, plus, sigma)[point] - mixtureLogDensity(spec, minus, sigma)[point]) / (2 * h);
        expect(s[i]).toBeCloseTo(fd, 5);
      }
    }
  });
});

describe('closed-form and smoothed scores', () => {
  it('the empirical score at small sigma points at the nearest training point, (x_nn - x) / sigma^2', () => {
    const train = Float64Array.from([0, 0, 1, 0, 0, 2]);
    const x = Float64Array.from([0.9, 0.1, 0.2, 1.7]);
    const s = empiricalScore(train, 2)(x, 0.05);
    expect(Array.from(s).map((v) => v * 0.05 ** 2)).toEqual([0.1, -0.1, -0.2, 0.3].map((v) => expect.closeTo(v, 6)));
  });

  it('smoothing leaves a linear score unchanged in expectation and is the score itself at lambda 0', () => {
    const gauss = mixtureScore({ means: [[1, -1]], std: 1 });
    const x = Float64Array.from([0.3, 0.4, -2, 1]);
    const smooth = smoothedScore(gauss, 0.5, 20000, new Rng(1))(x, 0.5);
    const exact = gauss(x, 0.5);
    exact.forEach((v, i) => expect(smooth[i]).toBeCloseTo(v, 1));
    expect(Array.from(smoothedScore(gauss, 0, 1, new Rng(1))(x, 0.5))).toEqual(Array.from(exact));
    expect(() => smoothedScore(gauss, -1, 1, new Rng(1))).toThrow(/lambda/);
  });
});

describe('Langevin dynamics', () => {
  it('samples N(mu, s^2) from its exact score: mean and variance within Monte Carlo error', () => {
    const gauss = { means: [[1.5]], std: 0.8 };
    const init = new Float64Array(4000);
    const x = langevin(mixtureScore(gauss), init, { sigma: 0, steps: 400, stepSize: 0.02, rng: new Rng(1) });
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const v = x.reduce((s, u) => s + (u - m) ** 2, 0) / x.length;
    expect(Math.abs(m - 1.5)).toBeLessThan(0.05);
    // the discretisation inflates the variance by about a / 4 in units of s^2 (a = 0.02, s^2 = 0.64)
    expect(Math.abs(v / 0.64 - 1)).toBeLessThan(0.08);
  });

  it('annealed: needs decreasing sigmas; geometric ladders end where asked', () => {
    const sig = geometricSigmas(20, 1, 10);
    expect(sig[0]).toBe(20);
    expect(sig[9]).toBeCloseTo(1, 12);
    expect(sig[1] / sig[0]).toBeCloseTo(sig[9] / sig[8], 12);
    expect(() => annealedLangevin(mixtureScore(spec), new Float64Array(2), { sigmas: [1, 2], stepsPerLevel: 1, eps: 0.1, rng: new Rng(1) })).toThrow(/decrease/);
  });
});

describe('denoising score matching', () => {
  it('learns the perturbed score of a 1-D Gaussian, -x / (s^2 + sigma^2), at every level of its ladder', async () => {
    const rng = new Rng(2);
    const data = Float32Array.from({ length: 4000 }, () => 0.5 * rng.normal());
    const before = tf.memory().numTensors;
    const net = await trainScoreNet(data, 1, { sigmas: [0.2, 0.5, 1], hidden: [32, 32], steps: 1500, batchSize: 128, lr: 3e-3, rng: new Rng(3) });
    expect(net.losses.at(-1)!).toBeLessThan(net.losses[0]);
    const grid = Float64Array.from({ length: 9 }, (_, i) => -1 + i / 4);
    for (const sigma of [0.2, 0.5, 1]) {
      const s = net.score(grid, sigma);
      const exact = Array.from(grid, (x) => -x / (0.25 + sigma * sigma));
      const err = Math.max(...exact.map((e, i) => Math.abs(s[i] - e))) / Math.max(...exact.map(Math.abs));
      expect(err).toBeLessThan(0.25);
    }
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('DDPM', () => {
  it('the linear schedule is Ho et al.\'s, scaled to T steps, and abar is the running product', () => {
    const s = linearSchedule(100);
    expect(s.betas[0]).toBeCloseTo(1e-3, 12);
    expect(s.betas[99]).toBeCloseTo(0.2, 12);
    let prod = 1;
    s.betas.forEach((b, t) => { prod *= 1 - b; expect(s.alphaBar[t]).toBeCloseTo(prod, 12); });
  });

  it('ancestral sampling with the exact eps-predictor of N(mu, s^2) data samples N(mu, s^2)', () => {
    const [mu, s2] = [1.5, 0.25];
    const sched = linearSchedule(100);
    // E[eps | x_t] for Gaussian data: sqrt(1 - abar) (x_t - sqrt(abar) mu) / (abar s^2 + 1 - abar)
    const eps = (x: Float64Array, t: number) => {
      const ab = sched.alphaBar[t];
      return x.map((v) => (Math.sqrt(1 - ab) * (v - Math.sqrt(ab) * mu)) / (ab * s2 + 1 - ab));
    };
    const x = sampleDdpm(eps, sched, 20000, 1, new Rng(1));
    const m = x.reduce((a, v) => a + v, 0) / x.length;
    const v = x.reduce((a, u) => a + (u - m) ** 2, 0) / x.length;
    expect(Math.abs(m - mu)).toBeLessThan(0.02);
    expect(Math.abs(v / s2 - 1)).toBeLessThan(0.1);
  });
});
