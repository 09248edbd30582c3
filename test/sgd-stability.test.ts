/** SGD's mean-square stability: the second-moment recursion against exhaustive enumeration of batches, and thresholds known in closed form. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  bernoulliSgdStep, coherence, coherenceInstabilityLr, criticalLr, enumeratedSecondMomentStep, isPositiveDefinite, meanHessian, secondMomentRadius, secondMomentStep, solveDense,
  symmetricEigenvalues, type RankOneProblem,
} from '../src/techniques/sgd-stability/index.js';

function randomProblem(n: number, d: number, seed: number): RankOneProblem {
  const rng = new Rng(seed);
  return { features: Array.from({ length: n }, () => Float64Array.from({ length: d }, () => rng.normal())) };
}

const enumerate = enumeratedSecondMomentStep;

describe('sgd-stability', () => {
  it('small dense linear algebra', () => {
    const a = Float64Array.of(2, 1, 0, 1, 3, 1, 0, 1, 4);
    const ev = symmetricEigenvalues(a, 3);
    expect(ev.reduce((s, v) => s + v, 0)).toBeCloseTo(9, 12);
    expect(ev[0] * ev[1] * ev[2]).toBeCloseTo(2 * 11 - 1 * 4, 10); // det
    const x = solveDense(a, Float64Array.of(1, 2, 3), 3);
    expect(2 * x[0] + x[1]).toBeCloseTo(1, 12);
    expect(x[0] + 3 * x[1] + x[2]).toBeCloseTo(2, 12);
    expect(isPositiveDefinite(a, 3)).toBe(true);
    expect(isPositiveDefinite(Float64Array.of(1, 2, 2, 1), 2)).toBe(false);
  });

  it('the second-moment recursion equals exhaustive enumeration of Bernoulli batches', () => {
    const p = randomProblem(7, 3, 1);
    const m = Float64Array.of(1, 0.3, -0.2, 0.3, 0.8, 0.1, -0.2, 0.1, 0.5);
    for (const batch of [1, 3, 7]) {
      const got = secondMomentStep(p, 0.07, batch, m), want = enumerate(p, 0.07, batch, m);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    }
  });

  it('full batch is gradient descent: the critical lr is 2 / lambda_1(H)', () => {
    const p = randomProblem(12, 4, 2);
    const l1 = symmetricEigenvalues(meanHessian(p), 4).at(-1)!;
    expect(criticalLr(p, 12) * l1 / 2).toBeCloseTo(1, 8);
  });

  it('orthogonal examples (coherence 1): eta* = 2B / c^2, and the paper\'s condition is tight exactly at B = n/2', () => {
    const n = 8, c = 1.7;
    const p: RankOneProblem = { features: Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, k) => (k === i ? c : 0))) };
    const co = coherence(p);
    expect(co.sigma).toBeCloseTo(1, 12);
    for (const batch of [1, 2, 4, 6]) {
      const eta = criticalLr(p, batch);
      expect(eta / (2 * batch / (c * c))).toBeCloseTo(1, 8);
      const suff = coherenceInstabilityLr(p, batch, co);
      expect(suff).toBeGreaterThanOrEqual(eta * (1 - 1e-8));
      if (batch === n / 2) expect(suff / eta).toBeCloseTo(1, 8);
    }
  });

  it('the power-iteration radius crosses 1 at the critical lr', () => {
    const p = randomProblem(10, 3, 3);
    for (const batch of [1, 4]) {
      const eta = criticalLr(p, batch);
      expect(secondMomentRadius(p, 0.98 * eta, batch, 4000)).toBeLessThan(1);
      expect(secondMomentRadius(p, 1.02 * eta, batch, 4000)).toBeGreaterThan(1);
    }
  });

  it('a full Bernoulli batch is a gradient-descent step; smaller batches draw B examples on average', () => {
    const p = randomProblem(6, 3, 4);
    const w = Float64Array.of(0.5, -1, 2), h = meanHessian(p);
    const want = Array.from({ length: 3 }, (_, r) => w[r] - 0.1 * (h[r * 3] * w[0] + h[r * 3 + 1] * w[1] + h[r * 3 + 2] * w[2]));
    const got = w.slice();
    bernoulliSgdStep(p, 0.1, 6, got, new Rng(1));
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 13));
    const rng = new Rng(2);
    let drawn = 0;
    for (let k = 0; k < 4000; k++) drawn += bernoulliSgdStep(p, 1e-9, 2, w.slice(), rng);
    expect(drawn / 4000).toBeCloseTo(2, 1);
  });

  it('names bad input', () => {
    const p = randomProblem(4, 2, 5);
    expect(() => criticalLr(p, 0)).toThrow(/criticalLr: batch/);
    expect(() => secondMomentStep(p, -1, 1, new Float64Array(4))).toThrow(/secondMomentStep: eta/);
    expect(() => coherence({ features: [] })).toThrow(/coherence: the problem has no examples/);
    expect(() => solveDense(Float64Array.of(1, 2, 2, 4), Float64Array.of(1, 1), 2)).toThrow(/singular/);
    expect(() => bernoulliSgdStep(p, Infinity, 1, new Float64Array(2), new Rng(1))).toThrow(/bernoulliSgdStep: eta/);
    expect(() => bernoulliSgdStep(p, 0.1, 1, new Float64Array(3), new Rng(1))).toThrow(/bernoulliSgdStep: w/);
    expect(() => enumeratedSecondMomentStep(p, 0.1, 1, new Float64Array(3))).toThrow(/enumeratedSecondMomentStep: m/);
  });

  it('orthogonal equal-norm features: eta* = 2B / |x|^2 and the paper\'s lr / eta* = (n/B) / (2 sqrt(n/B - 1))', () => {
    const n = 8, l = 1.7;
    const p: RankOneProblem = { features: Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, k) => (k === i ? Math.sqrt(l) : 0))) };
    const co = coherence(p);
    expect(co.sigma).toBeCloseTo(1, 12);
    for (const b of [1, 2, 4]) {
      const star = criticalLr(p, b, { tol: 1e-10 });
      expect(star).toBeCloseTo(2 * b / l, 7);
      const q = n / b;
      expect(coherenceInstabilityLr(p, b, co) / star).toBeCloseTo(q / (2 * Math.sqrt(q - 1)), 7);
    }
  });
});
