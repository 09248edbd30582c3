/** The verdict kit: its tests against exact computations, each outcome rule at its boundary, and the status over parts. */
import { describe, expect, it } from 'vitest';
import {
  check, effectOf, meanOf, outcomeOf, paired, premise, proportion, signs, slopeOf, verdict, type Claimed, type Effect,
} from '../src/claims/kit/verdict.js';
import {
  binomialOneSidedP, binomialUpperTail, clopperPearson, slopeEstimate, tEstimate, tOneSidedP, tostP, tTwoSidedP,
} from '../src/stats/tests.js';

describe('tests (exact identities and scipy reference values)', () => {
  it('the t interval bounds are where the one-sided p-values are 2.5%', () => {
    const e = tEstimate([0.3, 0.1, 0.45, 0.2, 0.33, 0.05]);
    expect(tOneSidedP(e, e.lo, 1)).toBeCloseTo(0.025, 12);
    expect(tOneSidedP(e, e.hi, -1)).toBeCloseTo(0.025, 12);
    expect(tTwoSidedP(e, e.lo)).toBeCloseTo(0.05, 12);
  });

  it('one-sample t p-value (scipy.stats.ttest_1samp([1, 2, 3, 4], 0): t = 3.872983, p = 0.030466)', () => {
    const e = tEstimate([1, 2, 3, 4]);
    expect(e.estimate / e.se!).toBeCloseTo(3.872983346207417, 10);
    expect(tTwoSidedP(e)).toBeCloseTo(0.030466, 5);
  });

  it('TOST p is the larger one-sided p; equivalence at 5% iff the 90% interval is inside the margin', () => {
    const e = tEstimate([0.01, -0.004, 0.006, 0.002, -0.001, 0.003, 0.0, 0.004]);
    const m = 0.01;
    expect(tostP(e, m)).toBe(Math.max(tOneSidedP(e, -m, 1), tOneSidedP(e, m, -1)));
    const lo90 = tEstimate([0.01, -0.004, 0.006, 0.002, -0.001, 0.003, 0.0, 0.004], 0.9);
    expect(tostP(e, m) < 0.05).toBe(lo90.lo > -m && lo90.hi < m);
    // at a margin equal to the 90% interval's far end, TOST's p is exactly 5%
    const edge = Math.max(-lo90.lo, lo90.hi);
    expect(tostP(e, edge)).toBeCloseTo(0.05, 10);
  });

  it('binomial tails by enumeration; Clopper-Pearson bounds where the tails are 2.5%', () => {
    const choose = (n: number, k: number) => { let r = 1; for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i; return r; };
    const tail = (k: number, n: number, p: number) => { let s = 0; for (let i = k; i <= n; i++) s += choose(n, i) * p ** i * (1 - p) ** (n - i); return s; };
    for (const [k, n, p] of [[7, 10, 0.5], [10, 10, 0.5], [3, 12, 0.2], [0, 5, 0.3]] as const) expect(binomialUpperTail(k, n, p)).toBeCloseTo(tail(k, n, p), 12);
    const ci = clopperPearson(7, 10);
    expect(binomialUpperTail(7, 10, ci.lo)).toBeCloseTo(0.025, 9);
    expect(1 - binomialUpperTail(8, 10, ci.hi)).toBeCloseTo(0.025, 9);
    expect(clopperPearson(0, 5).lo).toBe(0);
    expect(clopperPearson(5, 5).hi).toBe(1);
    // 10/10 seeds on one side: p = 2^-10 one-sided
    expect(binomialOneSidedP(10, 10, 0.5, 1)).toBeCloseTo(2 ** -10, 15);
    expect(binomialOneSidedP(0, 10, 0.5, -1)).toBeCloseTo(2 ** -10, 15);
  });

  it('slope and its standard error by hand', () => {
    const x = [0, 1, 2, 3, 4];
    const y = [0.1, 0.9, 2.2, 2.8, 4.1];
    const s = slopeEstimate(x, y);
    // sxx = 10, sxy = 9.9, slope 0.99; mean y 2.02, so intercept 0.04
    expect(s.estimate).toBeCloseTo(0.99, 12);
    expect(s.intercept).toBeCloseTo(0.04, 12);
    const res = y.map((yi, i) => yi - 0.04 - 0.99 * x[i]);
    const se = Math.sqrt(res.reduce((a, r) => a + r * r, 0) / 3 / 10);
    expect(s.se).toBeCloseTo(se, 12);
    expect(s.hi - s.estimate).toBeCloseTo(3.182446305284263 * se, 10);
  });
});

const est = (estimate: number, lo: number, hi: number) => ({ estimate, lo, hi, level: 0.95, n: 10 });

