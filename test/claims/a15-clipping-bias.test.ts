import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a15-clipping-bias.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A15 clipping bias', () => {
  // The rule (limit - optimum at c = 1 above 0; limit - quadrature root within +-0.01 at c <= 2, reported at c = 4; the bias
  // shrinking with c; GD iteration ratio clipped / unclipped within 1 +- 0.05 at eps = 3e-4) is fixed in the
  // claim module; status and numbers are compared with the committed record by the harness. ci: 6 runs per c,
  // 5 seeds; the full run has 40 runs and 10 seeds.
  it('clipped SGD settles at the root of the clipped mean field, not the optimum; deterministic clipping costs lower-order iterations only', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['fieldClosedForm', true], ['rootMonotone', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['unclippedReachesOptimum', true], ['clippingBinds', true], ['rootAwayFromOptimum', true], ['gdReachedTolerance', true]]);
    expect(verdict.headline).toBe('biasAtCRef');
    expect(effectOf(verdict, 'biasAtCRef')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    for (const c of ['0p25', '0p5', '1', '2']) expect(effectOf(verdict, `limitVsRootC${c}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.01 }, n, decides: true });
    expect(effectOf(verdict, 'limitVsRootC4')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'biasShrinks')).toMatchObject({ test: 'paired t', decides: true });
    expect(effectOf(verdict, 'gdRatioSmallestEps')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05, target: 1 }, decides: true });
    expect(effectOf(verdict, 'gdRatioFalls')).toMatchObject({ decides: false });
    // what ci shows: at c = 1 clipped SGD settles about 0.1 above the optimum, within +-0.005 of the quadrature
    // root at every c; the bias falls by about 0.18 from c = 0.25 to 4; GD's iteration ratio is 1.003 at 3e-4;
    // clipping binds (iteration ratio at 1e-2 at least 1.15 on every seed), the deciding roots lie >= 3.1 margins from the optimum
    expect(verdict.numbers.clippingBinds).toBeGreaterThan(1.1);
    expect(verdict.numbers.rootAwayFromOptimum).toBeGreaterThan(3);
    expect(effectOf(verdict, 'biasAtCRef').estimate).toBeGreaterThan(0.05);
    for (const c of ['0p25', '0p5', '1', '2', '4']) expect(Math.abs(effectOf(verdict, `limitVsRootC${c}`).estimate)).toBeLessThan(0.005);
    expect(effectOf(verdict, 'gdRatioSmallestEps').estimate).toBeLessThan(1.01);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
