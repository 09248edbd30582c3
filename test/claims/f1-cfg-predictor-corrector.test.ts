import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/f1-cfg-predictor-corrector.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('F1 CFG is a predictor-corrector', () => {
  // The rule (W2 to the powered target and between the two samplers above 0.02 at T and 2T; PCG within
  // +-0.02 of DDPM-CFG in mean and variance) is fixed in the claim module; status and numbers are
  // compared with the committed record by the harness. ci is cut to the CI budget (T = 100, 24000
  // chains, 3 seeds); the verdict of record is the full run (T = 1000, 100000 chains, 10 seeds).
  it('neither guided sampler samples the powered distribution, they differ, and PCG lands on DDPM-CFG', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['targetAtGammaOne', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['floor', true], ['unguided', true]]);
    expect(verdict.headline).toBe('ddimToTarget2T');
    for (const k of ['ddpmToTarget', 'ddimToTarget', 'ddpmToTarget2T', 'ddimToTarget2T', 'ddpmVsDdim', 'ddpmVsDdim2T']) {
      expect(effectOf(verdict, k)).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, reference: 0.02, smallest: 0 }, n, decides: true, outcome: 'holds' });
    }
    for (const k of ['pcgMean', 'pcgVariance']) expect(effectOf(verdict, k)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.02 }, n, decides: true, outcome: 'holds' });
    expect(verdict.status).toBe('reproduced');
    const nums = verdict.numbers;
    // the exact target: p(x|1)^3 p(x)^-2 for classes N(+-1, 1) is pulled towards +1 and narrowed
    expect(nums.targetMean).toBeGreaterThan(1);
    expect(nums.targetVariance).toBeLessThan(1);
    // DDIM-CFG overshoots the mean further than DDPM-CFG does (the samplers differ in a definite way)
    expect(nums.ddimMean2T).toBeGreaterThan(nums.ddpmMean2T);
    expect(nums.floor).toBeLessThan(nums.ddpmToTarget2T / 5);
  }, 120_000);
});
