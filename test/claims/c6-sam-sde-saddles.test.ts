import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c6-sam-sde-saddles.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C6 SAM SDE and saddles', () => {
  // The rule (share of noisy USAM runs at the saddle: above 0.9 and reaching 0.99 for rho |lambda_min| > 1, below
  // 0.1 and reaching 0.01 below; weak-error slopes in eta: mean within 1 +- 0.1, relative covariance within 1 +- 0.25) is fixed in the claim module; status and numbers are
  // compared with the committed record by the harness. ci: 20 runs per cell, 2000 Monte Carlo runs, 5 seeds;
  // the full run has 200 runs per cell, 20000 Monte Carlo runs and 10 seeds.
  it('USAM converges to a quadratic saddle exactly when rho |lambda_min| > 1, and its SDE has weak error linear in eta', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['usamEigenvalues', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['sgdEscapes', true], ['simulatedSecondMoment', true]]);
    expect(verdict.headline).toBe('usamAtSaddleAbove');
    expect(effectOf(verdict, 'usamAtSaddleAbove')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: 1, reference: 0.9, smallest: 0.09 }, decides: true });
    expect(effectOf(verdict, 'usamAtSaddleBelow')).toMatchObject({ test: 'exact binomial', claimed: { kind: 'direction', sign: -1, reference: 0.1, smallest: 0.09 }, decides: true });
    expect(effectOf(verdict, 'weakSlopeMean')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1, target: 1 }, n, decides: true });
    expect(effectOf(verdict, 'weakSlopeCov')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.25, target: 1 }, n, decides: true });
    for (const k of ['samNotEscapedAbove', 'relCovErrorFixedRho']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    // what ci shows: every USAM run above the threshold ends at the saddle and none below (200 runs each side),
    // SGD always escapes; the weak-error slopes are 0.98 [0.97, 1.00] (mean) and 0.96 [0.89, 1.03] (relative
    // covariance, rho = O(sqrt(eta))); with rho held fixed the paper's diffusion leaves a relative covariance error of 0.17 at the smallest eta
    expect(effectOf(verdict, 'usamAtSaddleAbove').estimate).toBe(1);
    expect(effectOf(verdict, 'usamAtSaddleBelow').estimate).toBe(0);
    expect(Math.abs(effectOf(verdict, 'weakSlopeMean').estimate - 1)).toBeLessThan(0.05);
    expect(Math.abs(effectOf(verdict, 'weakSlopeCov').estimate - 1)).toBeLessThan(0.1);
    expect(effectOf(verdict, 'relCovErrorFixedRho').estimate).toBeGreaterThan(0.1);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
