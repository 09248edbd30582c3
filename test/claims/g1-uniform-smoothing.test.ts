import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/g1-uniform-smoothing.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('G1 certified cosine of uniformly smoothed attributions', () => {
  // The rule (images with any violation of the certificate below the union bound alpha (1 + R E) by the exact binomial
  // bound over images; smoothed - unsmoothed attacked cosine at eps = r/2 above 0 by >= 0.1; premises: accuracy, a
  // non-vacuous certificate, a strong attack at r/2 on both maps, and the sign-map power control at the certified eps)
  // is fixed in the claim module; status and numbers are compared with the committed record by the harness. ci is cut
  // to the CI budget (2 seeds, 2 images x 2 restarts, 1 control map, 256 Monte Carlo samples): at 256 samples each
  // margin is 0.27 and the certificate at the smallest eps averages ~0.43, under the 0.5 premise, so ci is
  // inconclusive by design of its budget; the verdict of record is the full run (2000 samples, 100 images).
  it('no image falls below its certificate; the attack has power on the control map and at eps = r/2', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    const p = claim.scales.ci;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['luneVolume', true]]);
    expect(verdict.premise.map((q) => q.key)).toEqual(['testAcc', 'certifiedAtSmallest', 'plainAttacked', 'smoothAttackMinusRandom', 'controlReach', 'controlDetects']);
    expect(verdict.headline).toBe('violationShare');
    const imageAlpha = 0.005 * (1 + p.restarts * p.epsFractions.length);
    expect(effectOf(verdict, 'violationShare')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: -1, smallest: 0 }, decides: true });
    expect((effectOf(verdict, 'violationShare').claimed as { reference?: number }).reference).toBeCloseTo(imageAlpha, 12);
    expect(effectOf(verdict, 'smoothMinusPlain')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.1 }, n, decides: true });
    for (const k of ['attackMinusRandom', 'slack', 'paperFormShare', 'certificateSlope']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    // what ci shows: no image violates (the attack at eps <= 0.08 leaves the smoothed cosine above 0.99); the vacuous
    // largest eps is left out; on the control map the same attack comes near the exact worst cosine
    expect(verdict.numbers.violations).toBe(0);
    expect(verdict.numbers.counted).toBe(n * p.images);
    expect(verdict.numbers.controlPairs).toBe(n * p.controlMaps * p.epsFractions.length);
    expect(verdict.numbers.controlViolations).toBe(0);
    expect(verdict.numbers.nonMonotone).toBe(0);
    expect(verdict.numbers.plainAttacked).toBeLessThan(0.6);
    expect(verdict.premise.find((q) => q.key === 'certifiedAtSmallest')?.holds).toBe(false);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
