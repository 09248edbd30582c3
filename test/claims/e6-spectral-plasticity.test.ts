import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/e6-spectral-plasticity.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E6 spectral regularisation against loss of plasticity', () => {
  // The rule (mean train accuracy over the last tasks: spectral - plain above 0 by >= 0.05, spectral - L2 Init
  // above 0 by >= 0.02; premise: plain Adam's task accuracy falls over tasks; power iteration and the penalty's
  // gradient exact) is fixed in the claim module; status and numbers are compared with the committed record by
  // the harness. ci is cut to the CI budget (3 seeds, 8 tasks of 40 steps); the verdict of record is the full run.
  it('plain training loses plasticity, and the spectral penalty keeps it', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['powerIteration', true], ['penaltyGradient', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['plainSlopeHi', 'plainFirstTask']);
    expect(verdict.headline).toBe('spectralMinusPlain');
    expect(effectOf(verdict, 'spectralMinusPlain')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true });
    expect(effectOf(verdict, 'spectralMinusL2Init')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'plainSlope')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'l2InitMinusPlain')).toMatchObject({ decides: false });
  }, 120_000);
});