describe('outcome rules at their boundaries', () => {
  const dir: Claimed = { kind: 'direction', sign: 1, smallest: 0.05 };
  it('direction: holds when the interval clears 0, fails when it lies short of the smallest effect, else inconclusive', () => {
    expect(outcomeOf(est(0.1, 0.01, 0.19), dir, [0.02, 0.18])).toBe('holds');
    expect(outcomeOf(est(0.05, -0.01, 0.11), dir, [0, 0.1])).toBe('inconclusive');
    expect(outcomeOf(est(0.0, -0.02, 0.049), dir, [0, 0])).toBe('fails');
    // significant but wholly below the smallest effect that counts
    expect(outcomeOf(est(0.02, 0.01, 0.03), dir, [0, 0])).toBe('fails');
    // the other sign, around a reference
    expect(outcomeOf(est(0.8, 0.7, 0.9), { kind: 'direction', sign: -1, reference: 1, smallest: 0.1 }, [0, 0])).toBe('holds');
    expect(outcomeOf(est(0.95, 0.92, 0.98), { kind: 'direction', sign: -1, reference: 1, smallest: 0.1 }, [0, 0])).toBe('fails');
  });

  it('equivalence: the 90% interval inside the margin holds; the 95% interval outside fails; an interval covering 0 is not enough', () => {
    const eq: Claimed = { kind: 'equivalence', margin: 0.02 };
    expect(outcomeOf(est(0.0, -0.019, 0.019), eq, [-0.015, 0.015])).toBe('holds');
    expect(outcomeOf(est(0.0, -0.05, 0.05), eq, [-0.04, 0.04])).toBe('inconclusive');
    expect(outcomeOf(est(-0.028, -0.04, -0.021), eq, [-0.038, -0.023])).toBe('fails');
    expect(outcomeOf(est(1.0, 0.9, 1.1), { kind: 'equivalence', margin: 0.2, target: 1 }, [0.92, 1.08])).toBe('holds');
  });

  it('difference: holds when the interval excludes the reference and reaches the smallest difference on either side; fails inside it', () => {
    const df: Claimed = { kind: 'difference', smallest: 0.02 };
    expect(outcomeOf(est(0.05, 0.03, 0.07), df, [0, 0])).toBe('holds');
    expect(outcomeOf(est(-0.05, -0.07, -0.01), df, [0, 0])).toBe('holds');
    expect(outcomeOf(est(0.01, -0.01, 0.03), df, [0, 0])).toBe('inconclusive');
    // significant but every difference in the interval smaller than what counts
    expect(outcomeOf(est(0.01, 0.005, 0.015), df, [0, 0])).toBe('fails');
    expect(outcomeOf(est(1.2, 1.1, 1.3), { kind: 'difference', smallest: 0.05, reference: 1 }, [0, 0])).toBe('holds');
    const e = meanOf('gap', 'a gap', [0.1, 0.12, 0.09, 0.11], df);
    expect(e).toMatchObject({ test: 'two-sided t', outcome: 'holds' });
    expect(e.p).toBeLessThan(0.001);
  });

  it('non-inferiority: lower one-sided bound above -margin holds; upper below it fails', () => {
    const ni: Claimed = { kind: 'non-inferiority', margin: 0.02, sign: 1 };
    expect(outcomeOf(est(-0.005, -0.025, 0.015), ni, [-0.018, 0.01])).toBe('holds');
    expect(outcomeOf(est(-0.02, -0.04, 0.0), ni, [-0.035, -0.005])).toBe('inconclusive');
    expect(outcomeOf(est(-0.05, -0.07, -0.03), ni, [-0.065, -0.035])).toBe('fails');
    // lower is better
    expect(outcomeOf(est(0.005, -0.01, 0.02), { kind: 'non-inferiority', margin: 0.02, sign: -1 }, [-0.008, 0.018])).toBe('holds');
  });
});

