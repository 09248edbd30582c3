import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d8-gaussian-score.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D8 Gaussian score approximation', () => {
  // The rule (the Gaussian's share of the trained denoiser's deviation from the data mean above 0.9 at
  // sigma 1 and 2; that share higher a quarter of the way through training than at its end at sigma 0.5
  // and 1; teleporting over 15-30% of the levels losing at most a tenth of the Frechet-distance range) is
  // fixed in the claim module; status and numbers are compared with the committed record by the harness.
  // ci is cut to the CI budget (3 seeds, a 64-64 MLP trained 300 steps); the verdict of record is the full run.
  it('measures the Gaussian share of a trained denoiser over noise and training, and teleportation against the full sampler', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    // Heun converges to the closed-form flow of the data's Gaussian (the solver and the closed form agree)
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['heunVsExactFlow', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['netBeatsGaussian', 'featureAccuracy']);
    expect(verdict.headline).toBe('deviation1');
    for (const s of [1, 2]) expect(effectOf(verdict, `deviation${s}`)).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: 0.9 }, n, decides: true });
    for (const k of ['earlyVsEnd05', 'earlyVsEnd1']) expect(effectOf(verdict, k)).toMatchObject({ test: 'paired t', n, decides: true });
    for (const k of [3, 4, 5]) expect(effectOf(verdict, `teleportLoss${k}`)).toMatchObject({ claimed: { kind: 'non-inferiority', margin: 0.1, sign: -1 }, decides: true });
    // the paper's uncentred measure approaches 1 as sigma grows whatever the net (both scores tend to
    // -(x - mu) / sigma^2), and a mean-only denoiser already scores close to it: why it only reports
    const paper = [1, 2, 5].map((s) => effectOf(verdict, `paperShare${s}`));
    paper.forEach((e) => expect(e.decides).toBe(false));
    paper.slice(1).forEach((e, i) => expect(e.estimate).toBeGreaterThan(paper[i].estimate));
    expect(verdict.numbers.meanOnlyPaperShare2).toBeGreaterThan(0.95);
    // what ci shows: the small net samples worse than the Gaussian model alone, so the teleportation
    // premise fails and ci is inconclusive; the full run decides
    expect(verdict.premise.find((p) => p.key === 'netBeatsGaussian')!.holds).toBe(false);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
