/**
 * The assignment toolkit against exact computations: the Hungarian solver against brute force over all
 * permutations (n <= 7, square and rectangular, with ties), the noise assignment against brute force and as
 * a permutation, the exact Kolmogorov distribution against scipy's kstwo (values copied from scipy 1.10;
 * for n >= 400, where kstwo approximates, the same matrix evaluated in mpmath at 50 digits), and the
 * eps-model trainer: no leaked tensors, both arms on identical draws, the standard arm learning the exact
 * eps of a Gaussian mixture.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  assignmentCost, assignNoise, kolmogorovCdf, ksNormalTest, linearAssignment, pairCosts, trainEpsModel,
} from '../src/techniques/assignment/index.js';
import { gmm, gmmEps, linearBetas, sampleGmm } from '../src/techniques/diffusion/index.js';

/** All injective maps of n rows into m columns. */
function injections(n: number, m: number): number[][] {
  if (n === 0) return [[]];
  return injections(n - 1, m).flatMap((p) => Array.from({ length: m }, (_, j) => j).filter((j) => !p.includes(j)).map((j) => [...p, j]));
}

const bruteForce = (c: ArrayLike<number>, n: number, m: number) => Math.min(...injections(n, m).map((p) => assignmentCost(c, p, m)));

describe('linearAssignment', () => {
  it('matches brute force over all permutations for n = 1..7 (random costs)', () => {
    const rng = new Rng(1);
    for (let n = 1; n <= 7; n++) {
      for (let r = 0; r < (n <= 5 ? 20 : 4); r++) {
        const c = Float64Array.from({ length: n * n }, () => rng.normal() * 10);
        const col = linearAssignment(c, n);
        expect(new Set(col).size).toBe(n);
        expect(Math.abs(assignmentCost(c, col, n) - bruteForce(c, n, n))).toBeLessThan(1e-9);
      }
    }
  });

  it('matches brute force with ties (small integer costs) and on rectangular n < m', () => {
    const rng = new Rng(2);
    for (let r = 0; r < 30; r++) {
      const c = Float64Array.from({ length: 36 }, () => rng.int(3));
      expect(assignmentCost(c, linearAssignment(c, 6), 6)).toBe(bruteForce(c, 6, 6));
    }
    for (const [n, m] of [[2, 5], [3, 5], [4, 6], [1, 7]]) {
      const c = Float64Array.from({ length: n * m }, () => rng.normal());
      const col = linearAssignment(c, n, m);
      expect(new Set(col).size).toBe(n);
      expect(Math.abs(assignmentCost(c, col, m) - bruteForce(c, n, m))).toBeLessThan(1e-12);
    }
  });

  it('a hand-solved case and the empty problem', () => {
    // c_ij = (i + 1)(j + 1): by the rearrangement inequality large pairs with small, the anti-diagonal, 3 + 4 + 3 = 10 (the next best is 11)
    expect(Array.from(linearAssignment([1, 2, 3, 2, 4, 6, 3, 6, 9], 3))).toEqual([2, 1, 0]);
    expect(Array.from(linearAssignment([], 0))).toEqual([]);
  });

  it('bad input throws naming the function', () => {
    expect(() => linearAssignment([1, 2, 3], 2)).toThrow(/linearAssignment: cost has 3 values/);
    expect(() => linearAssignment([1, 2], 2, 1)).toThrow(/linearAssignment: need integers 0 <= n <= m/);
    expect(() => linearAssignment([1, NaN, 3, 4], 2)).toThrow(/linearAssignment: cost\[1\]/);
  });
});

describe('noise assignment', () => {
  it('minimises the total distance (or squared distance) over all permutations, and only permutes the noise', () => {
    const rng = new Rng(3);
    for (const cost of ['distance', 'squared'] as const) {
      for (let r = 0; r < 10; r++) {
        const x = Float64Array.from({ length: 12 }, () => rng.normal() * 2);
        const z = Float64Array.from({ length: 12 }, () => rng.normal());
        const given = assignNoise(x, z, 2, cost);
        expect(Array.from(given).sort()).toEqual(Array.from(z).sort());
        let total = 0;
        for (let i = 0; i < 6; i++) total += cost === 'distance' ? Math.hypot(x[2 * i] - given[2 * i], x[2 * i + 1] - given[2 * i + 1]) : (x[2 * i] - given[2 * i]) ** 2 + (x[2 * i + 1] - given[2 * i + 1]) ** 2;
        expect(Math.abs(total - bruteForce(pairCosts(x, z, 2, cost), 6, 6))).toBeLessThan(1e-9);
      }
    }
  });

  it('noise equal to the data (shuffled) is handed back to its own data point', () => {
    const x = Float64Array.of(0, 0, 5, 1, -3, 2, 1, -4);
    const z = Float64Array.of(-3, 2, 1, -4, 0, 0, 5, 1);
    expect(Array.from(assignNoise(x, z, 2))).toEqual(Array.from(x));
    expect(Array.from(pairCosts([0, 0], [3, 4], 2))).toEqual([5]);
    expect(Array.from(pairCosts([0, 0], [3, 4], 2, 'squared'))).toEqual([25]);
  });

  it('bad input throws naming the function', () => {
    expect(() => pairCosts([1, 2], [1, 2, 3, 4], 2)).toThrow(/pairCosts: x and z/);
    expect(() => pairCosts([1, 2], [1, 2], 2, 'l1' as never)).toThrow(/pairCosts: cost/);
  });
});

