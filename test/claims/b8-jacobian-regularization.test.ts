import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b8-jacobian-regularization.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B8 Jacobian regularization', () => {
  // The rule (fixed in the claim module before the run): noisy accuracy higher by >= 0.01, ||J|| cut by
  // >= 10%, the projection estimate unbiased within half a standard error; the harness compares with the record.
  // ci is cut to the CI budget (24 Adam steps an arm on 512 images, [784, 32, 32, 10], 100 test images): the
  // estimator is unbiased and the penalty already lowers ||J||, but by less than the 10% the rule asks and
  // without a robustness gain yet, so ci reads "partly reproduced"; the verdict of record is the full scale's.
  it('JR against CE: accuracy under input noise, ||J||_F, and the projection estimate', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('noisyGain');
    expect(verdict.effects.filter((e) => e.decides).map((e) => [e.key, e.part, e.n])).toEqual([
      ['noisyGain', 'more robust to input noise', n], ['logNormRatio', 'lowers ||J||', n], ['estimatorBias', 'estimator unbiased', n],
    ]);
    expect(effectOf(verdict, 'noisyGain').claimed).toEqual({ kind: 'direction', sign: 1, smallest: 0.01 });
    expect(effectOf(verdict, 'logNormRatio').claimed.kind).toBe('direction');
    expect(effectOf(verdict, 'estimatorBias')).toMatchObject({ test: 'TOST equivalence', claimed: { margin: 0.5 } });
    expect(effectOf(verdict, 'cleanDiff')).toMatchObject({ decides: false, claimed: { kind: 'non-inferiority', margin: 0.03 } });
    // every noisy level reported
    expect(verdict.effects.filter((e) => e.key.startsWith('noisyGainSigma')).length).toBe(claim.scales.ci.noise.filter((s) => s > 0).length);
    // |z| of a standard normal averages 0.80: the estimator's error is Monte Carlo noise
    expect(verdict.numbers.estimatorMeanAbsZ).toBeLessThan(1.2);
    expect(effectOf(verdict, 'estimatorBias').outcome).toBe('holds');
    // measured at ci: the penalty lowers ||J||_F on held-out images (interval below 0), if not yet by 10%
    expect(effectOf(verdict, 'logNormRatio').hi).toBeLessThan(0);
    expect(effectOf(verdict, 'noisyGain').outcome).toBe('fails');
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['cleanAccCe', true]]);
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
