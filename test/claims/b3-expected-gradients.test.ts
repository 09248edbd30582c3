import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b3-expected-gradients.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B3 expected gradients and attribution priors', () => {
  // The rule is fixed in the claim module (first-order IG convergence and the 5% tolerance of the IG
  // paper; EG unbiased within half a Monte Carlo standard error; the prior smooths the maps); the
  // harness compares status and numbers with the committed record.
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
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['accPlain', true]]);
    expect(verdict.status).toBe('reproduced');
  }, 900_000);
});
