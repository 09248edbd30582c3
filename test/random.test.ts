import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { studentTCdf } from '../src/stats/distributions.js';

describe('Rng', () => {
  it('gives the same numbers for the same seed, run to run', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.nextU32());
    expect(Array.from({ length: 1000 }, () => b.nextU32())).toEqual(xs);
    // pinned values: a change of algorithm changes every stored result, so it must be deliberate
    expect(new Rng(42).normalArray(3)).toMatchInlineSnapshot(`
      Float32Array [
        0.36039894819259644,
        -0.8372282385826111,
        -0.01350611262023449,
      ]
    `);
  });

  it('gives different numbers for different seeds and forks', () => {
    const a = new Rng(1).normalArray(100);
    const b = new Rng(2).normalArray(100);
    const c = new Rng(1).fork('x').normalArray(100);
    const d = new Rng(1).fork('y').normalArray(100);
    for (const other of [b, c, d]) expect(Array.from(other)).not.toEqual(Array.from(a));
    expect(Array.from(new Rng(1).fork('x').normalArray(100))).toEqual(Array.from(c));
  });

  it('has the right moments', () => {
    const r = new Rng(3);
    const n = 200_000;
    const u = r.uniformArray(n);
    const z = r.normalArray(n);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(mean(z)).toBeCloseTo(0, 2);
    expect(mean(z.map((v) => v * v))).toBeCloseTo(1, 1.5);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('draws Gamma and Student t with the right distributions (Kolmogorov-Smirnov against the exact cdf)', () => {
    const r = new Rng(4);
    const n = 200_000;
    // 99.9% critical value of the KS statistic (a wrong sampler misses by far more at this n)
    const critical = 1.95 / Math.sqrt(n);
    for (const df of [1, 1.5, 5]) {
      const x = Float64Array.from({ length: n }, () => r.studentT(df)).sort();
      let ks = 0;
      x.forEach((v, i) => { ks = Math.max(ks, Math.abs((i + 1) / n - studentTCdf(v, df)), Math.abs(i / n - studentTCdf(v, df))); });
      expect(ks, `Student t df ${df}`).toBeLessThan(critical);
    }
    for (const shape of [0.5, 3]) {
      const g = Array.from({ length: n }, () => r.gamma(shape));
      const m = g.reduce((a, b) => a + b, 0) / n;
      const v = g.reduce((a, b) => a + (b - m) ** 2, 0) / n;
      // mean and variance of Gamma(k, 1) are both k; standard errors ~ sqrt(k/n) and ~ k sqrt(2(1+3/k)/n)
      expect(Math.abs(m - shape)).toBeLessThan(4 * Math.sqrt(shape / n));
      expect(Math.abs(v - shape) / shape).toBeLessThan(4 * Math.sqrt((2 + 6 / shape) / n));
      expect(g.every((x) => x > 0)).toBe(true);
    }
    expect(() => r.studentT(0)).toThrow(/df must be > 0/);
  });

  it('permutes without losing or repeating elements', () => {
    const p = new Rng(5).permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('makes identical tensors whatever the backend', () => {
    const t = new Rng(9).normalTensor([4, 5], 1, 2);
    expect(t.shape).toEqual([4, 5]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(new Rng(9).normalArray(20, 1, 2)));
    t.dispose();
    expect(() => new Rng(NaN)).toThrow(/seed/);
    void tf;
  });
});
