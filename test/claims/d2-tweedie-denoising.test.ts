import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d2-tweedie-denoising.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D2 Tweedie denoising with a score learned from noisy data', () => {
  // The rule (learned-score Tweedie within 10% of the exact MMSE on the mixture, non-inferiority;
  // images denoised by at least 1 dB) is fixed in the claim module; status and numbers are compared
  // with the committed record by the harness. ci is cut to the CI budget ([64, 64] score nets for 250
  // and 100 steps, 3 seeds): Tweedie with the exact score is the MMSE denoiser and removes over half the
  // noise, but the briefly trained score is too rough for Tweedie (which multiplies its error by
  // sigma^2), so both parts fail at ci. The verdict of record is the full run (20000 mixture steps).
  it('Tweedie with the score learned from noisy data vs the exact MMSE denoiser, and on images', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['tweedieGaussian', true]]);
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['mmseOverNoisy', true]]);
    expect(verdict.headline).toBe('mixtureLogRatio');
    const mix = effectOf(verdict, 'mixtureLogRatio');
    const img = effectOf(verdict, 'imageLogRatio');
    expect(mix).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: Math.log(1.1) }, n, decides: true, outcome: 'fails' });
    expect(img).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: Math.log(10) / 10 }, n, decides: true, outcome: 'fails' });
    expect(effectOf(verdict, 'mixtureVsNoisy')).toMatchObject({ n, decides: false });
    expect(verdict.status).toBe('not reproduced');
    const { noisyMse, mmseMse, learnedMse, imageNoisyMse } = verdict.numbers;
    // the noise is what the setting says: MSE of the noisy input ~ sigma^2 on both tasks
    expect(noisyMse).toBeGreaterThan(0.9 * claim.scales.ci.sigma ** 2);
    expect(noisyMse).toBeLessThan(1.1 * claim.scales.ci.sigma ** 2);
    expect(imageNoisyMse).toBeGreaterThan(0.9 * claim.scales.ci.images!.sigma ** 2);
    expect(imageNoisyMse).toBeLessThan(1.1 * claim.scales.ci.images!.sigma ** 2);
    // why the mixture part fails at ci: the learned score leaves Tweedie far above the exact MMSE
    expect(learnedMse).toBeGreaterThan(1.5 * mmseMse);
  }, 120_000);
});
