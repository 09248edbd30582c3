import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b12-gram-iteration.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B12 Gram iteration', () => {
  // The rule (worst gap after 6 iterations below 1e-3; tighter than power iteration; the bound never
  // below the exact norm) is fixed in the claim module; the harness compares with the committed record.
  it('bounds every conv layer\'s spectral norm from above, how fast the gap closes, and against power iteration', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['boundShortfall', true]]);
    expect(verdict.numbers.minRatio).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(verdict.headline).toBe('gapAtJudge');
    expect(effectOf(verdict, 'gapAtJudge')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: -3 }, n, part: 'converges fast' });
    expect(effectOf(verdict, 'decadesTighter')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0 }, n, part: 'beats power iteration' });
    expect(verdict.numbers.kernels).toBe(n * (claim.scales.ci.random.length + 2));
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
