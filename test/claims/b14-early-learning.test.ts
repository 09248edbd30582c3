import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b14-early-learning.js';
import { runAtCiScale } from './claim-harness.js';

describe('B14 early-learning regularization', () => {
  it('CE first predicts the true class of mislabeled examples, then memorizes the wrong one; ELR does not', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.dropLo).toBeGreaterThan(0);
    expect(n.diffLo).toBeGreaterThan(0);
    expect(n.cePeak).toBeGreaterThan(0.5);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
