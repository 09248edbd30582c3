import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b13-random-labels.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B13 random labels', () => {
  // The rule (fits to within 1% non-inferiority, a log2 slowdown slope above 0.1, test accuracy
  // equivalent to chance within +-0.03) is fixed in the claim module; the harness compares with the record.
  // ci is cut to the CI budget: 3 seeds, 32 training images, corruption 0 and 1. There the MLP memorises
  // every labelling, random or not, and trained on random labels it tests far below its true-label
  // accuracy; whether fitting slows and whether the random-label test accuracy is at chance are
  // inconclusive with 3 seeds. The verdict of record is the full scale's (1000 images, six levels, 10 seeds).
  it('how well the MLP fits every corruption level, how much fitting slows, and whether it tests at chance on random labels', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['changedAtZero', true]]);
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['testClean', true]]);
    expect(verdict.numbers.runs).toBe(n * claim.scales.ci.corruption.length);
    expect(rows.filter((r) => r.finalTrainAccuracy === 1).length).toBe(verdict.numbers.fitted);
    expect(verdict.headline).toBe('worstTrainAccuracy');
    expect(effectOf(verdict, 'worstTrainAccuracy')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', reference: 1, margin: 0.01 }, n, outcome: 'holds' });
    expect(effectOf(verdict, 'fitSlowdown')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0.1 }, n, outcome: 'inconclusive' });
    expect(effectOf(verdict, 'testRandom')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 0.1, margin: 0.03 }, n, outcome: 'inconclusive' });
    // measured at this scale: every run memorises its labels, and random labels teach nothing that transfers
    expect(verdict.numbers.fitted).toBe(verdict.numbers.runs);
    expect(verdict.numbers.testRandom).toBeLessThan(verdict.numbers.testClean - 0.3);
    expect(verdict.numbers.changedAtRandom).toBeGreaterThan(0.8); // 9 in 10 redrawn labels change
    expect(verdict.status).toBe('partly reproduced'); // measured: fits; slowdown and chance-level test accuracy undecided with 3 seeds
  }, 120_000);
});
