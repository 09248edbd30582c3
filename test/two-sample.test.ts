/** Two-sample statistics: MMD^2 and sliced W2 by hand, the permutation test's level and power, W2 against closed forms. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { medianBandwidth, mmd2, mmdPermutationTest, slicedW2, wasserstein2Sq1d } from '../src/stats/two-sample.js';

const gaussian = (n: number, d: number, mean: number[], rng: Rng) => Float64Array.from({ length: n * d }, (_, i) => mean[i % d] + rng.normal());

describe('MMD^2', () => {
  it('matches a hand computation, with the median heuristic picking the bandwidth', () => {
    // x = {0, 1}, y = {0, 2}, h = 1: k(0,1) + k(0,2) - (1 + k(0,2) + k(1,0) + k(1,2))/2 = (e^-2 - 1)/2
    const [x, y] = [Float64Array.of(0, 1), Float64Array.of(0, 2)];
    const byHand = (Math.exp(-2) - 1) / 2;
    expect(mmd2(x, y, 1, { bandwidth: 1 })).toBeCloseTo(byHand, 14);
    // pooled pairwise distances 1, 0, 2, 1, 1, 2: median (1 + 1)/2 = 1
    expect(medianBandwidth(x, y, 1)).toBe(1);
    expect(mmd2(x, y, 1)).toBeCloseTo(byHand, 14);
    expect(() => mmd2(x, Float64Array.of(1), 1)).toThrow('mmd2: y needs at least 2 points, got 1');
    expect(() => mmd2(x, y, 1, { bandwidth: 0 })).toThrow(/mmd2: bandwidth must be a finite number > 0/);
  });

  it('the permutation test holds its level: same distribution, rejects at 5% in at most 3 of 20 replications', () => {
    const rng = new Rng(2);
    let rejections = 0;
    const ps: number[] = [];
    for (let r = 0; r < 20; r++) {
      const [x, y] = [gaussian(100, 2, [0, 0], rng), gaussian(100, 2, [0, 0], rng)];
      const t = mmdPermutationTest(x, y, 2, { permutations: 200, rng: rng.fork(`perm${r}`) });
      ps.push(t.pValue);
      if (t.pValue <= 0.05) rejections++;
    }
    // X ~ Bin(20, 0.05) under H0: P(X >= 4) = 1.6%
    expect(rejections, `p-values ${ps.map((p) => p.toFixed(3)).join(', ')}`).toBeLessThanOrEqual(3);
  });

  it('the permutation test rejects a mean shift of 0.5 in 2-D with 500 points a side', () => {
    const rng = new Rng(3);
    const t = mmdPermutationTest(gaussian(500, 2, [0, 0], rng), gaussian(500, 2, [0.5, 0], rng), 2, { rng });
    // no permutation reaches the observed statistic: the smallest p-value 200 permutations can give
    expect(t.pValue).toBe(1 / 201);
    expect(t.mmd2).toBeGreaterThan(t.nullQuantile95);
  });
});

describe('sliced W2', () => {
  it('matches hand computations in 1-D, with equal and unequal sample sizes', () => {
    // sorted pairs (0, 2), (1, 4): (4 + 9)/2
    expect(wasserstein2Sq1d([1, 0], [4, 2])).toBe(6.5);
    // quantile steps: [0, 1/3) 0 vs 0; [1/3, 1/2) 0 vs 3; [1/2, 2/3) 1 vs 3; [2/3, 1] 1 vs 6
    expect(wasserstein2Sq1d([0, 1], [6, 0, 3])).toBeCloseTo(9 / 6 + 4 / 6 + 25 / 3, 14);
    // in 1-D every direction is +-1, so the sliced distance is W2^2 itself
    expect(slicedW2(Float64Array.of(0, 1), Float64Array.of(0, 3, 6), 1, { projections: 5, rng: new Rng(1) })).toBeCloseTo(10.5, 12);
  });

  it('of N(0, 1) and N(mu, 1) in 1-D approaches mu^2', () => {
    const rng = new Rng(4);
    const [n, mu] = [20000, 1];
    const w = slicedW2(gaussian(n, 1, [0], rng), gaussian(n, 1, [mu], rng), 1, { projections: 1, rng });
    // W2^2 ~ mu^2 + 2 mu (mean_y - mean_x - mu) + O(1/n): standard error 2 mu sqrt(2/n)
    expect(Math.abs(w - mu * mu)).toBeLessThan(4 * 2 * mu * Math.sqrt(2 / n));
  });

  it('of a translated 2-D cloud averages (theta . v)^2 over directions: |v|^2 / 2', () => {
    const rng = new Rng(5);
    const x = gaussian(300, 2, [0, 0], rng);
    const v = [1.5, -2];
    const y = Float64Array.from(x, (xi, i) => xi + v[i % 2]);
    const P = 2000;
    // each direction's W2^2 is exactly (theta . v)^2 = |v|^2 cos^2(phi), whose variance is |v|^4 / 8
    const sq = v[0] ** 2 + v[1] ** 2;
    expect(Math.abs(slicedW2(x, y, 2, { projections: P, rng }) - sq / 2)).toBeLessThan(4 * sq * Math.sqrt(1 / 8 / P));
    expect(slicedW2(x, x, 2, { rng })).toBe(0);
  });
});
