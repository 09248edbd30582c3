import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d1-annealed-langevin.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D1 annealed Langevin', () => {
  // The rule (equivalence of the annealed exact-score weight to 0.2 at +-0.05; plain Langevin's error
  // larger by a paired test) is fixed in the claim module; learned scores are reported only. Status and
  // numbers are compared with the committed record by the harness. ci is cut to the CI budget (400
  // chains, 300 plain steps, 30 steps a level, a [32, 32] score net trained 200 steps): plain Langevin
  // keeps the chains' starting proportions and annealing moves them most of the way to 0.2, but with 30
  // steps a level its weight is not yet shown within +-0.05 (inconclusive), so ci reads partly
  // reproduced. The verdict of record is the full run (100 steps a level, 5000 chains, 10 seeds).
  it('annealing with exact scores recovers the 0.2 weight that plain Langevin misses; learned scores reported', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['scoreVsLogDensity', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['initialOffset', true]]);
    expect(verdict.headline).toBe('annealedWeightBias');
    expect(effectOf(verdict, 'annealedWeightBias')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, n, decides: true, outcome: 'inconclusive' });
    expect(effectOf(verdict, 'plainMinusAnnealed')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true, outcome: 'holds' });
    for (const k of ['learnedWeightBias', 'learnedError']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    expect(verdict.status).toBe('partly reproduced');
    const { weightPlain, errorPlain, errorExact, initialOffset } = verdict.numbers;
    // plain Langevin cannot cross the gap: its chains end in the proportions they started in
    expect(Math.abs(weightPlain - (0.2 + initialOffset))).toBeLessThan(0.05);
    // annealing moves them most of the way to the true weight
    expect(errorExact).toBeLessThan(errorPlain / 3);
  }, 120_000);
});
