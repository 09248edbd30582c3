import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b1-smoothgrad.js';
import { runAtCiScale } from './claim-harness.js';

describe('B1 SmoothGrad', () => {
  it('SmoothGrad maps are less noisy as n grows and more stable under a nearby input', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // total variation falls with n: TV(n_max) < TV(gradient) and a negative slope in log n (paired CIs)
    expect(n.tvDiffHi).toBeLessThan(0);
    expect(n.tvSlopeHi).toBeLessThan(0);
    // maps of two nearby inputs agree more for SmoothGrad (paired CI of rank correlation above 0)
    expect(n.corrDiffLo).toBeGreaterThan(0);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
