import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c3-hessian-aware-bits.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C3 Hessian-aware bit allocation (HAWQ-V2)', () => {
  // The rule (HAWQ-V2's Omega ranks assignments: least-Omega beats most-Omega by a paired test with a
  // 0.01 smallest effect; Hutchinson within +-5% of the exact trace; premise: layers differ >= 1.5x in
  // sensitivity) is fixed in the claim module; status and numbers are compared with the record.
  it('HAWQ-V2 assignment vs the reverse at equal model size; Hutchinson vs exact layer traces', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    expect(rows.filter((r) => r.kind === 'trace')).toHaveLength(3 * n);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['equalSizes', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['sensitivitySpread']);
    expect(verdict.headline).toBe('accuracyGap');
    const gap = effectOf(verdict, 'accuracyGap');
    const trace = effectOf(verdict, 'traceRelErr');
    expect(gap).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.01 }, n, decides: true });
    expect(trace).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, n: 3 * n, decides: true });
    for (const k of ['bestMinusHawq', 'omegaRankCorrelation']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    // Hutchinson is unbiased: its worst layer error is a few of its own standard errors
    expect(verdict.numbers.worstTraceZ).toBeLessThan(4);
    const parts = [gap.outcome, trace.outcome];
    const premiseOk = verdict.premise.every((x) => x.holds);
    expect(verdict.status).toBe(!premiseOk ? 'inconclusive' : parts.every((o) => o === 'holds') ? 'reproduced' : parts.some((o) => o === 'holds') ? 'partly reproduced' : parts.some((o) => o === 'fails') ? 'not reproduced' : 'inconclusive');
  }, 1_200_000);
});
