import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  cgf, cgfDerivative, criticalTilt, edgeEnergy, kdeStatistics, kernelMeanRatios, klPerDimension, logKernelMoment, momentGaps, participationLimit, quenchedGap, rate, tailIndex, thresholds, tiltedRate,
} from '../src/techniques/kde-regimes/index.js';

/** E f(y) for y ~ N(0, 1) by the trapezoid rule on [-12, 12]. */
function gaussianQuadrature(f: (y: number) => number, m = 20000): number {
  let s = 0;
  const step = 24 / m;
  for (let i = 0; i <= m; i++) {
    const y = -12 + i * step;
    s += (i === 0 || i === m ? 0.5 : 1) * f(y) * Math.exp(-0.5 * y * y);
  }
  return (s * step) / Math.sqrt(2 * Math.PI);
}

describe('kde-regimes: exact Gaussian integrals', () => {
  it('the scaled CGF is exact at d = 1, x = 1: E exp(s (1 - y)^2) = exp(Lambda(s))', () => {
    for (const s of [-3, -1, -0.25, 0.1, 0.3]) expect(Math.log(gaussianQuadrature((y) => Math.exp(s * (1 - y) ** 2)))).toBeCloseTo(cgf(s), 9);
    // Lambda'(0) = E|x - y|^2 / d = 2
    expect(cgfDerivative(0)).toBe(2);
    expect((cgf(1e-6) - cgf(-1e-6)) / 2e-6).toBeCloseTo(2, 6);
  });

  it('the conditional kernel moments E[X^k | x] match quadrature in d = 1 and d = 2', () => {
    for (const h of [0.3, 0.8, 1.7]) for (const x of [[0.4], [-1.2, 2]]) for (const k of [1, 2] as const) {
      // the integrand factorises over coordinates
      const q = x.reduce((acc, xj) => acc + Math.log(gaussianQuadrature((y) => Math.exp((-k * (xj - y) ** 2) / (2 * h * h)))), 0);
      expect(logKernelMoment(k, h, x.reduce((s, v) => s + v * v, 0), x.length)).toBeCloseTo(q, 9);
    }
  });

  it('the KDE sum is unbiased for its exact conditional mean (independent data sets, d = 4)', () => {
    const r = kernelMeanRatios(4, 200, 1.5, 400, new Rng(21));
    const mu = r.reduce((a, b) => a + b, 0) / r.length;
    const se = Math.sqrt(r.reduce((a, b) => a + (b - mu) ** 2, 0) / (r.length - 1) / r.length);
    expect(Math.abs(mu - 1)).toBeLessThan(4 * se);
  });
});

describe('kde-regimes: thresholds and limits', () => {
  it('h_CLT and h_G solve phi(s) = alpha, h_G = h_CLT / sqrt(2), and the rate function agrees by Legendre duality', () => {
    for (const alpha of [0.1, 0.35, 0.7, 1.5]) {
      const s = criticalTilt(alpha);
      expect(tiltedRate(s)).toBeCloseTo(alpha, 12);
      const { hClt, hG } = thresholds(alpha);
      expect(hG).toBeCloseTo(hClt / Math.SQRT2, 12);
      expect(rate(edgeEnergy(alpha))).toBeCloseTo(alpha, 9);
      expect(edgeEnergy(alpha)).toBeLessThan(2);
      // the tail index: 2 at h_CLT, 1 at h_G; and from the rate function's slope at the edge, by finite differences
      expect(tailIndex(hClt, alpha)).toBeCloseTo(2, 12);
      expect(tailIndex(hG, alpha)).toBeCloseTo(1, 12);
      const u = edgeEnergy(alpha), du = 1e-6;
      const slope = (rate(u + du) - rate(u - du)) / (2 * du);
      expect(2 * hClt * hClt * Math.abs(slope)).toBeCloseTo(2, 5);
    }
    expect(rate(2)).toBeCloseTo(0, 12);
    // Legendre: I(Lambda'(s)) = s Lambda'(s) - Lambda(s)
    for (const s of [-2, -0.5, 0.2]) expect(rate(cgfDerivative(s))).toBeCloseTo(tiltedRate(s), 9);
  });

  it('the moment gaps vanish above their thresholds, are continuous there and negative below; m2 at h is m1 at h / sqrt(2)', () => {
    const alpha = 0.35;
    const { hClt, hG } = thresholds(alpha);
    expect(momentGaps(hClt * 1.01, alpha).m2).toBe(0);
    expect(momentGaps(hClt * 0.999, alpha).m2).toBeLessThan(0);
    expect(momentGaps(hClt * 0.999, alpha).m2).toBeGreaterThan(-1e-5);
    expect(momentGaps(hG * 1.01, alpha).m1).toBe(0);
    expect(momentGaps(hG * 0.99, alpha).m1).toBeLessThan(0);
    for (const h of [0.5, 0.7, 0.9, 1.3]) expect(momentGaps(h, alpha).m2).toBeCloseTo(momentGaps(h / Math.SQRT2, alpha).m1, 12);
    expect(quenchedGap(-0.01, alpha)).toBe(0);
    expect(participationLimit(hG / 2, alpha)).toBeCloseTo(0.75, 12);
    expect(participationLimit(hG * 1.1, alpha)).toBe(0);
  });

  it('above h_G the KL limit is the Gaussian KL(N(0, I) || N(0, (1 + h^2) I)) per dimension, and its minimum lies below h_G', () => {
    const alpha = 0.35;
    const { hG } = thresholds(alpha);
    for (const h of [0.9, 1.2, 2]) expect(klPerDimension(h, alpha)).toBeCloseTo(0.5 * (Math.log(1 + h * h) - (h * h) / (1 + h * h)), 12);
    expect(klPerDimension(0.95 * hG, alpha)).toBeLessThan(klPerDimension(hG, alpha));
  });

  it('the measured statistics on limiting cases: one point carries everything; a wide kernel over many points self-averages', () => {
    const s = kdeStatistics(3, 1, [0.5, 1], 4, new Rng(5));
    for (const b of [0, 1]) for (const v of s.participation[b]) expect(v).toBeCloseTo(1, 12);
    for (const b of [0, 1]) for (const v of s.maxShare[b]) expect(v).toBeCloseTo(1, 12);
    const big = kdeStatistics(2, 5000, [3], 20, new Rng(6));
    // wide kernel, many points: the sum self-averages (m1 ~ 0) and no point dominates
    for (const v of big.m1[0]) expect(Math.abs(v)).toBeLessThan(0.02);
    for (const v of big.participation[0]) expect(v).toBeLessThan(0.01);
  });
});
