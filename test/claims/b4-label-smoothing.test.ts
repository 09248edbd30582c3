import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b4-label-smoothing.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B4 label smoothing', () => {
  // The rule (fixed in the claim module before the run): ECE lower by >= 0.01 and a smaller
  // template-plane cluster ratio, paired over seeds; the harness compares with the committed record.
  it('label smoothing: calibration and training clusters in the template plane', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('eceDiff');
    expect(verdict.effects.map((e) => [e.key, e.part, e.decides, e.n])).toEqual([
      ['eceDiff', 'better calibrated', true, n], ['ratioDiff', 'tighter clusters', true, n], ['rawRatioDiff', 'claim', false, n], ['accDiff', 'claim', false, n],
    ]);
    expect(effectOf(verdict, 'eceDiff').claimed).toEqual({ kind: 'direction', sign: -1, smallest: 0.01 });
    // the papers' condition: trained to (near) zero training error, where CE becomes overconfident
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['trainAccMin', true]]);
    expect(verdict.status).toBe('reproduced');
    // measured and recorded: on the raw penultimate activations the ratio goes the other way
    expect(effectOf(verdict, 'rawRatioDiff').lo).toBeGreaterThan(0);
  }, 900_000);
});
