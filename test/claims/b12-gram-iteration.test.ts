import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b12-gram-iteration.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B12 Gram iteration', () => {
  // The rule (worst gap after 6 iterations below 1e-3; tighter than power iteration; the bound never
  // below the exact norm) is fixed in the claim module; the harness compares with the committed record.
  // ci is cut to the CI budget (the same random kernel shapes on smaller inputs, a 4/8-channel CNN trained
  // 30 steps, 7 iterations, 5 seeds) and still decides: the Gram bound closes the gap to rounding level
  // within 6 iterations on every kernel while power iteration is still short. The verdict of record is the
  // full scale's (the paper-sized kernels and a CNN trained 1000 steps).
  it('bounds every conv layer\'s spectral norm from above, how fast the gap closes, and against power iteration', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['boundShortfall', true]]);
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['powerUnconverged', true]]);
    expect(verdict.numbers.minRatio).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(verdict.headline).toBe('gapAtJudge');
    expect(effectOf(verdict, 'gapAtJudge')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: -3 }, n, part: 'converges fast', outcome: 'holds' });
    expect(effectOf(verdict, 'decadesTighter')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0 }, n, part: 'beats power iteration', outcome: 'holds' });
    expect(verdict.numbers.kernels).toBe(n * (claim.scales.ci.random.length + 2));
    // measured at this scale: Gram iteration is ahead of power iteration on every kernel, and every kernel's
    // gap after 6 iterations is far below the 1e-3 the rule asks
    expect(verdict.numbers.tighter).toBe(verdict.numbers.kernels);
    expect(verdict.numbers.maxGap).toBeLessThan(1e-6);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
