import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d2-tweedie-denoising.js';
import { runAtCiScale } from './claim-harness.js';

describe('D2 Tweedie denoising with a score learned from noisy data', () => {
  // Not reproduced at this budget: Tweedie with the exact score is the MMSE denoiser (half the noisy
  // MSE), but the score learned from noisy data alone by denoising score matching at small extra
  // noise is too rough; Tweedie with it stays twice the MMSE. The test asserts what was measured.
  it('exact Tweedie halves the error; the learned score denoises only slightly (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.mmseMse).toBeLessThan(0.6 * n.noisyMse);
    expect(n.learnedMse).toBeLessThan(n.noisyMse);
    expect(n.ratioToMmseLo).toBeGreaterThan(1.1);
    expect(n.imageDiffHi).toBeLessThan(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
