import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b2-block-gradients.js';
import { runAtCiScale } from './claim-harness.js';

describe('B2 input gradients on block images', () => {
  it('a standard MLP\'s gradients barely prefer the real image\'s block; an adversarially trained one\'s concentrate there', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.shareStandardLo).toBeLessThanOrEqual(0.6);
    expect(n.shareDiffLo).toBeGreaterThan(0);
    // the robust model is robust: adversarial training did what it is for
    expect(n.attackedRobust).toBeGreaterThan(n.attackedStandard + 0.2);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
