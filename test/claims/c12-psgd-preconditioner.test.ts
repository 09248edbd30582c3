import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c12-psgd-preconditioner.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

/** filled in from the ci record of the revised rule */
const STATUS = 'partly reproduced';

describe('C12 PSGD preconditioner', () => {
  // The rule (||PH - I||_F / sqrt(d) below 0.05 after the run; PSGD at least twice as fast as SGD at its best
  // rate) is fixed in the claim module; status and numbers are compared with the committed record by the
  // harness. ci is cut to d = 10, 6000 steps; the verdict of record is the full run (d = 20, 20000 steps, 10 seeds).
  it('the online Lie-group preconditioner converges to the inverse Hessian and PSGD beats SGD', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['fixedPoint', true], ['positiveDiagonal', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['bothReachTarget', true]]);
    expect(verdict.headline).toBe('inverseHessianError');
    expect(effectOf(verdict, 'inverseHessianError')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, reference: 0.05 }, n, decides: true });
    expect(effectOf(verdict, 'psgdVsSgdIters')).toMatchObject({ test: 't', n, decides: true });
    expect(effectOf(verdict, 'inverseHessianErrorFixedMu')).toMatchObject({ decides: false });
    // rule revised before the full run: at gradient noise sigma 0.1 and 1 the fit must reach the noisy criterion's
    // fixed point (H^2 + 2 sigma^2 I)^{-1/2} within 0.05; the error against H^{-1} there is reported with its floor
    for (const k of ['dampedFixedPointSigma0p1', 'dampedFixedPointSigma1']) expect(effectOf(verdict, k)).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, reference: 0.05 }, n, decides: true });
    for (const k of ['inverseHessianErrorSigma0p1', 'inverseHessianErrorSigma1']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    // what ci shows: ||PH - I||_F / sqrt(d) = 0.016 [0.011, 0.021] with the decaying step (0.15 with the fixed step,
    // above the tolerance: reported); PSGD reaches the target in ~190 iterations against ~1380 for SGD at its best rate
    expect(effectOf(verdict, 'inverseHessianError').estimate).toBeLessThan(0.03);
    expect(effectOf(verdict, 'inverseHessianErrorFixedMu').estimate).toBeGreaterThan(0.05);
    expect(effectOf(verdict, 'psgdVsSgdIters').estimate).toBeLessThan(-1.5);
    for (const k of ['inverseHessianError', 'psgdVsSgdIters']) expect(effectOf(verdict, k).outcome, k).toBe('holds');
    // at sigma = 0.1 the fit reaches its fixed point (0.042 [0.035, 0.049]); at sigma = 1 it does not within the
    // 6000 steps (0.11 [0.07, 0.15] from (H^2 + 2 I)^{-1/2}): the noise part fails at ci, so partly reproduced
    expect(effectOf(verdict, 'dampedFixedPointSigma0p1').outcome).toBe('holds');
    expect(effectOf(verdict, 'dampedFixedPointSigma1').outcome).toBe('fails');
    expect(verdict.status).toBe(STATUS);
  }, 120_000);
});
