import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c3-hessian-aware-bits.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C3 Hessian-aware bit allocation (HAWQ-V2)', () => {
  // The rule (HAWQ-V2's Pareto choice at 3.5 bits per weight from {3, 4, 6, 8} beats, after quantization-aware fine-tuning,
  // the same Pareto procedure with the layer traces permuted across the layers, at HAWQ-V2's size within 5%, by a paired
  // test with a 0.01 smallest effect; Hutchinson per layer: the worst layer's absolute relative error below 0.1 and the mean
  // below 0.05 (non-inferiority); premises: float accuracy >= 0.6, layer traces spread >= 1.5x, mixed precision on >= 70%
  // of seeds, the control differs in >= 25% of (seed, permutation) pairs; identity checks: budget and size tolerance,
  // quantization grid) is fixed in the claim module; status and numbers are compared with the record. ci is cut to the CI
  // budget (a 7x7 CNN with 2 and 4 channels and an 8-wide hidden layer, 5 epochs on 1000 images, the Hessian over 50
  // examples, 10 Hutchinson probes, 3 seeds): ci exercises the instruments; the verdict of record is the full run.
  it('HAWQ-V2 Pareto choice vs the shuffled-trace control at the same size after STE fine-tuning; Hutchinson vs exact layer traces', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    const traces = rows.filter((r) => r.kind === 'trace');
    // four layers of two types and different sizes: conv 3x3x1x2, conv 3x3x2x4, dense 16x8, dense 8x10
    expect(traces).toHaveLength(4 * n);
    expect(traces.slice(0, 4).map((r) => [r.layer, r.params])).toEqual([['conv0', 18], ['conv1', 72], ['dense0', 128], ['dense1', 80]]);
    const arms = rows.filter((r) => r.kind === 'arm');
    for (const seed of p.seeds) {
      const mine = arms.filter((r) => r.seed === seed);
      expect(mine[0].arm).toBe('HAWQ-V2');
      expect(mine.slice(-2).map((r) => r.arm)).toEqual(['trace-free proxy', 'reverse']);
      // the control rows cover the 23 non-identity permutations of four layers' traces
      expect(mine.filter((r) => r.arm === 'shuffled-trace control').reduce((s, r) => s + Number(r.permutations), 0)).toBe(23);
      for (const r of mine.filter((x) => x.arm !== 'reverse')) expect(Math.abs(Number(r.sizeOverHawq) - 1)).toBeLessThanOrEqual(p.sizeTolerance);
    }
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['sizeIdentity', true], ['onGrid', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['floatAccuracy', 'traceSpread', 'controlDiffers']);
    expect(verdict.headline).toBe('accuracyGap');
    expect(effectOf(verdict, 'accuracyGap')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.01 }, n, decides: true });
    expect(effectOf(verdict, 'traceWorstRelErr')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: 0.1 }, n, decides: true });
    expect(effectOf(verdict, 'traceMeanRelErr')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: 0.05 }, n, decides: true });
    for (const k of ['ptqGap', 'proxyGap', 'reverseGap']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    expect(verdict.numbers.controlPairs).toBe(23 * n);
    expect(verdict.numbers.hawqSizeOverBudget).toBeLessThanOrEqual(1);
    // Hutchinson is unbiased: its worst layer error is a few of its own standard errors (estimated from 10 probes at ci, so
    // themselves uncertain: t with 9 degrees of freedom, 12 layers x seeds)
    expect(verdict.numbers.worstTraceZ).toBeLessThan(6);
    for (const r of traces) expect(Number(r.exactTrace)).toBeGreaterThan(0);
    // what ci shows: the tiny 7x7 network learns only about half the task (float accuracy ~0.49, under the 0.6 premise),
    // so the verdict is inconclusive; HAWQ-V2's choice is mixed precision on every seed (reported) and the shuffled-trace control
    // differs from it in about half the permutations; with 10 Hutchinson probes the layer errors are far above the
    // tolerances, and the accuracy gap's interval spans both signs with 3 seeds
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['floatAccuracy', false], ['traceSpread', true], ['controlDiffers', true]]);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.numbers.mixedSeeds).toBe(n);
    expect(effectOf(verdict, 'traceMeanRelErr').estimate).toBeGreaterThan(0.05);
  }, 120_000);
});
