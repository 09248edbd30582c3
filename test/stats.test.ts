import { describe, expect, it } from 'vitest';
import { bootstrapMeanCI, pairedBootstrap, pairedT, signTest, tInterval } from '../src/stats/bootstrap.js';
import { betaIncomplete, betaQuantile, lnGamma, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from '../src/stats/distributions.js';
import { runSeeds, successes } from '../src/stats/seeds.js';
import { Rng } from '../src/random/rng.js';

describe('distributions (reference values from scipy.stats)', () => {
  it('normal', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 8);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 13);
  });

  it('student t', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174698, 8);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977987, 10);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0422724563012373, 10);
    expect(studentTQuantile(0.05, 9)).toBeCloseTo(-1.8331129326536337, 10);
    expect(studentTCdf(2, 5)).toBeCloseTo(0.9490302605850709, 12);
  });

  it('gamma and beta', () => {
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 11);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(betaIncomplete(0.3, 2, 5)).toBeCloseTo(0.579825, 6);
    // Clopper-Pearson bounds for 5 successes of 100 at 95%
    expect(betaQuantile(0.025, 5, 96)).toBeCloseTo(0.016431879, 8);
    expect(betaQuantile(0.975, 6, 95)).toBeCloseTo(0.112835, 6);
  });
});

describe('intervals', () => {
  it('t interval by hand', () => {
    const ci = tInterval([1, 2, 3, 4]);
    const half = 3.182446305284263 * Math.sqrt(5 / 3) / 2;
    expect(ci.mean).toBe(2.5);
    expect(ci.lo).toBeCloseTo(2.5 - half, 10);
    expect(ci.hi).toBeCloseTo(2.5 + half, 10);
    expect(() => tInterval([1])).toThrow(/at least 2/);
  });

  it('paired statistics use differences', () => {
    // large spread between pairs, small spread of the differences: only a paired statistic sees it
    const b = [1, 5, 9, 13];
    const a = b.map((v, i) => v + [0.1, 0.12, 0.09, 0.11][i]);
    const ci = pairedT(a, b);
    expect(ci.mean).toBeCloseTo(0.105, 12);
    expect(ci.lo).toBeGreaterThan(0);
    expect(tInterval(a).lo).toBeLessThan(Math.min(...b));
    const bs = pairedBootstrap(a, b, { seed: 1 });
    expect(bs.lo).toBeGreaterThanOrEqual(0.09 - 1e-12);
    expect(bs.hi).toBeLessThanOrEqual(0.12 + 1e-12);
    expect(() => pairedT([1], [1, 2])).toThrow(/1 vs 2/);
  });

  it('bootstrap covers the true mean about 95% of the time', () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      // exponential(1) samples of size 40 (skewed, so the interval has work to do)
      const rng = new Rng(1000 + t);
      const xs = Array.from({ length: 40 }, () => -Math.log(1 - rng.uniform()));
      const ci = bootstrapMeanCI(xs, { resamples: 2000, seed: t });
      if (ci.lo <= 1 && 1 <= ci.hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.85);
    expect(bootstrapMeanCI([1, 2, 3], { seed: 5 })).toEqual(bootstrapMeanCI([1, 2, 3], { seed: 5 }));
    expect(() => bootstrapMeanCI([1, NaN])).toThrow(/finite/);
  });

  it('sign test', () => {
    expect(signTest([1, 1, 1, 1, 1])).toBeCloseTo(2 / 32, 12);
    expect(signTest([1, -1])).toBe(1);
  });
});

describe('multi-seed runner', () => {
  it('keeps the other seeds when one throws', async () => {
    const out = await runSeeds([1, 2, 3], (s) => {
      if (s === 2) throw new Error('boom');
      return s * 10;
    });
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(() => successes(out, 'arm')).toThrow(/arm: seeds failed: 2 \(boom\)/);
    expect(successes(out.filter((o) => o.ok), 'arm')).toEqual([10, 30]);
  });
});
