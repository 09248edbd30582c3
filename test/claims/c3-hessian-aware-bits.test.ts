import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c3-hessian-aware-bits.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C3 Hessian-aware bit allocation (HAWQ-V2)', () => {
  // The rule (HAWQ-V2's Omega ranks assignments: least-Omega beats most-Omega by a paired test with a
  // 0.01 smallest effect; Hutchinson within +-5% of the exact trace; premise: layers differ >= 1.5x in
  // sensitivity) is fixed in the claim module; status and numbers are compared with the record. ci is cut
  // to the CI budget (h = 6, 2 epochs on 1000 images, 15 Hutchinson samples, 3 seeds): the exact traces
  // take 3 h^2 Hessian-vector products, which leaves too few training steps for the network to learn
  // much (test accuracy well under 0.5), so both parts are inconclusive; ci exercises the instruments
  // (exact and Hutchinson traces, Omega) on a barely trained network. The verdict of record is the full run.
  it('HAWQ-V2 assignment vs the reverse at equal model size; Hutchinson vs exact layer traces', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    const traces = rows.filter((r) => r.kind === 'trace');
    expect(traces).toHaveLength(3 * n);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['equalSizes', true]]);
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['sensitivitySpread', true]]);
    expect(verdict.headline).toBe('accuracyGap');
    const gap = effectOf(verdict, 'accuracyGap');
    const trace = effectOf(verdict, 'traceRelErr');
    expect(gap).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.01 }, n, decides: true, outcome: 'inconclusive' });
    expect(trace).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, n: 3 * n, decides: true, outcome: 'inconclusive' });
    for (const k of ['bestMinusHawq', 'omegaRankCorrelation']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    expect(verdict.status).toBe('inconclusive');
    // Hutchinson is unbiased: its worst layer error is a few of its own standard errors
    expect(verdict.numbers.worstTraceZ).toBeLessThan(4);
    for (const r of traces) expect(Number(r.exactTrace)).toBeGreaterThan(0);
    // the network is barely trained at ci, and quantizing it (a 2-bit layer in every assignment) still costs accuracy on every seed
    expect(verdict.numbers.accFloat).toBeLessThan(0.5);
    for (const r of rows.filter((x) => x.kind === 'accuracy')) expect(Number(r.meanOfPermutations)).toBeLessThan(Number(r.float));
  }, 120_000);
});
