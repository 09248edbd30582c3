import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b20-moreaugrad.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B20 MoreauGrad', () => {
  // The rule (fixed in the claim module before the run) compares MoreauGrad's robustness with the gradient
  // blurred to the same total variation (never rougher than MoreauGrad), the control for "smoothing
  // smooths"; premises: the maps still explain the classifier (cosine with the gradient >= 0.5) and the
  // inner solver settled. Status and numbers are compared with the committed record by the harness. ci is
  // cut to the CI budget like B1's (a 4-8 channel CNN trained 20 steps, 4 images per seed, 3 seeds, 50
  // inner steps); the verdict of record is the full run.
  it('MoreauGrad against the gradient and against a blurred gradient at equal smoothing', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('corrOverBlur');
    expect(verdict.effects.map((e) => [e.key, e.part, e.n, e.decides])).toEqual([
      ['corrOverBlur', 'more robust than smoothing alone', n, true], ['corrGain', 'more robust', n, true], ['tvDrop', 'smoother', n, true],
      ['sparseCorrGain', 'sparse variant', n, false], ['sparseTvDrop', 'sparse variant', n, false],
    ]);
    expect(effectOf(verdict, 'corrOverBlur')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0 } });
    expect(effectOf(verdict, 'tvDrop').claimed).toMatchObject({ kind: 'direction', sign: -1, smallest: 0 });
    // the control is never rougher than MoreauGrad (equal TV where blurred)
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['tvMatchError', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['testAcc', 'solverDrift', 'cosineToGradient']);
    // measured at ci: the maps still explain the (barely trained) CNN, but 50 decaying inner steps leave one
    // image's estimate drifting by ~0.09 of its gradient's norm, above the premise's 0.05: inconclusive. The
    // robustness gains point the claimed way (~+0.07 Spearman) with intervals holding 0; MoreauGrad is not
    // smoother than the gradient here, and the sparse variant's exact zeros raise its TV
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['testAcc', true], ['solverDrift', false], ['cosineToGradient', true]]);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.numbers.cosineToGradient).toBeGreaterThan(0.6);
    expect(effectOf(verdict, 'corrOverBlur').estimate).toBeGreaterThan(0);
    expect(verdict.numbers.zeroShare).toBeGreaterThan(0.3);
  }, 120_000);
});
