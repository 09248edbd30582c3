import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b6-maxsup.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { FAMILY_SCALES } from '../../src/claims/shared/smoothing-family.js';
import { runAtCiScale } from './claim-harness.js';

describe('B6 MaxSup', () => {
  // The rule (fixed in the claim module before the run): MaxSup keeps >= 0.01 more intra-class cosine
  // distance than LS and no less than LS's accuracy - 0.01, in a regime with persistent training error;
  // its premise, that LS collapses the spread against CE there, is measured. The harness compares with the record.
  // ci is cut to the CI budget (16 Adam steps an arm on 1024 images, [784, 32, 32, 10]): every arm learns,
  // half the training set stays misclassified, and LS does not collapse the spread, so ci is inconclusive;
  // the verdict of record is the full scale's.
  it('MaxSup against LS in a regime with persistent training error (premise measured)', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    // B6's own regime: more images and fewer epochs than B4's family models
    expect(claim.scales.ci.nTrain).toBeGreaterThan(FAMILY_SCALES.ci.nTrain);
    expect(claim.scales.ci.epochs).toBeLessThan(FAMILY_SCALES.ci.epochs);
    expect(verdict.headline).toBe('withinDiff');
    expect(verdict.effects.map((e) => [e.key, e.decides, e.n])).toEqual([['withinDiff', true, n], ['accDiff', true, n], ['withinTestDiff', false, n], ['lsCollapse', false, n]]);
    expect(effectOf(verdict, 'withinDiff').claimed).toEqual({ kind: 'direction', sign: 1, smallest: 0.01 });
    expect(effectOf(verdict, 'accDiff').claimed).toEqual({ kind: 'non-inferiority', sign: 1, margin: 0.01 });
    expect(verdict.premise.map((p) => p.key)).toEqual(['lsCollapseHi', 'trainErrLs']);
    // the premise value is the interval's upper bound of the reported LS - CE effect
    expect(verdict.numbers.lsCollapseHi).toBe(effectOf(verdict, 'lsCollapse').hi);
    // measured at ci: every arm learns (chance 0.1), training error persists, but LS does not collapse the
    // features against CE, so the claim's premise is absent and the verdict is inconclusive
    for (const r of rows) expect(r.testAccuracy as number).toBeGreaterThan(0.25);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['lsCollapseHi', false], ['trainErrLs', true]]);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
