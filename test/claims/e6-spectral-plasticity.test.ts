import { describe, expect, it } from 'vitest';
import { claim, summarizeE6, type E6Seed } from '../../src/claims/e6-spectral-plasticity.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E6 spectral regularisation against loss of plasticity', () => {
  // The rule (mean train accuracy over the last tasks: spectral - plain above 0 by >= 0.05, spectral - L2 Init
  // above 0 by >= 0.02; premises: no run diverges, plain Adam loses at least 0.05 between its first and last tasks, the spectral arm's sigma_max ends at most 0.9 of plain's; power iteration and the penalty's
  // gradient exact) is fixed in the claim module; status and numbers are compared with the committed record by
  // the harness. ci is cut to the CI budget (3 seeds, 6 tasks of 40 steps); the verdict of record is the full run.
  it('plain training loses plasticity, and the spectral penalty keeps it', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['powerIteration', true], ['penaltyGradient', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['allFinite', 'plainLoss', 'plainFirstTask', 'sigmaActs']);
    expect(effectOf(verdict, 'spectralPrevented')).toMatchObject({ claimed: { kind: 'non-inferiority', margin: 0.05, sign: 1 }, decides: false });
    expect(Number.isFinite(verdict.numbers.sigmaMaxInit) && Number.isFinite(verdict.numbers.spectralSigmaMaxEnd)).toBe(true);
    expect(verdict.headline).toBe('spectralMinusPlain');
    expect(effectOf(verdict, 'spectralMinusPlain')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true });
    expect(effectOf(verdict, 'spectralMinusL2Init')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'plainSlope')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'l2InitMinusPlain')).toMatchObject({ decides: false });
  }, 120_000);

  it('reads a diverged arm as inconclusive (a premise), not a crash', () => {
    const p = claim.scales.ci;
    const seedOf = (i: number, diverged: boolean): E6Seed => {
      const acc = (a: number) => Array.from({ length: p.tasks }, (_, t) => a - 0.05 * t + 0.01 * i);
      const arms = { none: acc(0.8), l2Init: acc(0.85), spectral: diverged ? acc(0.8).map((v, t) => (t > 2 ? NaN : v)) : acc(0.9) };
      return {
        rows: [], acc: arms, slope: { none: -0.05, l2Init: -0.05, spectral: -0.05 },
        last: Object.fromEntries(Object.entries(arms).map(([k, v]) => [k, v.slice(-p.lastTasks).reduce((a, b) => a + b, 0) / p.lastTasks])),
        sigmaEnd: { none: [3], l2Init: [2.5], spectral: [2] }, sigmaInit: [2.5], finite: { none: true, l2Init: true, spectral: !diverged },
        trackedRelErr: 0, powerRelErr: 0, gradRelErr: 0,
      };
    };
    const v = summarizeE6(p, [seedOf(1, true), seedOf(2, false), seedOf(3, false)]).verdict;
    expect(v.premise.find((q) => q.key === 'allFinite')).toMatchObject({ value: 1, holds: false });
    expect(v.status).toBe('inconclusive');
  });
});
