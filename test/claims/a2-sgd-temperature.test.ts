import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a2-sgd-temperature.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A2 SGD temperature', () => {
  // The rule (equivalence at +-0.05 in log ||w|| over all cells; slope of log T_c on log P > 0; premise:
  // the equal-lr control sees a T change, P over 1.5 decades) is fixed in the claim module. ci is cut to the
  // CI budget: P = 512 is dropped (P = 16-256, 1.2 decades), so the premise is not met and ci is
  // inconclusive: the verdict of record is full. What ci shows: T_c grows with P (slope > 0), the two
  // batch sizes agree at equal T within the margin where both runs take many small steps, and the
  // equal-lr control (T x4) moves the norm by far more than the margin. The harness compares every number
  // with the committed record.
  it('ci (P = 16-256, cut to the CI budget): premise not met, inconclusive; T_c grows with P, equal T agrees in the small-step cells (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['unfittedRuns', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['lrControlLo', true], ['decadesOfP', false]]);
    const equalT = effectOf(verdict, 'equalT');
    expect(equalT).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, decides: true, n });
    expect(effectOf(verdict, 'slope')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0 }, decides: true, n });
    expect(verdict.headline).toBe('equalT');
    expect(verdict.numbers.smallStepCells).toBeLessThan(verdict.numbers.cells);
    // measured at ci: T_c grows with P ...
    expect(effectOf(verdict, 'slope').outcome).toBe('holds');
    // ... at equal T the small-step cells agree within the margin (reported, not deciding) ...
    expect(effectOf(verdict, 'equalTSmallStep')).toMatchObject({ decides: false, n, outcome: 'holds' });
    // ... while the same comparison at equal lr (T x4) sees a change of T far beyond it
    expect(effectOf(verdict, 'equalLr').lo).toBeGreaterThan(4 * claim.scales.ci.margin);
  }, 120_000);
});
