/** SG on least squares: the exact moment recursion against closed forms and Monte Carlo, the paper's bounds, and SVRG. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  diminishingStepBound, expectedGaps, fitLeastSquares, fixedStepBound, objective, sgConstants, sgEpochs, stationaryGap, streamingSgRun, svrg, type StreamingLs,
} from '../src/techniques/sg-convergence/index.js';

const P: StreamingLs = { lambdas: [0.5, 1, 2], sigma: 0.7 };

describe('sg-convergence', () => {
  it('in one dimension the recursion is m <- m (1 - 2 a l + 3 a^2 l^2) + a^2 l sigma^2 (Gaussian fourth moment)', () => {
    const p = { lambdas: [1.3], sigma: 0.4 }, a = 0.05;
    const gaps = expectedGaps(p, [2], () => a, () => 1, 30);
    let m = 4;
    for (let k = 0; k < 29; k++) m = m * (1 - 2 * a * 1.3 + 3 * a * a * 1.69) + a * a * 1.3 * 0.16;
    expect(gaps[29]).toBeCloseTo(1.3 * m / 2, 13);
  });

  it('the recursion reaches the closed-form stationary gap, which is proportional to alpha for small alpha', () => {
    const a = 0.02;
    const gaps = expectedGaps(P, [1, -1, 0.5], () => a, () => 1, 20000);
    expect(gaps.at(-1)! / stationaryGap(P, a)).toBeCloseTo(1, 10);
    const tr = 3.5;
    expect(stationaryGap(P, 1e-6) / (0.49 * 1e-6 * tr / 4)).toBeCloseTo(1, 4);
  });

  it('Monte Carlo SG matches the exact expected gap, with batches too', () => {
    const rng = new Rng(1);
    for (const b of [1, 4]) {
      const K = 40, runs = 4000;
      const acc = new Float64Array(K);
      for (let r = 0; r < runs; r++) streamingSgRun(P, [1, -1, 0.5], () => 0.1, () => b, K, rng, (k, g) => { acc[k - 1] += g / runs; });
      const exact = expectedGaps(P, [1, -1, 0.5], () => 0.1, () => b, K);
      for (const k of [1, 10, 40]) expect(acc[k - 1] / exact[k - 1]).toBeCloseTo(1, 1);
    }
  });

  it('the exact gap obeys Theorems 4.6 (fixed step) and 4.7 (diminishing steps)', () => {
    const k = sgConstants(P);
    const e1 = [2, -1, 1];
    const gap1 = expectedGaps(P, e1, () => 1, () => 1, 1)[0];
    const fixed = expectedGaps(P, e1, () => k.alphaMax, () => 1, 5000);
    fixed.forEach((g, i) => expect(g).toBeLessThanOrEqual(fixedStepBound(k, k.alphaMax, gap1, i + 1) * (1 + 1e-12)));
    const beta = 2 / k.c, gamma = beta / k.alphaMax - 1;
    const dim = expectedGaps(P, e1, (t) => beta / (gamma + t), () => 1, 5000);
    dim.forEach((g, i) => expect(g).toBeLessThanOrEqual(diminishingStepBound(k, beta, gamma, gap1, i + 1) * (1 + 1e-12)));
  });

  it('least squares: the fitted minimiser has zero gradient; SVRG converges linearly, SG slowly', () => {
    const rng = new Rng(2);
    const features = Array.from({ length: 50 }, () => Float64Array.from({ length: 3 }, () => rng.normal()));
    const labels = features.map((x) => x[0] - 2 * x[1] + 0.5 * rng.normal());
    const p = fitLeastSquares({ features, labels });
    const h = 1e-6;
    for (let j = 0; j < 3; j++) {
      const up = p.wStar.slice(), dn = p.wStar.slice();
      up[j] += h; dn[j] -= h;
      expect(Math.abs((objective(p, up) - objective(p, dn)) / (2 * h))).toBeLessThan(1e-8);
    }
    const svrgGaps: number[] = [], sgGaps: number[] = [];
    svrg(p, [0, 0, 0], 0.1 / p.lMax, 100, 20, new Rng(3), (_, g) => svrgGaps.push(g));
    sgEpochs(p, [0, 0, 0], (t) => 1 / (p.lMax * (1 + t / 50)), 20, new Rng(4), (_, g) => sgGaps.push(g));
    expect(svrgGaps.at(-1)!).toBeLessThan(1e-12);
    expect(sgGaps.at(-1)!).toBeGreaterThan(1e-6);
  });

  it('names bad input', () => {
    expect(() => sgConstants({ lambdas: [0, 1], sigma: 1 })).toThrow(/sgConstants: lambdas/);
    expect(() => expectedGaps(P, [1], () => 0.1, () => 1, 3)).toThrow(/expectedGaps: e1/);
    expect(() => stationaryGap(P, 1)).toThrow(/stationaryGap/);
    expect(() => fitLeastSquares({ features: [], labels: [] })).toThrow(/fitLeastSquares/);
  });
});
