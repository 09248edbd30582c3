import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c9-hawq-mixed-precision.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C9 HAWQ mixed precision', () => {
  // The rule (Kendall tau of the layer-wise Hessian prediction with the measured loss change > 0, not short of 0.5, and above the
  // Hessian-free baseline's by 0.02; cross-layer - layer-wise tau > 0 by 0.02; the layer-wise pick's share of better configurations,
  // mean over model sizes, below 0.1 and below the Hessian-free pick's; premises: trained float model, small gradient term at uniform 4 bits;
  // checks: exact on a quadratic, within 5% of the measured change at uniform 8 bits) is fixed in the claim module; status and numbers are
  // compared with the committed record by the harness. ci is cut to the CI budget (500 images, h = 16, 5 seeds).
  it('the Hessian ranks the 81 configurations and cross-layer blocks are tested against the layer-wise sum', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['quadraticIdentity', true], ['hvpSymmetry', true], ['secondOrderAtWidest', false]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['trainAccuracy', true], ['firstOrderAtMiddle', false]]);
    expect(verdict.headline).toBe('tauLayerwise');
    expect(effectOf(verdict, 'tauLayerwise')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0.5 }, n, decides: true });
    expect(effectOf(verdict, 'tauLayerwiseMinusNorm')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'tauCrossMinusLayerwise')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.02 }, n, decides: true });
    expect(effectOf(verdict, 'pickShare')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: 0.1 }, n, decides: true });
    expect(effectOf(verdict, 'pickShareMinusNorm')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0 }, n, decides: true });
    expect(verdict.numbers.configurations).toBe(81);
    expect(verdict.numbers.quadraticIdentity).toBeLessThan(1e-5);
    // the reported ranking without 2 bits, one row per predictor
    for (const k of ['tauNo2BitsLayerwise', 'tauNo2BitsCross', 'tauNo2BitsNorm', 'tauNo2BitsEigen']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    // what ci shows: the layer-wise Hessian ranks the 81 configurations (tau ~0.58) but at 5 seeds not clearly better than the
    // Hessian-free ||dq||^2 (~0.48); the cross-layer blocks change tau by ~0.01; every predictor picks the best configuration at
    // the uniform-4-bit size, and over all sizes the Hessian's picks are ~0.03 better than the Hessian-free ones, not decided at 5 seeds
    expect(effectOf(verdict, 'tauLayerwise').outcome).toBe('holds');
    expect(verdict.numbers.pickShareAt4Bits).toBe(0);
    // the ci nets (Adam, minibatches of 64, 30 epochs on 500 images) are not at a minimum: the gradient term is 0.43 of the measured
    // change at uniform 4 bits (mean over seeds; up to 1.19 on seed 3), and at uniform 8 bits the full second-order prediction misses
    // by up to 5.5% (seed 2, where gradient term and Hessian blocks nearly cancel): both instruments fail, so ci is inconclusive by them
    expect(verdict.numbers.secondOrderAtWidest).toBeLessThan(0.1);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
