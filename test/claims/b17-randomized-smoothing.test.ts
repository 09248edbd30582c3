import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b17-randomized-smoothing.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B17 randomized smoothing', () => {
  // The rule (flip rate inside the radius below 0.05 by an exact binomial test; certified accuracy falls;
  // premise: the attack flips most points outside) is fixed in the claim module; the harness compares with the record.
  it('PGD on the smoothed classifier inside and outside the certified radius; certified accuracy against the radius', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['curveIncrease', true], ['radiusOverCap', true]]);
    expect(verdict.headline).toBe('insideFlipRate');
    expect(effectOf(verdict, 'insideFlipRate')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: -1, reference: 0.05 }, n: n.attacked });
    expect(effectOf(verdict, 'insideFlipRate').estimate).toBe(n.flippedInside / n.attacked);
    expect(effectOf(verdict, 'certifiedFall')).toMatchObject({ test: 'paired t', n: claim.scales.ci.seeds.length });
    expect(effectOf(verdict, 'outsideFlipRate').decides).toBe(false);
    expect(n.certified0).toBeGreaterThanOrEqual(n.certified500);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
