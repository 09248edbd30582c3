import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b19-stratified-lime.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B19 stratified LIME', () => {
  // The rule (fixed in the claim module before the full run; revised once, see the notebook): over seeds (unit =
  // one trained CNN, images averaged within it), MSE to the exact (enumerated) LIME solution, stratified (the
  // paper's equal allocation) - Monte Carlo < 0, and the stratified estimator's squared bias over the slopes
  // relative to mean beta*^2 within +-0.05^2 of 0, with the unadjusted stratified fit as the premise that the bias
  // test has power; the proportional allocation (n_k ~ p(k) pi(k)) is reported. Status and numbers are compared
  // with the committed record by the harness. ci is cut to the CI budget (B1's ci CNN, M = 10, n = 110,
  // 40 fits, 4 images x 3 seeds); the verdict of record is the full run (M = 12, n = 1001).
  it('stratified sampling against Monte Carlo, both against the exact LIME solution', async () => {
    const { verdict } = await runAtCiScale(claim);
    const units = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('mseGain');
    expect(verdict.effects.map((e) => [e.key, e.part, e.n, e.decides])).toEqual([
      ['mseGain', 'lower variance', units, true], ['biasStratified', 'unbiased', units, true],
      ['mseLnRatio', 'lower variance', units, false], ['mseGainProportional', 'lower variance', units, false], ['biasMc', 'unbiased', units, false],
    ]);
    expect(effectOf(verdict, 'mseGain')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0 } });
    expect(effectOf(verdict, 'biasStratified')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.05 ** 2 } });
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['denseError', true], ['expectationError', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['testAcc', 'biasUnadjusted']);
    // measured at ci: both premises met (the unadjusted fit's relative squared bias ~0.015, six times the margin), the
    // stratified estimator is centred on the exact solution (relative squared bias ~-2e-4, inside +-0.0025) but, with the
    // equal allocation over sizes at M = 10 and n = 110, its MSE is ~1.8x Monte Carlo's (ln ratio ~0.58 in every seed);
    // over 3 seeds the paired MSE difference's interval still holds 0: inconclusive, so partly reproduced. LIME's kernel
    // weight times the size's share peaks near M / 2, where uniform sampling already puts its draws: the proportional
    // allocation is at Monte Carlo's level (reported); ~40% of f's variance lies in sizes k > M / 2
    expect(verdict.premise.every((p) => p.holds)).toBe(true);
    expect(verdict.numbers.biasUnadjusted).toBeGreaterThan(4 * 0.05 ** 2);
    expect(effectOf(verdict, 'biasStratified').outcome).toBe('holds');
    expect(effectOf(verdict, 'mseGain').outcome).toBe('inconclusive');
    expect(effectOf(verdict, 'mseGain').estimate).toBeGreaterThan(0);
    expect(effectOf(verdict, 'mseLnRatio').estimate).toBeGreaterThan(0.3);
    expect(verdict.numbers.mseProportional).toBeLessThan(verdict.numbers.mseStratified);
    expect(verdict.numbers.upperVarShare).toBeGreaterThan(0.2);
    expect(verdict.numbers.illPosedMc).toBe(0);
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
