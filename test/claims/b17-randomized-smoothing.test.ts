import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b17-randomized-smoothing.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B17 randomized smoothing', () => {
  // The rule (flip rate inside the radius below 0.05 by an exact binomial test; certified accuracy falls;
  // premise: the attack flips most points outside) is fixed in the claim module; the harness compares with the record.
  // ci is cut to the CI budget (a 64-unit MLP trained 3 epochs, n = 100 Monte Carlo samples, 27 images a
  // seed, 3 seeds, PGD 4 x 4): no attack flips a point inside its radius while the same attack flips most of
  // them outside, but too few points are certified (the premise asks 50) and CERTIFY abstains too often,
  // so ci reads "inconclusive". The verdict of record is the full scale's.
  it('PGD on the smoothed classifier inside and outside the certified radius; certified accuracy against the radius', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['curveIncrease', true], ['radiusOverCap', true]]);
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['attacked', false], ['attackWorks', true], ['abstention', false]]);
    expect(verdict.headline).toBe('insideFlipRate');
    expect(effectOf(verdict, 'insideFlipRate')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: -1, reference: 0.05 }, n: n.attacked });
    expect(effectOf(verdict, 'insideFlipRate').estimate).toBe(n.flippedInside / n.attacked);
    expect(effectOf(verdict, 'certifiedFall')).toMatchObject({ test: 'paired t', n: claim.scales.ci.seeds.length, outcome: 'holds' });
    expect(effectOf(verdict, 'outsideFlipRate').decides).toBe(false);
    // measured at this scale: the certificate holds against the attack (no flip inside), the attack itself
    // works (it flips points outside), and certified accuracy falls with the radius below the cap
    expect(n.flippedInside).toBe(0);
    expect(n.flippedOutside).toBeGreaterThan(n.attacked / 2);
    expect(n.certified0).toBeGreaterThan(n.certified375);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
