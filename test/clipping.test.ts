/** Clipping: the clipped mean field against closed forms, its root, and the runs against exact counts. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { centeredExponential, clipByNorm, clippedMean, clippedRoot, clippedSgd1d, exponentialClippedMean, iterationsToTolerance, twoPoint } from '../src/techniques/clipping/index.js';


describe('clipping', () => {
  it('clips by the Euclidean norm', () => {
    const c1 = clipByNorm([3, 4], 1);
    expect(c1[0]).toBeCloseTo(0.6, 15);
    expect(c1[1]).toBeCloseTo(0.8, 15);
    expect(Array.from(clipByNorm([0.3, 0.4], 1))).toEqual([0.3, 0.4]);
    expect(Array.from(clipByNorm([3, 4], Infinity))).toEqual([3, 4]);
  });

  it('the clipped mean field equals its closed form for exponential and two-point noise', () => {
    const e = centeredExponential(1.3);
    for (const m of [-3, -0.7, 0, 0.4, 2.5]) for (const c of [0.2, 1, 5]) {
      expect(clippedMean(m, c, e)).toBeCloseTo(exponentialClippedMean(m, c, 1.3), 10);
    }
    const tp = twoPoint(2, 0.2);
    const clip = (v: number, c: number) => Math.max(-c, Math.min(c, v));
    for (const m of [-1, 0, 0.3]) for (const c of [0.25, 1, 3]) expect(clippedMean(m, c, tp)).toBeCloseTo(0.2 * clip(m + 2, c) + 0.8 * clip(m - 0.5, c), 10);
    expect(clippedMean(0.7, Infinity, e)).toBe(0.7);
  });

  it('the root of the clipped mean field: the optimum for symmetric noise, shifted towards the long tail for skewed noise, and the optimum without clipping', () => {
    // (with c below the noise amplitude the symmetric field is flat at 0 around x*: c = 2 keeps the root unique)
    expect(clippedRoot(2, 1.5, 2, twoPoint(1, 0.5))).toBeCloseTo(1.5, 10);
    const e = centeredExponential(1);
    const r = clippedRoot(1, 0, 0.5, e);
    expect(exponentialClippedMean(r, 0.5, 1)).toBeCloseTo(0, 10);
    expect(r).toBeGreaterThan(0.1);
    const bias = [0.25, 0.5, 1, 2, 4].map((c) => clippedRoot(1, 0, c, e));
    bias.slice(1).forEach((b, i) => expect(b).toBeLessThan(bias[i]));
    // c -> 0: clip_c(v) / c -> sign(v), so the root is minus the noise median, 1 - ln 2
    expect(clippedRoot(1, 0, 1e-4, e)).toBeCloseTo(1 - Math.log(2), 3);
    expect(clippedRoot(1, 0.3, Infinity, e)).toBe(0.3);
  });

  it('vanishing-step clipped SGD settles at the root', () => {
    const e = centeredExponential(1);
    const root = clippedRoot(1, 0, 0.5, e);
    const rng = new Rng(1);
    let avg = 0;
    for (let k = 0; k < 10; k++) avg += clippedSgd1d(0.5, e, { mu: 1, xStar: 0, x0: 1, eta0: 0.5, t0: 100, alpha: 0.75, steps: 40000 }, rng).average / 10;
    expect(Math.abs(avg - root)).toBeLessThan(0.01);
  });

  it('counts gradient-descent iterations to each tolerance exactly on a quadratic', () => {
    // f = (L/2)|x|^2, eta = 1/(2L): |grad f| halves every step
    const L = 4;
    const grad = (x: Float64Array) => x.map((v) => L * v);
    expect(iterationsToTolerance(grad, [3, 0], 1 / (2 * L), Infinity, [1, 0.01], 100)).toEqual([Math.ceil(Math.log2(12 / 1)), Math.ceil(Math.log2(12 / 0.01))]);
    // clipped at c = 1: the first steps move by eta c = 1/8 until |grad| <= 1 ... then halve
    const clipped = iterationsToTolerance(grad, [3, 0], 1 / (2 * L), 1, [1, 0.01], 100);
    expect(clipped[0]).toBe(Math.ceil((3 - 0.25) / 0.125));
    expect(clipped[1] - clipped[0]).toBe(Math.ceil(Math.log2(1 / 0.01)));
  });

  it('names bad input', () => {
    expect(() => clipByNorm([1], 0)).toThrow(/clipByNorm: the clipping threshold/);
    expect(() => centeredExponential(-1)).toThrow(/centeredExponential/);
    expect(() => twoPoint(1, 1)).toThrow(/twoPoint/);
    expect(() => clippedRoot(0, 0, 1, twoPoint(1, 0.5))).toThrow(/clippedRoot: mu/);
    expect(() => iterationsToTolerance((x) => x, [1], 0.1, 1, [0.1, 0.5], 10)).toThrow(/non-increasing/);
  });
});
