import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  binomial, denseExactLime, equalAllocation, exactLime, fullEnumeration, gridSegments, kernelMass, limeFit, limeKernel, monteCarloSample, normalEquations, perturbImage, popcount, proportionalAllocation,
  solveNormal, stratifiedExpectation, stratifiedSample, type CoalitionSample,
} from '../src/techniques/lime/index.js';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

/** a non-linear score on coalitions: random main effects, pair interactions and a saturation */
function randomScore(m: number, rng: Rng): (z: number) => number {
  const w = Float64Array.from({ length: m }, () => rng.normal());
  const pairs = Array.from({ length: m }, () => [rng.int(m), rng.int(m), rng.normal()] as const);
  const table = Float64Array.from({ length: 2 ** m }, (_, z) => {
    let s = 0.3;
    for (let j = 0; j < m; j++) if ((z >> j) & 1) s += w[j];
    for (const [i, j, c] of pairs) if ((z >> i) & 1 && (z >> j) & 1) s += c;
    return Math.tanh(s / 2);
  });
  return (z) => table[z];
}

describe('lime: segmentation, kernel, exact solution', () => {
  it('a 3 x 4 grid on 28 x 28 has 12 superpixels covering every pixel; perturbation hides the absent ones', () => {
    const seg = gridSegments(28, 28, 3, 4);
    const counts = new Array(12).fill(0);
    seg.forEach((s) => counts[s]++);
    expect(counts.every((c) => c >= 63)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(784);
    const img = Float32Array.from({ length: 784 }, () => 1);
    const out = perturbImage(img, seg, 0b101);
    expect(out.reduce((a, b) => a + b, 0)).toBe(counts[0] + counts[2]);
    expect(() => gridSegments(28, 28, 0, 4)).toThrow(/does not fit/);
  });

  it("LIME's kernel: 1 at the full image, sqrt(exp(-1 / 0.25^2)) at the empty coalition; C(m, k)", () => {
    expect(limeKernel(12, 12)).toBe(1);
    expect(limeKernel(0, 12)).toBeCloseTo(Math.exp(-8), 15);
    expect(limeKernel(3, 12)).toBeCloseTo(Math.exp(-(0.5 ** 2) / (2 * 0.0625)), 15);
    expect([0, 1, 2, 6, 12].map((k) => binomial(12, k))).toEqual([1, 12, 66, 924, 1]);
    expect(popcount(0b1011)).toBe(3);
  });

  it('the enumerated solution equals a dense weighted least-squares solve (Gram-Schmidt on sqrt(w) X)', () => {
    const rng = new Rng(5);
    for (const m of [4, 8, 10]) {
      const f = randomScore(m, rng);
      expect(maxAbsDiff(exactLime(f, m), denseExactLime(f, m))).toBeLessThan(1e-9);
    }
  });

  it('a score linear in the coalition is recovered exactly by the exact fit and by any sampled fit', () => {
    const m = 10;
    const w = Float64Array.from({ length: m + 1 }, (_, j) => (j - 4) / 7);
    const f = (z: number) => w.slice(1).reduce((s, v, j) => s + v * ((z >> j) & 1), w[0]);
    expect(maxAbsDiff(exactLime(f, m), w)).toBeLessThan(1e-10);
    const rng = new Rng(8);
    const mc = limeFit(monteCarloSample(m, 200, rng), f, m);
    const st = limeFit(stratifiedSample(m, equalAllocation(m, 110), rng), f, m);
    expect(mc.illPosed || st.illPosed).toBe(false);
    expect(maxAbsDiff(mc.beta, w)).toBeLessThan(1e-8);
    expect(maxAbsDiff(st.beta, w)).toBeLessThan(1e-8);
  });

  it('an ill-posed design (a superpixel never absent) is flagged and solved with a small ridge', () => {
    const m = 3;
    const sample: CoalitionSample = { masks: Int32Array.of(0b111, 0b011, 0b101), factors: Float64Array.of(1, 1, 1) };
    const { a, b } = normalEquations(sample, (z) => popcount(z), m);
    expect(solveNormal(a, b).illPosed).toBe(true);
  });
});

describe('lime: the estimators\' expectations by exhaustive enumeration (M = 4)', () => {
  // stratifiedExpectation enumerates every equally likely stratified sample with one draw per stratum (1 x 4 x 6 x 4 x 1 = 96)
  const m = 4;
  const f = randomScore(m, new Rng(9));
  const exact = normalEquations(fullEnumeration(m), f, m);
  it('stratified with the adjustment factors p(k) / n_k: E[A_hat] = A and E[b_hat] = b exactly', () => {
    const e = stratifiedExpectation(f, m, true);
    expect(maxAbsDiff(e.a, exact.a)).toBeLessThan(1e-14);
    expect(maxAbsDiff(e.b, exact.b)).toBeLessThan(1e-14);
  });

  it('without the factors the expectation is another weighting (biased), and its fit another solution', () => {
    const e = stratifiedExpectation(f, m, false);
    expect(maxAbsDiff(e.a, exact.a)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(solveNormal(e.a, e.b).beta, exactLime(f, m))).toBeGreaterThan(1e-3);
  });

  it('Monte Carlo with n = 2: the mean over all 16^2 equally likely samples is (A, b)', () => {
    const ea = new Float64Array(exact.a.length), eb = new Float64Array(exact.b.length);
    for (let z1 = 0; z1 < 16; z1++) for (let z2 = 0; z2 < 16; z2++) {
      const { a, b } = normalEquations({ masks: Int32Array.of(z1, z2), factors: Float64Array.of(0.5, 0.5) }, f, m);
      a.forEach((v, i) => (ea[i] += v / 256));
      b.forEach((v, i) => (eb[i] += v / 256));
    }
    expect(maxAbsDiff(ea, exact.a)).toBeLessThan(1e-14);
    expect(maxAbsDiff(eb, exact.b)).toBeLessThan(1e-14);
  });

  it('the samplers draw what the enumeration assumes: sizes per stratum, uniform masks (frequencies)', () => {
    const rng = new Rng(4);
    const s = stratifiedSample(m, [1, 2, 3, 2, 1], rng);
    expect(Array.from(s.masks, popcount)).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 4]);
    expect(s.factors[1]).toBeCloseTo(4 / 16 / 2, 15);
    const counts = new Array(16).fill(0);
    const mc = monteCarloSample(m, 32000, rng);
    mc.masks.forEach((z) => counts[z]++);
    expect(Math.max(...counts.map((c) => Math.abs(c / 2000 - 1)))).toBeLessThan(0.08);
    const within = new Map<number, number>();
    const st = stratifiedSample(m, [1, 1, 6000, 1, 1], rng);
    st.masks.forEach((z) => { if (popcount(z) === 2) within.set(z, (within.get(z) ?? 0) + 1); });
    expect(within.size).toBe(6);
    expect(Math.max(...[...within.values()].map((c) => Math.abs(c / 1000 - 1)))).toBeLessThan(0.1);
  });

  it('allocation and argument checks', () => {
    expect(equalAllocation(12, 130)).toEqual(new Array(13).fill(10));
    expect(equalAllocation(4, 12)).toEqual([2, 2, 2, 3, 3]);
    expect(() => equalAllocation(12, 12)).toThrow(/cannot cover/);
    // proportional: one draw each, the rest by largest remainder of the proportional shares
    expect(proportionalAllocation(3, 14, [1, 1, 2, 6])).toEqual([2, 2, 3, 7]);
    expect(proportionalAllocation(3, 4, [0, 0, 0, 1])).toEqual([1, 1, 1, 1]);
    const mass = kernelMass(10);
    mass.forEach((v, k) => expect(v).toBeCloseTo((binomial(10, k) / 1024) * limeKernel(k, 10), 15));
    const alloc = proportionalAllocation(10, 110, mass);
    expect(alloc.reduce((s, c) => s + c, 0)).toBe(110);
    expect(Math.min(...alloc)).toBeGreaterThanOrEqual(1);
    const total = mass.reduce((s, v) => s + v, 0);
    alloc.forEach((c, k) => expect(Math.abs(c - 1 - (99 * mass[k]) / total)).toBeLessThan(1));
    expect(() => proportionalAllocation(3, 3, [1, 1, 1, 1])).toThrow(/cannot cover/);
    expect(() => proportionalAllocation(3, 8, [1, 1, 1])).toThrow(/3 weights for M = 3/);
    expect(() => stratifiedSample(4, [1, 1, 1], new Rng(1))).toThrow(/3 strata for M = 4 \(needs 5\)/);
    expect(() => stratifiedSample(4, [1, 0, 1, 1, 1], new Rng(1))).toThrow(/at least one draw/);
  });
});
