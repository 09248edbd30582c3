import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a15-clipping-bias.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A15 clipping bias', () => {
  // The rule (limit - optimum at c = 1 above 0; limit - quadrature root within +-0.01 at every c; the bias
  // shrinking with c; GD iteration ratio clipped / unclipped within 1 +- 0.05 at eps = 3e-4) is fixed in the
  // claim module; status and numbers are compared with the committed record by the harness. ci: 6 runs per c,
  // 5 seeds; the full run has 40 runs and 10 seeds.
  it('clipped SGD settles at the root of the clipped mean field, not the optimum; deterministic clipping costs lower-order iterations only', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['fieldClosedForm', true], ['rootMonotone', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['unclippedReachesOptimum', true], ['clippingBinds', true], ['gdReachedTolerance', true]]);
    expect(verdict.headline).toBe('biasAtCRef');
    expect(effectOf(verdict, 'biasAtCRef')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    for (const c of ['0p25', '0p5', '1', '2', '4']) expect(effectOf(verdict, `limitVsRootC${c}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.01 }, n, decides: true });
    expect(effectOf(verdict, 'biasShrinks')).toMatchObject({ test: 'paired t', decides: true });
    expect(effectOf(verdict, 'gdRatioSmallestEps')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05, target: 1 }, decides: true });
    expect(effectOf(verdict, 'gdRatioFalls')).toMatchObject({ decides: false });
  }, 120_000);
});
