import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/h1-adaptive-data-analysis.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('H1 adaptive data analysis', () => {
  // The rule (max error over 4n adaptive queries, noisy - empirical < 0 paired; the empirical aggregate error
  // growing with ln(queries); the noisy answers' aggregate error not growing and their max error matching the
  // non-adaptive max, both within +-0.02; a reused empirical holdout reporting accuracy above 1/2 while Thresholdout's stays
  // within +-0.03 of it) is fixed in the claim module; status and numbers are compared with the committed record
  // by the harness. ci is cut to the CI budget (stream n = 1000, reuse n = d = 2000, 5 seeds); the verdict of
  // record is the full run (stream n = 2000, reuse n = d = 10000 as in the paper, 10 seeds).
  it('empirical answers overfit adaptive queries; noise and Thresholdout are compared with them', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['thresholdoutLimits', true], ['aggregateTrueMean', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['streamOverfits', true], ['trainingOverfit', true]]);
    expect(verdict.headline).toBe('noisyVsEmpirical');
    expect(effectOf(verdict, 'noisyVsEmpirical')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'empiricalGrowth')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, decides: true });
    expect(effectOf(verdict, 'reuseEmpirical')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, decides: true });
    expect(effectOf(verdict, 'reuseThresholdout')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.03 }, decides: true });
    // the noisy answers' own validity (rule revised before the full run): no growth, max error as if non-adaptive
    expect(effectOf(verdict, 'noisyGrowth')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.02 }, decides: true });
    expect(effectOf(verdict, 'noisyVsNonAdaptive')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.02 }, decides: true });
    for (const k of ['noisyVsAttack', 'noisyVsEmpiricalEarly', 'empiricalVsAttack', 'reuseFresh']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    // what ci shows: after 4n queries noisy answers' max error is about 0.11 below the empirical answers' (~0.38,
    // as the attack predicts); the reused holdout reports ~0.09 above chance; Thresholdout's reports scatter around
    // +0.06 (at small k it returns the training accuracy, whose overfit is about its threshold 4/sqrt(2000) = 0.09),
    // so its +-0.03 equivalence is inconclusive at this n: partly reproduced; the full run uses the paper's n = 10000
    expect(effectOf(verdict, 'noisyVsEmpirical').estimate).toBeLessThan(-0.05);
    expect(effectOf(verdict, 'reuseEmpirical').estimate).toBeGreaterThan(0.05);
    expect(effectOf(verdict, 'reuseThresholdout').outcome).toBe('inconclusive');
    // the noisy answers (sd 1/sqrt(n), not a privacy calibration) overfit too, more slowly: their aggregate error
    // grows ~0.05 per e-fold of queries (0.2 after 4n, as the attack's prediction with noise says) and their max
    // error is ~0.14 above the non-adaptive max 0.134: both validity effects fail at ci
    expect(effectOf(verdict, 'noisyGrowth').outcome).toBe('fails');
    expect(effectOf(verdict, 'noisyGrowth').estimate).toBeGreaterThan(0.03);
    expect(effectOf(verdict, 'noisyVsNonAdaptive').outcome).toBe('fails');
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
