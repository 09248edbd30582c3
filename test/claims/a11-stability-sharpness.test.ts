import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a11-stability-sharpness.js';
import { runAtCiScale } from './claim-harness.js';

describe('A11 stability and sharpness', () => {
  it('gradient descent settles only where sharpness <= 2/eta, and sharpness falls as eta grows', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.worstRatio).toBeLessThanOrEqual(1.1);
    // runs above the initial edge had to flatten: the judged runs include some at eta > 2/lambda_0
    expect(n.settled).toBeGreaterThan(3 * n.seeds);
    expect(n.slopeHi).toBeLessThan(0);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
