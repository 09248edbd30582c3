import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/f4-gauge-freedom.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('F4 gauge freedom', () => {
  // The rule (gauge ODE's sliced W2 to the data within +-0.02 of the exact ODE's; the conservative control
  // above it) is fixed in the claim module; status and numbers are compared with the committed record by
  // the harness. ci is cut to the CI budget (150 steps, 3000 chains, 5 seeds); the verdict of record is
  // the full run (500 steps, 20000 chains, 10 seeds).
  it('a divergence-free, non-conservative field leaves probability-flow sampling exact; a conservative wrong one does not', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['gaugeDivergence', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['exactNearFloor', true], ['gaugeCurl', true]]);
    expect(verdict.headline).toBe('gaugeVsExact');
    expect(effectOf(verdict, 'gaugeVsExact')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'controlVsExact')).toMatchObject({ test: 'paired t', n, decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'gaugeVsExactL3')).toMatchObject({ decides: false });
    // what ci shows: the gauge ODE's W2 is the exact ODE's to within a few thousandths, but 3000 chains and 5
    // seeds leave the 90% interval wider than +-0.02: partly reproduced; the control is far off
    const gauge = effectOf(verdict, 'gaugeVsExact');
    expect(Math.abs(gauge.estimate)).toBeLessThan(0.01);
    expect(gauge.outcome).toBe('inconclusive');
    expect(effectOf(verdict, 'controlVsExact').estimate).toBeGreaterThan(0.5);
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
