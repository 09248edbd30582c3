import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/e4-overparameterized-sensing.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E4 over-parameterized matrix sensing', () => {
  // The rule (symmetric k > r: log-log slope within -2 +- 0.25 and a falling exponential rate; k = r linear;
  // asymmetric k > r linear with ln(rate) ~ ln(alpha^2) at slope 1 +- 0.2, flat with the one-step fix) is fixed
  // in the claim module; status and numbers are compared with the committed record by the harness. ci is
  // cut to n = 8, 10000 symmetric steps, k = 4 only; the verdict of record is the full run (n = 20).
  it('symmetric over-parameterisation is sublinear, asymmetric linear at a rate ~ alpha^2, and the one-step fix removes alpha', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['gramGradient', true], ['rebalanceExact', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['exactRecovery', true], ['nearIsotropic', true], ['asymReachedWindow', true]]);
    expect(verdict.headline).toBe('symSlopeK4');
    expect(effectOf(verdict, 'symSlopeK4')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.25, target: -2 }, n, decides: true });
    expect(effectOf(verdict, 'rateAlphaSlopeK4')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.2, target: 1 }, n, decides: true });
    expect(effectOf(verdict, 'fixAlphaSlopeK4')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.2 }, n, decides: true });
    expect(effectOf(verdict, 'fixSpeedup')).toMatchObject({ decides: false });
    // rule revised before the full run: the fixed runs must also be fast (rate >= half the k = r rate)
    expect(effectOf(verdict, 'fixVsExactRankK4')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: 1, margin: Math.LN2 }, n, decides: true });
    // what ci shows: a log-log slope of -1.83 [-1.92, -1.74] at T = 10000 (it approaches -2 from above as T grows),
    // the exponential rate roughly halving per doubling of t, straight k = r lines, ln(rate) ~ 0.97 ln(alpha^2), and a
    // flat rate (slope 0.004) with the fix, which is ~exp(3.3) = 27x faster at alpha = 0.1
    expect(effectOf(verdict, 'symSlopeK4').estimate).toBeGreaterThan(-1.95);
    expect(effectOf(verdict, 'symSlopeK4').estimate).toBeLessThan(-1.75);
    expect(effectOf(verdict, 'symRateDecayK4').estimate).toBeLessThan(-0.5);
    expect(effectOf(verdict, 'fixSpeedup').estimate).toBeGreaterThan(2);
    for (const k of ['symSlopeK4', 'symRateDecayK4', 'symLinearK2', 'asymLinearK2', 'asymLinearK4', 'rateAlphaSlopeK4', 'fixAlphaSlopeK4']) expect(effectOf(verdict, k).outcome, k).toBe('holds');
    // the fixed runs converge at about 0.54 of the k = r rate (ln ratio -0.62 [-0.76, -0.48]): not shown to be
    // at least half of it at ci, so the verdict is partly reproduced here; the full run (10 seeds, n = 20) decides
    expect(effectOf(verdict, 'fixVsExactRankK4').outcome).toBe('inconclusive');
    expect(effectOf(verdict, 'fixVsExactRankK4').estimate).toBeGreaterThan(-0.8);
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
