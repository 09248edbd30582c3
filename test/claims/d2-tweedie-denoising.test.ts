import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d2-tweedie-denoising.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D2 Tweedie denoising with a score learned from noisy data', () => {
  // The rule (learned-score Tweedie within 10% of the exact MMSE on the mixture, non-inferiority;
  // images denoised by at least 1 dB) is fixed in the claim module; status and numbers are compared
  // with the committed record by the harness.
  it('Tweedie with the score learned from noisy data vs the exact MMSE denoiser, and on images', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['tweedieGaussian', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['mmseOverNoisy']);
    expect(verdict.headline).toBe('mixtureLogRatio');
    const mix = effectOf(verdict, 'mixtureLogRatio');
    const img = effectOf(verdict, 'imageLogRatio');
    expect(mix).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: Math.log(1.1) }, n, decides: true });
    expect(img).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: Math.log(10) / 10 }, n, decides: true });
    expect(effectOf(verdict, 'mixtureVsNoisy')).toMatchObject({ n, decides: false });
    const parts = [mix.outcome, img.outcome];
    const premiseOk = verdict.premise.every((x) => x.holds);
    expect(verdict.status).toBe(!premiseOk ? 'inconclusive' : parts.every((o) => o === 'holds') ? 'reproduced' : parts.some((o) => o === 'holds') ? 'partly reproduced' : parts.some((o) => o === 'fails') ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
