import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a16-sgd-gen-gap.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A16 SGD implicitly regularizes generalization error', () => {
  // The rule (per-seed slope of the measured one-step gap change on eta tr(Sigma) / N within 1 +- 0.1; SGD - GD
  // test-loss change over one epoch of k = 8 updates below 0 by 0.001 or more) is fixed in the claim module;
  // status and numbers are compared with the committed record by the harness. ci: 600 / 300 training sets, 5 seeds.
  it('the one-step gap change follows eta tr(Sigma) / N, and SGD lowers the test loss more than GD', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['trainLossExpansion', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['firstOrderRegime', 'gdLowersTest']);
    expect(verdict.headline).toBe('gapSlope');
    expect(effectOf(verdict, 'gapSlope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 1, margin: 0.1 }, n, decides: true });
    expect(effectOf(verdict, 'sgdMinusGd')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: 0.001 }, n, decides: true });
    expect(effectOf(verdict, 'gapSlopeLargeEta')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'sgdMinusGdK16Eta0p1')).toMatchObject({ decides: false });
    // what ci shows: slope 0.97 on the first-order grid, about 0.87 at eta = 0.1 (the eta^2 term); SGD ends
    // 0.0044 lower in test loss than GD over 8 updates (GD lowers it by 0.27); the gap shrinks at eta k = 1.6
    // the first-order premise is measured: the eta^2 term is at most 2.4% of the mean gap change on the grid
    expect(verdict.premise.every((p) => p.holds)).toBe(true);
    expect(verdict.numbers.firstOrderRegime).toBeGreaterThan(0);
    expect(verdict.numbers.firstOrderRegime).toBeLessThan(0.05);
    expect(effectOf(verdict, 'gapSlopeLargeEta').estimate).toBeLessThan(effectOf(verdict, 'gapSlope').estimate);
    expect(effectOf(verdict, 'sgdMinusGdK16Eta0p1').estimate).toBeGreaterThan(effectOf(verdict, 'sgdMinusGdK8Eta0p1').estimate);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
