import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d10-noisy-image-worth.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D10 how much is a noisy image worth', () => {
  // The rule (the slope of ln N* on sigma^2 above 0; 10% clean + 90% noisy at sigma^2 = 4 within +-0.05 of all
  // clean) is fixed in the claim module; status and numbers are compared with the committed record by the
  // harness. ci is cut to the CI budget (6 replicates per seed, mixing at sigma^2 in {1, 4}); the verdict of
  // record is the full run (40 replicates, 10 seeds).
  it('noisy samples needed to match clean ones grow with the noise, and a small clean set plus noisy data is compared with all clean', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.premise.map((p) => p.key)).toEqual(['tenPercentGap', 'noisyOnlyGap', 'cleanVsFisher', 'extrapolatedShare']);
    expect(verdict.headline).toBe('worthSlope');
    expect(effectOf(verdict, 'worthSlope')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0 }, n, decides: true });
    expect(effectOf(verdict, 'mixedVsClean')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 }, n, decides: true });
    for (const k of ['worthCurvature', 'mixedVsCleanS1', 'mixedVsTenPercent', 'noisyOnlyVsCleanS1', 'noisyOnlyVsCleanS4']) expect(effectOf(verdict, k).decides).toBe(false);
  }, 120_000);
});
