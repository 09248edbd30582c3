/**
 * The minority toolkit against exact computations: Gauss-Hermite moments of N(0, 1); the minority score of
 * a Gaussian, whose denoiser is linear so that the score's expectation is a quadratic in closed form; the
 * paper's quantile levels; the grid's level posterior against the truncated-Gaussian posterior of a 1-D
 * Gaussian prior and against the mixture toolkit's exact posterior mean; the guidance direction against
 * finite differences of the grid's log p(target | x_t); guided DDIM at w = 0 against plain DDIM.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { normalCdf } from '../src/stats/distributions.js';
import { ddimSample, gmm, gmmEps, linearBetas, noisedLogDensity, posteriorMean, priorSample } from '../src/techniques/diffusion/index.js';
import {
  classifierGuidedDdim, densityGrid, expectedMinorityScore, gaussHermite, levelGuidance, levelOf, levelPosterior, levelThresholds, minorityScore,
} from '../src/techniques/minority/index.js';

describe('minority score', () => {
  it('Gauss-Hermite integrates N(0, 1) moments exactly up to degree 2m - 1', () => {
    const { nodes, weights } = gaussHermite(5);
    const moment = (k: number) => nodes.reduce((acc, z, i) => acc + weights[i] * z ** k, 0);
    [1, 0, 1, 0, 3, 0, 15, 0, 105].forEach((m, k) => expect(moment(k)).toBeCloseTo(m, 9));
    expect(() => gaussHermite(0)).toThrow(/gaussHermite: m/);
  });

  it('for Gaussian data equals the closed form (s^2/c)^2 |x0 - mu|^2 + d (a v s / c)^2, c = a^2 v + s^2', () => {
    const [mu, v, a, s] = [[1, -0.5], 0.7, 0.6, 0.8];
    const g = gmm([1], [mu], v);
    const denoise = (xt: Float64Array) => posteriorMean(g, xt, a, s);
    const rng = new Rng(1);
    const x0 = Float64Array.from({ length: 20 }, () => 2 * rng.normal());
    const c = a * a * v + s * s;
    const exact = Array.from({ length: 10 }, (_, i) => ((s * s) / c) ** 2 * ((x0[2 * i] - mu[0]) ** 2 + (x0[2 * i + 1] - mu[1]) ** 2) + 2 * ((a * v * s) / c) ** 2);
    const ems = expectedMinorityScore(denoise, x0, 2, a, s, 4);
    exact.forEach((e, i) => expect(ems[i]).toBeCloseTo(e, 10));
    // the paper's Monte Carlo score is unbiased for it
    const mc = minorityScore(denoise, x0, 2, a, s, { draws: 20000, rng: new Rng(2) });
    exact.forEach((e, i) => expect(Math.abs(mc[i] - e)).toBeLessThan(0.02 * e + 0.01));
    expect(() => minorityScore(denoise, x0, 2, 0, s, { draws: 5, rng })).toThrow(/minorityScore: need a > 0/);
    expect(() => expectedMinorityScore(denoise, x0, 3, a, s)).toThrow(/expectedMinorityScore: x0/);
  });

  it('levels by quantiles as the paper labels them, with or without weights', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i + 1);
    const q = levelThresholds(scores, 4);
    expect(Array.from(q)).toEqual([25, 50, 75, 100]);
    expect(Array.from(levelOf([1, 25, 26, 100], q))).toEqual([0, 0, 1, 3]);
    // weights: the last score carries half the mass, so the top two quartiles both end there
    const w = scores.map((_, i) => (i === 99 ? 99 : 1));
    expect(Array.from(levelThresholds(scores, 4, w))).toEqual([50, 99, 100, 100]);
    expect(() => levelThresholds(scores, 1)).toThrow(/levelThresholds: levels/);
  });
});

describe('level posterior on a grid', () => {
  // 1-D Gaussian prior N(0, v), target x0 > 0: the posterior of x0 given x_t is N(m, tau^2), so
  // p(target | x_t) = Phi(m / tau) and E[x0 | x_t, target] = m + tau phi(m/tau) / Phi(m/tau)
  const v = 0.5;
  // an even number of points puts the target's edge (0) between two cells, so the indicator is integrated to O(h^2)
  const grid = densityGrid([-6], [6], 6000, (x) => Float64Array.from(x, (u) => -(u * u) / (2 * v)));
  const target = Uint8Array.from(grid.cells, (u) => (u > 0 ? 1 : 0));
  const truncated = (xt: number, a: number, s: number) => {
    const c = a * a * v + s * s;
    const [m, tau] = [(a * v * xt) / c, Math.sqrt((v * s * s) / c)];
    const z = m / tau;
    const phi = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    return { prob: normalCdf(z), meanTarget: m + (tau * phi) / normalCdf(z), meanAll: m };
  };

  it('matches the truncated-Gaussian posterior of a 1-D Gaussian prior', () => {
    for (const [a, s] of [[0.9, 0.4], [0.5, 0.9]]) {
      const xs = Float64Array.of(-1, -0.2, 0, 0.3, 1.5);
      const lp = levelPosterior(grid, target, xs, a, s);
      xs.forEach((xt, i) => {
        const e = truncated(xt, a, s);
        expect(lp.prob[i]).toBeCloseTo(e.prob, 3);
        expect(lp.meanTarget[i]).toBeCloseTo(e.meanTarget, 3);
        expect(lp.meanAll[i]).toBeCloseTo(e.meanAll, 9);
      });
    }
  });

  it('stays finite in the log domain when every kernel product underflows, with the same posterior', () => {
    // s = 0.01: at x_t = -3 the nearest target cell is 3 / s = 300 standard deviations away
    const [a, s] = [1, 0.01];
    const lp = levelPosterior(grid, target, Float64Array.of(-3), a, s);
    const e = truncated(-3, a, s);
    expect(lp.meanAll[0]).toBeCloseTo(e.meanAll, 3);
    // the truncated posterior N(m, tau^2 | x0 > 0) with m/tau = -300 has its mean tau^2/|m| ~ 3e-5 from the
    // target's edge at 0: on the grid, the first target cell (spacing 0.002, at 0.001)
    expect(Math.abs(lp.meanTarget[0])).toBeLessThan(0.003);
    expect(lp.prob[0]).toBe(0);
  });

  it('is the exact posterior mean of a 2-D mixture, and all cells as the target give probability 1', () => {
    const g = gmm([0.7, 0.3], [[0, 0], [1.5, 0.5]], [0.3, 0.2]);
    const grid2 = densityGrid([-3, -3], [4.5, 3.5], [151, 131], (x) => noisedLogDensity(g, x, 1, 0));
    const all = new Uint8Array(grid2.weight.length).fill(1);
    const xs = Float64Array.of(0.2, 0.1, 1.4, 0.6, -0.5, 1, 3, -2);
    for (const [a, s] of [[0.95, 0.3], [0.6, 0.8]]) {
      const lp = levelPosterior(grid2, all, xs, a, s);
      const exact = posteriorMean(g, xs, a, s);
      exact.forEach((e, j) => { expect(lp.meanAll[j]).toBeCloseTo(e, 6); expect(lp.meanTarget[j]).toBeCloseTo(lp.meanAll[j], 12); });
      lp.prob.forEach((p) => expect(p).toBeCloseTo(1, 12));
    }
    expect(() => levelPosterior(grid2, all.subarray(1), xs, 0.5, 0.5)).toThrow(/levelPosterior: target/);
    expect(() => densityGrid([0, 0, 0], [1, 1, 1], 3, (x) => x)).toThrow(/densityGrid: lo and hi/);
  });

  it('guides along the exact gradient of log p(target | x_t) (finite differences on the grid)', () => {
    const g = gmm([0.9, 0.1], [[0, 0], [2, 0]], 0.3);
    const grid2 = densityGrid([-3, -3], [5, 3], [81, 61], (x) => noisedLogDensity(g, x, 1, 0));
    const tgt = Uint8Array.from({ length: grid2.weight.length }, (_, c) => (grid2.cells[2 * c] > 1.2 ? 1 : 0));
    const [a, s, h] = [0.7, 0.7, 1e-5];
    const x = Float64Array.of(0.4, 0.3, 1.1, -0.6);
    const grad = levelGuidance(grid2, tgt, x, a, s);
    for (let j = 0; j < x.length; j++) {
      const [up, down] = [Float64Array.from(x), Float64Array.from(x)];
      up[j] += h;
      down[j] -= h;
      const i = Math.floor(j / 2);
      const fd = (Math.log(levelPosterior(grid2, tgt, up, a, s).prob[i]) - Math.log(levelPosterior(grid2, tgt, down, a, s).prob[i])) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 5);
    }
  });
});

describe('classifierGuidedDdim', () => {
  it('at w = 0 is plain DDIM, and a guide that returns 0 changes nothing', () => {
    const g = gmm([0.5, 0.5], [[-1], [1]], 0.2);
    const sched = linearBetas(200);
    const xT = priorSample(sched, 50, 1, new Rng(3));
    const plain = ddimSample(sched, gmmEps(g, sched), xT, { steps: 20 });
    let calls = 0;
    const guide = (x: Float64Array) => { calls++; return new Float64Array(x.length); };
    expect(Array.from(classifierGuidedDdim(sched, gmmEps(g, sched), guide, xT, { steps: 20, scale: 0 }))).toEqual(Array.from(plain));
    expect(calls).toBe(0);
    const zero = classifierGuidedDdim(sched, gmmEps(g, sched), guide, xT, { steps: 20, scale: 2 });
    zero.forEach((v, i) => expect(v).toBeCloseTo(plain[i], 12));
    expect(calls).toBe(20);
    expect(() => classifierGuidedDdim(sched, gmmEps(g, sched), guide, xT, { steps: 20, scale: NaN })).toThrow(/classifierGuidedDdim: scale/);
  });
});
