/** The max-stable-lr search against thresholds known exactly. */
import { describe, expect, it } from 'vitest';
import { maxStableLr } from '../src/techniques/lr-stability/index.js';
import { isStable } from '../src/claims/a3-lr-batch-scaling.js';
import { labelEntropy } from '../src/metrics/classification.js';

describe('maxStableLr', () => {
  it.each([0.37, 5, 1e-3])('brackets a sharp threshold at %f within the refinement ratio', async (edge) => {
    const r = await maxStableLr((lr) => lr < edge, { start: 0.1, refinements: 4 });
    expect(r.lr).toBeLessThan(edge);
    expect(r.unstableLr).toBeGreaterThanOrEqual(edge);
    expect(r.unstableLr / r.lr).toBeCloseTo(2 ** (1 / 16), 10);
    expect(r.probes.every((q) => q.stable === q.lr < edge)).toBe(true);
  });

  it('finds 2 / lambda for gradient descent on a quadratic (the classical edge of stability)', async () => {
    const lambdas = [3, 0.5, 0.1];
    const gdStable = (lr: number) => {
      const x = [1, 1, 1];
      for (let t = 0; t < 200; t++) lambdas.forEach((l, i) => (x[i] -= lr * l * x[i]));
      return Math.hypot(...x) < Math.sqrt(3);
    };
    const r = await maxStableLr(gdStable, { start: 0.01, refinements: 8 });
    expect(r.lr).toBeLessThanOrEqual(2 / 3);
    expect(r.unstableLr).toBeGreaterThan(2 / 3);
    expect(r.unstableLr / r.lr).toBeLessThan(1.003);
  });

  it('says where it gave up, and names bad options', async () => {
    await expect(maxStableLr(() => true, { start: 1, maxLr: 100 })).rejects.toThrow(/still stable at lr=128/);
    await expect(maxStableLr(() => false, { start: 1, minLr: 0.01 })).rejects.toThrow(/still unstable/);
    await expect(maxStableLr(() => true, { start: 0 })).rejects.toThrow(/start/);
    await expect(maxStableLr(() => true, { start: 1, factor: 1 })).rejects.toThrow(/factor/);
  });
});

describe('A3 stability rule', () => {
  it('takes the constant predictor\'s loss as the label entropy', () => {
    expect(labelEntropy(Int32Array.from([0, 1, 2, 3]), 4)).toBeCloseTo(Math.log(4), 12);
    expect(labelEntropy(Int32Array.from([1, 1, 1]), 10)).toBe(0);
  });

  it('rejects a run whose loss rose above the start or ended no better than a constant', () => {
    expect(isStable(2.5, 1.0, 3, Math.log(10))).toBe(true);
    expect(isStable(3.5, 1.0, 3, Math.log(10))).toBe(false);
    expect(isStable(2.5, 2.4, 3, Math.log(10))).toBe(false);
  });
});
