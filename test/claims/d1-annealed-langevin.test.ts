import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d1-annealed-langevin.js';
import { runAtCiScale } from './claim-harness.js';

describe('D1 annealed Langevin', () => {
  // Half reproduced at ci: with exact scores annealing recovers the 0.2 weight that plain Langevin
  // misses; with scores learned by denoising score matching the weight is right on average but off by
  // 0.09 per seed, above the rule's 0.05. The test asserts what was measured.
  it('annealing recovers the mixture weight with exact scores; learned scores miss it by more than 0.05 per seed (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.errorPlain).toBeGreaterThan(0.2);
    expect(n.errorExact).toBeLessThan(0.05);
    expect(n.gapLo).toBeGreaterThan(0);
    expect(n.gapLearnedLo).toBeGreaterThan(0);
    expect(n.errorLearned).toBeGreaterThan(0.05);
    expect(verdict.status).toBe('not reproduced');
  }, 900_000);
});
