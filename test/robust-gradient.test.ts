/** Robust gradient estimators and the tail-index estimator against exact computations. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { hillTailIndex } from '../src/stats/tails.js';
import { clipByNorm, median } from '../src/techniques/robust-gradient/estimators.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';

/** Median of each run of values along `axis` of a [a, b, c] array, by sorting. */
function medianBySort(x: Float32Array, shape: number[], axis: number): number[] {
  const [a, b, c] = shape;
  const at = (i: number, j: number, k: number) => x[(i * b + j) * c + k];
  const out: number[] = [];
  const mid = (v: number[]) => { v.sort((p, q) => p - q); const n = v.length; return (v[Math.floor((n - 1) / 2)] + v[Math.floor(n / 2)]) / 2; };
  if (axis === 0) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out.push(mid(Array.from({ length: a }, (_, i) => at(i, j, k))));
  if (axis === 1) for (let i = 0; i < a; i++) for (let k = 0; k < c; k++) out.push(mid(Array.from({ length: b }, (_, j) => at(i, j, k))));
  if (axis === 2) for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.push(mid(Array.from({ length: c }, (_, k) => at(i, j, k))));
  return out;
}

describe('median', () => {
  it.each([[[5, 4, 3], 0], [[3, 8, 2], 1], [[2, 3, 7], 2], [[2, 3, 7], -1], [[3, 1, 4], 1]] as [number[], number][])('of a %j tensor along axis %i matches sorting', async (shape, axis) => {
    const rng = new Rng(shape[0] * 10 + axis);
    const x = rng.normalTensor(shape);
    const m = await expectNoLeak(() => { const t = median(x, axis); const v = t.dataSync(); t.dispose(); return v; });
    expect(maxAbsDiff(m, medianBySort(x.dataSync() as Float32Array, shape, axis < 0 ? 3 + axis : axis))).toBeLessThan(1e-6);
    x.dispose();
  });

  it('ignores an outlier that moves the mean arbitrarily far', () => {
    const t = tf.tensor2d([[1, 2], [2, 3], [1e9, -1e9]]);
    expect(Array.from(median(t, 0).dataSync())).toEqual([2, 2]);
    t.dispose();
  });

  it('names a bad axis', () => {
    const t = tf.zeros([2, 2]);
    expect(() => median(t, 2)).toThrow(/axis 2 out of range for a tensor of rank 2/);
    t.dispose();
  });
});

describe('clipByNorm', () => {
  it('scales vectors longer than the bound to it and leaves shorter ones alone', async () => {
    const t = tf.tensor2d([[3, 4], [0.3, 0.4], [0, 0]]);
    const c = await expectNoLeak(() => { const r = clipByNorm(t, 1); const v = r.dataSync(); r.dispose(); return v; });
    expect(maxAbsDiff(c, [0.6, 0.8, 0.3, 0.4, 0, 0])).toBeLessThan(1e-6);
    expect(() => clipByNorm(t, 0)).toThrow(/maxNorm must be > 0/);
    t.dispose();
  });
});

describe('hillTailIndex', () => {
  it('recovers the tail index of Pareto samples', () => {
    const rng = new Rng(7);
    for (const alpha of [1.5, 3]) {
      // Pareto(alpha): U^(-1/alpha)
      const x = Array.from({ length: 20_000 }, () => Math.pow(1 - rng.uniform(), -1 / alpha));
      // k = 2000: standard error alpha / sqrt(k), about 0.03-0.07
      expect(Math.abs(hillTailIndex(x, 2000) - alpha)).toBeLessThan(5 * alpha / Math.sqrt(2000));
    }
  });

  it('says when k does not fit the sample', () => {
    expect(() => hillTailIndex([1, 2, 3], 3)).toThrow(/k must be in \[1, 2\] for 3 positive values/);
  });
});
