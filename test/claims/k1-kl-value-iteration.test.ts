import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/k1-kl-value-iteration.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

/** filled in from the ci record of the revised rule */
const STATUS = 'partly reproduced';

describe('K1 KL-regularised value iteration', () => {
  // The rule (KL - AVI suboptimality < 0 paired; the acted-on q's noise-induced error decays as k^-1/2 for
  // KL, within +-0.1 of that slope, and does not decay for AVI; policy = softmax of the summed q's) is fixed in
  // the claim module; status and numbers are compared with the committed record by the harness. ci is cut to
  // the CI budget (30 states, 4 actions, 1000 iterations, 5 seeds); the verdict of record is the full run.
  it('the policy is a softmax of the summed q-values, errors are averaged, and KL regularisation beats AVI', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['softmaxOfSum', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['aviHurt', true], ['klNoiseFreeConverges', true]]);
    expect(verdict.headline).toBe('klVsAvi');
    expect(effectOf(verdict, 'klVsAvi')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0.1 }, n, decides: true });
    expect(effectOf(verdict, 'klErrorSlope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1, target: -0.5 }, n, decides: true });
    expect(effectOf(verdict, 'aviErrorSlope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1, target: 0 }, n, decides: true });
    // what ci shows: MD-VI ends about 2.7 closer to optimal than AVI (AVI ~2.7, MD-VI ~0.01), its acted-on error
    // falls with slope -0.50 [-0.56, -0.45] while AVI's stays flat (+0.01)
    expect(effectOf(verdict, 'klVsAvi').estimate).toBeLessThan(-1);
    expect(effectOf(verdict, 'klErrorSlope').estimate).toBeCloseTo(-0.5, 1);
    // rule revised before the full run: the KL policy's suboptimality must fall with k (slope on ln k below -0.5)
    expect(effectOf(verdict, 'klSuboptSlope')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: 0.5 }, n, decides: true });
    expect(effectOf(verdict, 'aviSuboptSlope')).toMatchObject({ decides: false });
    // at ci the per-seed slopes scatter widely (-2.0 [-4.8, 0.8]: the suboptimality falls to ~0 on some seeds), so the
    // convergence part is inconclusive at 5 seeds; the full run (10 seeds) decides
    expect(effectOf(verdict, 'klSuboptSlope').estimate).toBeLessThan(-0.5);
    expect(effectOf(verdict, 'klSuboptSlope').outcome).toBe('inconclusive');
    expect(verdict.status).toBe(STATUS);
  }, 120_000);
});
