import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d11-kde-regimes.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D11 kernel density estimation regimes in large dimension', () => {
  // The rule (per alpha: the 1/d-extrapolated m2 at 0.5 and 1.5 h_CLT and participation ratio at 0.5 and 1 h_CLT
  // within +-0.1 of their d -> inf limits, TOST over seeds; the KL-optimal grid bandwidth below h_CLT in more than
  // half of the (seed, alpha) runs) is fixed in the claim module; status and numbers are compared with the committed
  // record by the harness. ci is cut to the CI budget (3 seeds, d <= 24, n <= 4447, 60 test points): the
  // extrapolations deep below h_G are too noisy at 3 seeds to decide, so ci is inconclusive; the verdict of record
  // is the full run (10 seeds, d up to 32, n up to 73130).
  it('the statistics approach the random-energy-model limits; thresholds and closed-form means are exact', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['theory', true], ['unbiased', true]]);
    expect(verdict.headline).toBe('m2Deep0');
    for (const a of [0, 1]) {
      for (const k of ['m2Deep', 'm2Above', 'prDeep', 'prAbove']) expect(effectOf(verdict, `${k}${a}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1 }, n, decides: true });
      for (const k of ['m2Window', 'prNearG']) expect(effectOf(verdict, `${k}${a}`)).toMatchObject({ decides: false });
    }
    expect(effectOf(verdict, 'klBelowClt')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: 1, reference: 0.5, smallest: 0 }, n: 2 * n, decides: true });
    // what ci shows: far above h_CLT m2 extrapolates to 0 (holds at both alphas); deep below h_G the participation
    // ratio extrapolates to ~0.6 against 0.5 and m2 within ~0.2 of its limit, with wide intervals; just below h_G the
    // ratio is still ~0.2-0.3 above its limit (finite size near the kink); the theory's KL optimum lies below h_G
    expect(verdict.numbers.theory).toBeLessThan(1e-9);
    expect(verdict.numbers.hG0 / verdict.numbers.hClt0).toBeCloseTo(Math.SQRT1_2, 12);
    expect(verdict.numbers.klTheoryArgmin0).toBeLessThan(Math.SQRT1_2);
    expect(effectOf(verdict, 'm2Above0')).toMatchObject({ outcome: 'holds' });
    expect(effectOf(verdict, 'm2Above1')).toMatchObject({ outcome: 'holds' });
    expect(Math.abs(effectOf(verdict, 'prDeep0').estimate)).toBeLessThan(0.2);
    expect(effectOf(verdict, 'prNearG0').estimate).toBeGreaterThan(0.1);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
