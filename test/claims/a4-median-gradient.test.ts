import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a4-median-gradient.js';
import { runAtCiScale } from './claim-harness.js';

describe('A4 median gradient', () => {
  it('clipped and median SGD end below plain SGD under infinite-variance noise; plain SGD errors are heavy-tailed', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // every seed: the robust arms' mean final error is below plain SGD's
    expect(n.clippedWins).toBe(n.seeds);
    expect(n.medianWins).toBe(n.seeds);
    // plain SGD's final errors have a power-law tail with index below 2 (infinite variance)
    expect(n.sgdTailIndexHi).toBeLessThan(2);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
