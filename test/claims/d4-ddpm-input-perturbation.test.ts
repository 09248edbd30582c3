import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d4-ddpm-input-perturbation.js';
import { runAtCiScale } from './claim-harness.js';

describe('D4 DDPM and input perturbation', () => {
  // Not reproduced at this budget: the DDPM captures much of the roll (a quarter of a Gaussian fit's
  // MMD, the rule asks for a fifth) and input perturbation does not lower the MMD. Asserts what was measured.
  it('the DDPM beats a Gaussian fit but not by the rule\'s factor; input perturbation does not help (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.mmdPlain).toBeLessThan(0.5 * n.mmdGaussian);
    expect(n.mmdPlain).toBeGreaterThan(10 * Math.abs(n.mmdFloor));
    expect(n.diffHi).toBeGreaterThanOrEqual(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
