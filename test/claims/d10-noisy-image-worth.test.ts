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
    // what ci shows: ln N* grows about 0.58 per unit sigma^2 (the Fisher prediction's slope is 0.57); the mixed set's
    // error is about 0.04 above all-clean, inside the margin, but 6 replicates x 5 seeds leave the 90% interval
    // reaching past +0.05: partly reproduced; the 10% clean alone and all-noisy sets are both far off
    expect(verdict.premise.every((p) => p.holds)).toBe(true);
    expect(effectOf(verdict, 'worthSlope').outcome).toBe('holds');
    expect(effectOf(verdict, 'worthSlope').estimate).toBeGreaterThan(0.4);
    expect(effectOf(verdict, 'mixedVsClean').outcome).toBe('inconclusive');
    expect(effectOf(verdict, 'mixedVsClean').estimate).toBeLessThan(0.05);
    expect(effectOf(verdict, 'mixedVsTenPercent')).toMatchObject({ outcome: 'holds' });
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
