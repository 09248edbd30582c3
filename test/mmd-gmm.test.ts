import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { mmd2 } from '../src/stats/two-sample.js';
import { gmmKernelMean, mmd2Gmm, mmd2ToGmm } from '../src/stats/mmd-gmm.js';
import { gmm, sampleGmm } from '../src/techniques/diffusion/index.js';

describe('MMD against a Gaussian mixture in closed form', () => {
  const g1 = gmm([0.3, 0.7], [[-1, 0.5], [1, 0]], [0.2, 0.05]);
  const g2 = gmm([0.5, 0.5], [[-1, 0.4], [1.2, 0]], [0.25, 0.05]);

  it('E k(y, y\') matches a Monte Carlo average, and a 1-D point mass pair is the kernel itself', () => {
    const rng = new Rng(1);
    const [a, b] = [sampleGmm(g1, 200000, rng), sampleGmm(g2, 200000, rng)];
    let mc = 0;
    for (let i = 0; i < 200000; i++) mc += Math.exp(-((a[2 * i] - b[2 * i]) ** 2 + (a[2 * i + 1] - b[2 * i + 1]) ** 2) / (2 * 0.7 ** 2));
    expect(gmmKernelMean(g1, g2, 0.7)).toBeCloseTo(mc / 200000, 2);
    expect(gmmKernelMean(gmm([1], [[0]], 0), gmm([1], [[1]], 0), 2)).toBeCloseTo(Math.exp(-1 / 8), 14);
    expect(mmd2Gmm(g1, g1, 0.7)).toBeCloseTo(0, 14);
    expect(mmd2Gmm(g1, g2, 0.7)).toBeGreaterThan(0);
  });

  it('mmd2ToGmm is unbiased: mean 0 on draws of the mixture, mmd2Gmm on draws of another; it agrees with the two-sample estimate', () => {
    const rng = new Rng(2);
    const reps = 200;
    let [same, other] = [0, 0];
    for (let r = 0; r < reps; r++) [same, other] = [same + mmd2ToGmm(sampleGmm(g1, 200, rng), g1, 0.7), other + mmd2ToGmm(sampleGmm(g2, 200, rng), g1, 0.7)];
    const exact = mmd2Gmm(g1, g2, 0.7);
    expect(Math.abs(same / reps)).toBeLessThan(exact / 20);
    expect(Math.abs(other / reps - exact)).toBeLessThan(exact / 20);
    // against a large second sample, the two-sample U-statistic approaches the closed-form one
    const x = sampleGmm(g2, 300, rng);
    expect(mmd2(x, sampleGmm(g1, 3000, rng), 2, { bandwidth: 0.7 })).toBeCloseTo(mmd2ToGmm(x, g1, 0.7), 2);
    expect(() => mmd2ToGmm(Float64Array.of(1, 2, 3), g1, 0.7)).toThrow('mmd2ToGmm: x must hold n >= 2 points of dimension 2, got 3 values');
    expect(() => mmd2Gmm(g1, g2, 0)).toThrow('gmmKernelMean: bandwidth h must be a finite number > 0, got 0');
  });
});
