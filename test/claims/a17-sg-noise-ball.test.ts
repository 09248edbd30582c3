import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a17-sg-noise-ball.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A17 SG noise ball, diminishing steps and SVRG', () => {
  // The rule (fixed-step floor slope in alpha within 1 +- 0.1, the transient at least Theorem 4.6's rate; diminishing-step
  // slope in gamma + k within -1 +- 0.15; SVRG fitting a line in evaluations, SG a power law; SVRG a decade or
  // more below SG) is fixed in the claim module; status and numbers are compared with the committed record by
  // the harness. ci: 6 / 16 / 20 runs per seed, 5 seeds; the full run has 30 / 40 / 50 runs and 10 seeds.
  it('fixed steps settle in a floor proportional to alpha, diminishing steps give O(1/k), SVRG converges linearly', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['theorem46', true], ['theorem47', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['simulatedGap', true], ['diminishingVsExact', true]]);
    expect(verdict.headline).toBe('noiseBallSlope');
    expect(effectOf(verdict, 'noiseBallSlope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1, target: 1 }, n, decides: true });
    expect(effectOf(verdict, 'linearRate')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, reference: 1, smallest: 0 }, n, decides: true });
    expect(effectOf(verdict, 'gapOverBound')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, reference: 1 }, decides: false });
    expect(effectOf(verdict, 'diminishingSlope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.15, target: -1 }, decides: true });
    expect(effectOf(verdict, 'svrgFitsLinear')).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, decides: true });
    expect(effectOf(verdict, 'sgFitsSublinear')).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: 0.02 }, decides: true });
    expect(effectOf(verdict, 'svrgVsSgFinal')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 1 }, decides: true });
    // what ci shows: floor slope 1.04 (exact 1.03) at about 14% of Theorem 4.6's bound; the transient falls about
    // 4.3 [3.9, 4.8] times faster in log-rate than the theorem's 1 - alpha c; diminishing-step slope -0.96 (exact -0.99);
    // SVRG ends about 4.8 decades below SG after 30 epochs of evaluations
    expect(Math.abs(effectOf(verdict, 'noiseBallSlope').estimate - 1)).toBeLessThan(0.06);
    expect(effectOf(verdict, 'linearRate').lo).toBeGreaterThan(2);
    expect(effectOf(verdict, 'gapOverBound').estimate).toBeLessThan(0.2);
    expect(effectOf(verdict, 'svrgVsSgFinal').estimate).toBeLessThan(-3);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
