import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b5-ls-selective.js';
import { runAtCiScale } from './claim-harness.js';

describe('B5 label smoothing and selective classification', () => {
  it('LS raises AURC at equal accuracy, and the logit-normalised score brings it back', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.lsHurtsLo).toBeGreaterThan(0);
    expect(n.normFixesHi).toBeLessThan(0);
    // "even when accuracy holds": the accuracy difference is small either way
    expect(Math.abs(n.accDiff)).toBeLessThan(0.02);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
