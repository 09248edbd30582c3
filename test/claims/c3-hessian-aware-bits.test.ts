import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c3-hessian-aware-bits.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C3 Hessian-aware bit allocation (HAWQ-V2)', () => {
  // The rule (HAWQ-V2's Pareto choice at a 4-bit-per-weight budget beats, after quantization-aware fine-tuning,
  // the assignment its Omega ranks worst at no smaller size, by a paired test with a 0.01 smallest effect;
  // Hutchinson within +-5% of the exact layer traces; premises: float accuracy >= 0.6, layer traces spread
  // >= 1.5x, Omega ratio >= 2; checks: budget, Pareto frontier, quantization grid) is fixed in the claim module;
  // status and numbers are compared with the record. ci is cut to the CI budget (a 7x7 CNN with 2 and 4
  // channels and an 8-wide hidden layer, 5 epochs on 1000 images, the Hessian over 50 examples, 10 Hutchinson
  // probes, 3 seeds): ci exercises the instruments; the verdict of record is the full run.
  it('HAWQ-V2 Pareto choice vs the reverse at no smaller size after STE fine-tuning; Hutchinson vs exact layer traces', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    const traces = rows.filter((r) => r.kind === 'trace');
    // four layers of two types and different sizes: conv 3x3x1x2, conv 3x3x2x4, dense 16x8, dense 8x10
    expect(traces).toHaveLength(4 * n);
    expect(traces.slice(0, 4).map((r) => [r.layer, r.params])).toEqual([['conv0', 18], ['conv1', 72], ['dense0', 128], ['dense1', 80]]);
    expect(rows.filter((r) => r.kind === 'arm').map((r) => r.arm)).toEqual(Array.from({ length: n }, () => ['HAWQ-V2', 'reverse', 'uniform 4-bit']).flat());
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['withinBudget', true], ['onFrontier', true], ['onGrid', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['floatAccuracy', 'traceSpread', 'omegaRatio']);
    expect(verdict.headline).toBe('accuracyGap');
    expect(effectOf(verdict, 'accuracyGap')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.01 }, n, decides: true });
    expect(effectOf(verdict, 'traceRelErr')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, n: 4 * n, decides: true });
    for (const k of ['ptqGap', 'hawqMinusUniform', 'omegaRankCorrelation']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    // HAWQ-V2's choice fits the budget; the reverse is no smaller
    expect(verdict.numbers.hawqSizeOverBudget).toBeLessThanOrEqual(1);
    expect(verdict.numbers.reverseSizeOverBudget).toBeGreaterThanOrEqual(verdict.numbers.hawqSizeOverBudget);
    // Hutchinson is unbiased: its worst layer error is a few of its own standard errors (estimated from 10 probes
    // at ci, so themselves uncertain: t with 9 degrees of freedom, 12 layers x seeds)
    expect(verdict.numbers.worstTraceZ).toBeLessThan(6);
    for (const r of traces) expect(Number(r.exactTrace)).toBeGreaterThan(0);
    // what ci shows: the tiny 7x7 network learns only about half the task (float accuracy ~0.49, under the 0.6
    // premise), so the verdict is inconclusive; the layers' average traces differ several-fold and the reverse's
    // Omega is over an order of magnitude above HAWQ-V2's (which picks uniform 4-bit here); before fine-tuning the
    // reverse loses far more accuracy (the reported post-training gap holds), and one epoch of fine-tuning recovers
    // part of it, leaving the headline's interval over both 0 and 0.01 with 3 seeds
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['floatAccuracy', false], ['traceSpread', true], ['omegaRatio', true]]);
    expect(verdict.status).toBe('inconclusive');
    expect(effectOf(verdict, 'ptqGap')).toMatchObject({ outcome: 'holds' });
    expect(verdict.numbers.accHawq).toBeGreaterThan(verdict.numbers.accReverse);
    expect(effectOf(verdict, 'omegaRankCorrelation').estimate).toBeGreaterThan(0.5);
  }, 120_000);
});
