import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b3-expected-gradients.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B3 expected gradients and attribution priors', () => {
  // The rule is fixed in the claim module (first-order IG convergence and the 5% tolerance of the IG
  // paper; EG unbiased within half a Monte Carlo standard error; the prior smooths the maps); the
  // harness compares status and numbers with the committed record. ci is cut to the CI budget (a
  // 32-wide MLP trained 12 steps per arm, 6 images, 3 seeds): the instruments still work (IG converges
  // to within far less than 5% of f(x) - f(0); EG's error is Monte Carlo noise), but 12 steps leave the
  // plain model well short of the premise's accuracy and give the prior no time to change the maps, so
  // ci is inconclusive. The verdict of record is the full run.
  it('IG and EG completeness, and the smoothness prior\'s effect on the model', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('tvChange');
    expect(verdict.effects.map((e) => [e.key, e.part, e.decides, e.n])).toEqual([
      ['igSlope', 'IG complete', true, n], ['igFinalError', 'IG complete', true, n], ['egBias', 'EG complete', true, n],
      ['tvChange', 'the prior changes the model', true, n], ['accChange', 'claim', false, n],
    ]);
    expect(effectOf(verdict, 'igSlope').claimed).toEqual({ kind: 'direction', sign: -1, reference: -1, smallest: 0 });
    expect(effectOf(verdict, 'igFinalError').claimed).toMatchObject({ reference: Math.log10(0.05) });
    expect(effectOf(verdict, 'egBias')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.5 } });
    // |z| of a standard normal averages 0.80: the EG error is Monte Carlo noise
    expect(verdict.numbers.egMeanAbsZ).toBeLessThan(1.2);
    // IG at the ladder's top is complete to well within the IG paper's 5% on every seed
    expect(verdict.numbers.igFinalErrorWorst).toBeLessThan(0.01);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['accPlain', false]]);
    expect(verdict.effects.filter((e) => e.decides).map((e) => [e.key, e.outcome])).toEqual([
      ['igSlope', 'inconclusive'], ['igFinalError', 'holds'], ['egBias', 'inconclusive'], ['tvChange', 'inconclusive'],
    ]);
    expect(verdict.status).toBe('inconclusive');
    // the plain model is above chance (0.1), if far from trained
    expect(verdict.numbers.accPlain).toBeGreaterThan(0.2);
  }, 120_000);
});
