import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a13-gumbel-softmax.js';
import { runAtCiScale } from './claim-harness.js';

describe('A13 Gumbel-softmax', () => {
  it('has far lower variance than REINFORCE at tau 0.5, and its bias falls as tau -> 0', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.ratioHi).toBeLessThan(1);
    expect(n.biasDropLo).toBeGreaterThan(0);
    expect(n.biasCold).toBeLessThan(0.1);
    // measured, not part of the rule: against REINFORCE with a leave-one-out baseline it is not lower
    expect(n.ratioLooLo).toBeGreaterThan(1);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