describe('Kolmogorov-Smirnov against N(0, 1)', () => {
  it('the exact null distribution matches scipy.stats.kstwo (n < 400) and mpmath at 50 digits (n >= 400, where kstwo approximates)', () => {
    const ref: [number, number, number][] = [[1, 0.7, 0.3999999999999999], [5, 0.3, 0.33599999999999997], [5, 0.6, 0.96992], [20, 0.1, 0.023744905407845036],
      [20, 0.25, 0.8623743016328251], [100, 0.05, 0.0467840289364275], [100, 0.12, 0.8966962509818006], [400, 0.03, 0.14658877086665913],
      [400, 0.07, 0.962208852077868], [1000, 0.05, 0.9869879286900331]];
    for (const [n, d, p] of ref) expect(Math.abs(kolmogorovCdf(n, d) - p)).toBeLessThan(1e-12);
    expect(kolmogorovCdf(10, 0.04)).toBe(0);
    expect(kolmogorovCdf(10, 1)).toBe(1);
  });

  it('statistic and p-value match scipy.stats.kstest(x, "norm", method="exact")', () => {
    const r = ksNormalTest([-1.2, 0.3, 0.8, -0.1, 2.2, 0.05, -0.6, 1.1]);
    expect(Math.abs(r.statistic - 0.210172162722971)).toBeLessThan(1e-12);
    expect(Math.abs(r.pValue - 0.8047989885421929)).toBeLessThan(1e-10);
  });

  it('is calibrated on normal draws and rejects a shifted sample', () => {
    const rng = new Rng(4);
    let rejected = 0;
    for (let r = 0; r < 400; r++) if (ksNormalTest(Array.from({ length: 50 }, () => rng.normal())).pValue < 0.05) rejected++;
    // 400 tests at level 0.05: 20 expected, 99.9% of the binomial within [8, 35]
    expect(rejected).toBeGreaterThanOrEqual(8);
    expect(rejected).toBeLessThanOrEqual(35);
    expect(ksNormalTest(Array.from({ length: 50 }, () => rng.normal() + 1)).pValue).toBeLessThan(1e-4);
    expect(() => ksNormalTest([])).toThrow(/ksNormalTest: needs/);
    expect(() => kolmogorovCdf(0, 0.1)).toThrow(/kolmogorovCdf: n/);
  });
});

describe('trainEpsModel', () => {
  const data = gmm([0.5, 0.5], [[-1, 0], [1, 0]], 0.05);
  const schedule = linearBetas(1000);

  it('both arms see the same draws; immiscible noise is a permutation nearer the data; no tensors leak', async () => {
    const before = tf.memory().numTensors;
    const seen: Record<string, { x: number[]; drawn: number[]; given: number[] }[]> = { standard: [], immiscible: [] };
    for (const assign of [null, 'distance'] as const) {
      const arm = assign ? 'immiscible' : 'standard';
      const m = await trainEpsModel({
        schedule, sampleData: (n, r) => sampleGmm(data, n, r), d: 2, hidden: [16], steps: 5, batchSize: 16, lr: 1e-3, assign, rng: new Rng(5), emaDecay: 0.9, evalEvery: 2,
        onBatch: (x, drawn, given) => seen[arm].push({ x: Array.from(x), drawn: Array.from(drawn), given: Array.from(given) }),
        onEval: (step, eps) => ({ probe: eps(Float64Array.of(0.5, 0.5), 500)[0] }),
      });
      expect(m.history.map((h) => h.step)).toEqual([2, 4, 5]);
      expect(m.history.every((h) => Number.isFinite(h.probe))).toBe(true);
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    seen.standard.forEach((b, i) => {
      expect(seen.immiscible[i].x).toEqual(b.x);
      expect(seen.immiscible[i].drawn).toEqual(b.drawn);
      expect(b.given).toEqual(b.drawn);
      expect([...seen.immiscible[i].given].sort()).toEqual([...b.drawn].sort());
      const total = (g: number[]) => b.x.reduce((s, _, k) => (k % 2 ? s : s + Math.hypot(b.x[k] - g[k], b.x[k + 1] - g[k + 1])), 0);
      expect(total(seen.immiscible[i].given)).toBeLessThanOrEqual(total(b.drawn) + 1e-12);
    });
  });

  it('the standard arm learns the exact eps of the mixture (error well below that of predicting 0)', async () => {
    const m = await trainEpsModel({ schedule, sampleData: (n, r) => sampleGmm(data, n, r), d: 2, hidden: [64, 64], steps: 400, batchSize: 128, lr: 2e-3, assign: null, rng: new Rng(6) });
    const rng = new Rng(7);
    const t = 300;
    const ab = schedule.alphaBar[t];
    const x = sampleGmm(data, 500, rng).map((v) => Math.sqrt(ab) * v + Math.sqrt(1 - ab) * rng.normal());
    const [learned, exact] = [m.eps(x, t), gmmEps(data, schedule)(x, t)];
    m.dispose();
    let [err, size] = [0, 0];
    for (let j = 0; j < x.length; j++) [err, size] = [err + (learned[j] - exact[j]) ** 2, size + exact[j] ** 2];
    expect(Math.sqrt(err / size)).toBeLessThan(0.3);
  }, 60_000);

  it('bad input throws naming the function', async () => {
    const base = { schedule, sampleData: (n: number, r: Rng) => sampleGmm(data, n, r), d: 2, hidden: [4], steps: 2, batchSize: 4, lr: 1e-3, assign: null, rng: new Rng(8) };
    await expect(trainEpsModel({ ...base, emaDecay: 1 })).rejects.toThrow(/trainEpsModel: emaDecay/);
    await expect(trainEpsModel({ ...base, batchSize: 1 })).rejects.toThrow(/trainEpsModel: batchSize/);
    await expect(trainEpsModel({ ...base, sampleData: () => new Float64Array(3) })).rejects.toThrow(/trainEpsModel: sampleData returned 3/);
  });
});
