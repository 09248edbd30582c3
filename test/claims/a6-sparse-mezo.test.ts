import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a6-sparse-mezo.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A6 Sparse MeZO', () => {
  // The rule (sparse - full accuracy >= 0.01, paired; premise: >= 1e5 parameters, a mild shift, interior
  // lr optima) is fixed in the claim module. ci keeps the small setting (1.9k parameters, rotated labels),
  // so the premise is not met there and ci is inconclusive by construction: the verdict of record is full.
  // The test asserts what ci shows; the harness compares every number with the committed record.
  it('ci (1.9k parameters, relearning): premise not met; sparse MeZO ends below full MeZO (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['unmaskedMoved', true], ['maskShare', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['params', false], ['pretrainedAccuracy', false], ['fullInterior', true], ['sparseInterior', true]]);
    expect(verdict.headline).toBe('accuracyGain');
    const gain = effectOf(verdict, 'accuracyGain');
    expect(gain).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.01 }, n: claim.scales.ci.seeds.length });
    expect(effectOf(verdict, 'sparseWins').decides).toBe(false);
    // what ci shows: on relearning a small network, sparse MeZO is behind
    expect(gain.outcome).toBe('fails');
    expect(verdict.status).toBe('inconclusive');
  }, 600_000);
});
