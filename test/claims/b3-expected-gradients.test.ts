import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b3-expected-gradients.js';
import { runAtCiScale } from './claim-harness.js';

describe('B3 expected gradients and attribution priors', () => {
  it('IG and EG are complete (IG converging with the steps, EG within its Monte Carlo error); the smoothness prior smooths the maps', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.igSlopeHi).toBeLessThan(0);
    expect(n.igFinalErrorWorst).toBeLessThan(0.01);
    expect(n.egWithin3).toBeGreaterThanOrEqual(0.95);
    // |z| of a standard normal averages 0.80: far above means the EG error is not Monte Carlo noise
    expect(n.egMeanAbsZ).toBeLessThan(1.2);
    expect(n.tvDiffHi).toBeLessThan(0);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
