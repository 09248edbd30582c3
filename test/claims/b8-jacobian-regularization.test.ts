import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b8-jacobian-regularization.js';
import { runAtCiScale } from './claim-harness.js';

describe('B8 Jacobian regularization', () => {
  it('lowers ||J||_F and raises accuracy under input noise; the projection estimate is unbiased', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.logNormRatioHi).toBeLessThan(0);
    expect(n.noisyGainLo).toBeGreaterThan(0);
    // "without severely degrading generalization on clean data"
    expect(n.cleanDiffLo).toBeGreaterThan(-0.03);
    expect(n.estimatorWithin3).toBeGreaterThanOrEqual(0.95);
    expect(n.estimatorMeanAbsZ).toBeLessThan(1.2);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