describe('builders and status', () => {
  const a = [0.82, 0.84, 0.81, 0.85, 0.83, 0.84, 0.82, 0.86];
  const b = [0.80, 0.81, 0.80, 0.82, 0.80, 0.82, 0.81, 0.83];
  const holds = paired('gain', 'accuracy, A - B', a, b, { kind: 'direction', sign: 1, smallest: 0.005 }, { unit: 'accuracy' });
  const fails = paired('drop', 'accuracy, B - A', b, a, { kind: 'direction', sign: 1, smallest: 0.005 }, { part: 'second part' });

  it('paired t: estimate, interval and one-sided p from the differences', () => {
    const d = tEstimate(a.map((x, i) => x - b[i]));
    expect(holds).toMatchObject({ estimate: d.estimate, lo: d.lo, hi: d.hi, test: 'paired t', outcome: 'holds', n: 8 });
    expect(holds.p).toBeCloseTo(tOneSidedP(d, 0, 1), 14);
    expect(fails.outcome).toBe('fails');
    expect(meanOf('m', 'm', [1, 2, 3, 4], { kind: 'equivalence', margin: 0.5, target: 2.5 }).test).toBe('TOST equivalence');
    expect(slopeOf('s', 's', [0, 1, 2, 3, 4], [0.1, 0.9, 2.2, 2.8, 4.1], { kind: 'direction', sign: 1, smallest: 0.5 })).toMatchObject({ test: 'slope t', outcome: 'holds' });
    expect(proportion('k', 'wins', 9, 10, { kind: 'direction', sign: 1, reference: 0.5, smallest: 0 })).toMatchObject({ outcome: 'holds', test: 'exact binomial' });
    expect(signs('w', 'wins', [1, 2, 3, 4, 5], [0, 0, 0, 0, 0], { sign: 1, smallest: 0 })).toMatchObject({ outcome: 'inconclusive', test: 'exact sign', estimate: 1 });
    // all pairs tied (A12 when both arms reach the target at the same looks): no evidence, inconclusive, not an exception
    expect(signs('w', 'wins', [1, 0, 1], [1, 0, 1], { sign: 1, smallest: 0.25 })).toMatchObject({ outcome: 'inconclusive', estimate: 0.5, lo: 0, hi: 1, n: 0, p: 1 });
    expect(() => signs('w', 'wins', [1, 0], [1], { sign: 1, smallest: 0 })).toThrow(/2 vs 1 paired values/);
  });

  it('status over parts; premise and exact checks make a verdict inconclusive', () => {
    expect(verdict({ effects: [holds] }).status).toBe('reproduced');
    expect(verdict({ effects: [fails] }).status).toBe('not reproduced');
    const partly = verdict({ effects: [holds, fails] });
    expect(partly.status).toBe('partly reproduced');
    expect(partly.reasons).toEqual(['claim: holds', 'second part: fails']);
    const inc: Effect = { ...holds, key: 'inc', outcome: 'inconclusive' };
    expect(verdict({ effects: [inc] }).status).toBe('inconclusive');
    expect(verdict({ effects: [holds, { ...inc, part: 'other' }] }).status).toBe('partly reproduced');
    expect(verdict({ effects: [fails, { ...inc, part: 'other' }] }).status).toBe('not reproduced');
    // a reported-only effect does not decide
    expect(verdict({ effects: [holds, { ...fails, decides: false }] }).status).toBe('reproduced');
    const noPremise = verdict({ effects: [holds], premise: [premise('trainAcc', 'training accuracy', 0.6, { atLeast: 0.9 })] });
    expect(noPremise.status).toBe('inconclusive');
    expect(noPremise.reasons[0]).toMatch(/premise not met: training accuracy = 0.600 \(needs >= 0.900\)/);
    expect(verdict({ effects: [holds], checks: [check('cp', 'clipped norm / C', 1.2, 1, 1e-6)] }).status).toBe('inconclusive');
  });

  it('summary and numbers come from the fields', () => {
    const v = verdict({ effects: [fails, holds], headline: 'gain', premise: [premise('fit', 'train fit', 0.99, { atLeast: 0.95 })], numbers: { seeds: 8 } });
    expect(v.summary.startsWith('accuracy, A - B 0.022 [')).toBe(true);
    expect(v.summary).toContain('claimed > 0.000 by >= 0.005: holds');
    expect(v.summary).toContain('premise: train fit 0.990 (needs >= 0.950: met)');
    expect(v.numbers).toMatchObject({ seeds: 8, gain: holds.estimate, gainLo: holds.lo, gainHi: holds.hi, drop: fails.estimate, fit: 0.99 });
    expect(effectOf(v, 'drop')).toBe(fails);
    expect(() => effectOf(v, 'nope')).toThrow(/has gain, drop|has drop, gain/);
    expect(() => verdict({ effects: [holds, holds] })).toThrow(/used twice/);
    // a number named like an effect (or its interval), premise or check would be overwritten by it
    expect(() => verdict({ effects: [holds], numbers: { gainLo: 1 } })).toThrow(/numbers.gainLo collides/);
    expect(() => verdict({ effects: [holds], premise: [premise('fit', 'train fit', 0.99, { atLeast: 0.95 })], numbers: { fit: 0.5 } })).toThrow(/numbers.fit collides/);
    expect(() => paired('Bad key', 'x', [1, 2], [0, 1], { kind: 'direction', sign: 1, smallest: 0 })).toThrow(/camelCase/);
  });
});
