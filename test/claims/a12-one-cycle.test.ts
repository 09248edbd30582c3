import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a12-one-cycle.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A12 one-cycle', () => {
  // The rule (equal rates and looks for both arms; exact McNemar sign test on the looks where only one
  // arm had reached the target, censored runs counting as not reached; premise: the range test's maxLr
  // trains) is fixed in the claim module; the status and numbers are compared with the record.
  it('one-cycle against a constant rate at equal budgets and looks, judged by the fixed rule', async () => {
    const { verdict } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    expect(verdict.headline).toBe('reachedFirst');
    expect(verdict.numbers.looks).toBe(p.seeds.length * p.budgets.length);
    const e = effectOf(verdict, 'reachedFirst');
    expect(e).toMatchObject({ test: 'exact sign', n: verdict.numbers.discordant, claimed: { kind: 'direction', sign: 1, reference: 0.5, smallest: 0.25 } });
    expect(verdict.premise.map((q) => q.key)).toEqual(['maxLrUsable']);
    // the range test found a rate inside its sweep, far from its ends
    expect(verdict.numbers.maxLr).toBeGreaterThan(p.rangeTest.minLr * 10);
    expect(verdict.numbers.maxLr).toBeLessThan(p.rangeTest.maxLr / 10);
    expect(verdict.status).toBe(!verdict.premise.every((q) => q.holds) ? 'inconclusive'
      : e.outcome === 'holds' ? 'reproduced' : e.outcome === 'fails' ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
