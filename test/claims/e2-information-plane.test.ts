import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/e2-information-plane.js';
import { runAtCiScale } from './claim-harness.js';

describe('E2 information plane', () => {
  it('the tanh network compresses (I(X;T) falls late in training); the ReLU network does not', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.tanhSlopeHi).toBeLessThan(0);
    expect(n.tanhFinal).toBeLessThan(n.tanhPeak - 1);
    // reported for ReLU: no compression (its late slope is not below 0)
    expect(n.reluSlopeHi).toBeGreaterThanOrEqual(0);
    expect(n.tanhTestAccuracy).toBeGreaterThan(0.9);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
