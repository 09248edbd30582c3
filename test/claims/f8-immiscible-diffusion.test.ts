import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/f8-immiscible-diffusion.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('F8 immiscible diffusion', () => {
  // The rule (immiscible / standard training steps to sliced W2 0.2 and 0.1 below 0.9; the assigned slot-0 noise
  // rejected by an exact KS test no more than 3 times its level, with the test's size and power as premises) is
  // fixed in the claim module; status and numbers are compared with the committed record by the harness. ci is
  // cut to the CI budget (batch 64, 300 steps, 5 seeds); the verdict of record is the full run (batch 128, 1600 steps, 10 seeds).
  it('standard and immiscible training are compared on the same draws, and the assigned noise is KS-tested against N(0, 1)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['hungarianVsBruteForce', true], ['assignedIsPermutation', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['drawnNoiseRejected', 'conditionedNoiseRejected', 'stepsRatioAt0p2Resolvable', 'stepsRatioAt0p1Resolvable', 'standardTrains']);
    expect(verdict.headline).toBe('stepsRatioAt0p1');
    for (const k of ['stepsRatioAt0p2', 'stepsRatioAt0p1']) expect(effectOf(verdict, k)).toMatchObject({ test: 't', n, decides: true, claimed: { kind: 'direction', sign: -1 } });
    for (const k of ['stepsRatioAt0p3', 'stepsRatioAt0p15']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    const ks = effectOf(verdict, 'assignedNoiseRejected');
    expect(ks).toMatchObject({ test: 'exact binomial', decides: true, claimed: { kind: 'direction', sign: -1 } });
    expect(ks.claimed.kind === 'direction' && ks.claimed.reference).toBeCloseTo(0.15, 12);
    // what ci shows: 300 steps at batch 64 leave both arms far from the data (sliced W2 ~0.6), so no target is
    // reached, the speed premises fail and ci is inconclusive; the full run decides. The marginal machinery works:
    // the KS test keeps its level on the drawn noise, rejects every chunk of the conditioned noise, and rejects
    // the assigned noise at about its level (60 tests leave the Clopper-Pearson bound above 0.15)
    expect(verdict.premise.filter((p) => !p.holds).map((p) => p.key)).toEqual(['stepsRatioAt0p2Resolvable', 'stepsRatioAt0p1Resolvable', 'standardTrains']);
    expect(verdict.numbers.drawnNoiseRejected).toBeLessThanOrEqual(0.15);
    expect(verdict.numbers.conditionedNoiseRejected).toBe(1);
    expect(ks.estimate).toBeLessThan(0.1);
    expect(verdict.numbers.pairDistanceAssigned).toBeLessThan(0.5 * verdict.numbers.pairDistanceDrawn);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
