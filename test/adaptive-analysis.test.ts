/** Query-answering mechanisms and the adaptive analysts against exact values. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { adaptiveQueryStream, empiricalMean, holdoutReuse, laplace, noisyMean, Thresholdout } from '../src/techniques/adaptive-analysis/index.js';

describe('mechanisms', () => {
  it('Laplace draws have E|X| = b; the empirical mean is exact; noisy means are unbiased', () => {
    const rng = new Rng(1);
    let a = 0;
    for (let i = 0; i < 20000; i++) a += Math.abs(laplace(0.3, rng)) / 20000;
    expect(Math.abs(a / 0.3 - 1)).toBeLessThan(0.03);
    expect(empiricalMean([0, 1, 1, 0.5])).toBe(0.625);
    let m = 0;
    for (let i = 0; i < 20000; i++) m += noisyMean([0.2, 0.4], 0.1, rng) / 20000;
    expect(Math.abs(m - 0.3)).toBeLessThan(0.003);
    expect(() => laplace(-1, rng)).toThrow(/laplace: scale/);
    expect(() => empiricalMean([])).toThrow(/empiricalMean: no values/);
  });

  it('Thresholdout answers from training below the threshold, from the holdout above it, and from training once its budget is spent', () => {
    const rng = new Rng(2);
    const t = new Thresholdout({ threshold: 0.1, sigma: 0, budget: 2 }, rng);
    expect(t.answer(0.5, 0.55)).toBe(0.5);
    expect(t.answer(0.5, 0.8)).toBe(0.8);
    expect(t.answer(0.5, 0.2)).toBe(0.2);
    expect(t.overfits).toBe(2);
    expect(t.answer(0.5, 0.9)).toBe(0.5);
    expect(() => new Thresholdout({ threshold: -1, sigma: 0, budget: 1 }, rng)).toThrow(/Thresholdout: /);
  });
});

describe('adaptive analysts', () => {
  it('the query stream: exact answers give zero error; empirical answers follow the attack prediction Phi(sqrt(2t/(pi n))) - 1/2', () => {
    const exact = adaptiveQueryStream(50, 40, [10, 40], () => 0.5, new Rng(3));
    expect(exact.maxError).toEqual([0, 0]);
    expect(exact.queries).toEqual([20, 80]);
    // n = 400, t = 400: prediction Phi(0.798) - 1/2 = 0.2875 (mean over 8 streams)
    let agg = 0;
    for (let r = 0; r < 8; r++) agg += adaptiveQueryStream(400, 400, [400], empiricalMean, new Rng(10 + r)).aggregateError[0] / 8;
    expect(Math.abs(agg - 0.2875)).toBeLessThan(0.03);
    expect(() => adaptiveQueryStream(10, 5, [6], empiricalMean, new Rng(1))).toThrow(/adaptiveQueryStream: checkpoints/);
  });

  it('holdout reuse: fresh accuracy sits at 1/2 (no signal) while the training accuracy of the selected classifier is above it', () => {
    const [r] = holdoutReuse(400, 400, [5, 20], [{ kind: 'empirical' }], new Rng(4));
    expect(r.used.every((u, i) => u <= [5, 20][i])).toBe(true);
    for (const f of r.freshAccuracy) expect(Math.abs(f - 0.5)).toBeLessThan(0.1);
    expect(r.trainAccuracy[1]).toBeGreaterThan(0.55);
    expect(() => holdoutReuse(1, 10, [1], [{ kind: 'empirical' }], new Rng(1))).toThrow(/holdoutReuse: n and d/);
  });
});
