import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/i3-more-is-better.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('I3 more is better in random-feature regression', () => {
  // The rule (every consecutive step of the tuned log risk in k and in n non-inferior with margin ln 1.02, each
  // sweep falling overall; train / test at the optimal ridge below 0.1 on the power-law task and above 0.1 on
  // the fast-decaying one, both read at the continuous optimum of the seed-averaged exact risk) is fixed in the claim module; status and numbers are compared with the committed
  // record by the harness. ci is cut to the CI budget (n0 = k0 = 32, sweeps 8..128, 5 seeds); the verdict of
  // record is the full run (n0 = k0 = 200, sweeps 25..1600, 10 seeds).
  it('tuned risk falls with features and samples; the power-law optimum interpolates, the fast-decaying one does not', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    const { widths, samples } = claim.scales.ci;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['normalEquations', true], ['primalEqualsDual', true], ['spectrumEqualsDirect', true], ['estimateKrrLimit', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['optimumBelowGridTop', true], ['lowestRidgeInterpolates', true], ['fastLowestRidgeInterpolates', true], ['ridgelessPeak', true], ['powerLawExponent', true]]);
    // the fast spectrum has r^n0 = 0.95^200 at every scale, over the same M as the power law
    expect(verdict.numbers.fastRatio).toBeCloseTo(0.95 ** (200 / 32), 10);
    // the synthetic optima are continuous (off the grid), FMNIST's a grid point
    expect(Number.isInteger(verdict.numbers.tunedLog10RidgePowerLaw * 2)).toBe(false);
    expect(Number.isInteger(verdict.numbers.tunedLog10RidgeFmnist * 2)).toBe(true);
    expect(verdict.headline).toBe('powerLawFitRatio');
    expect(effectOf(verdict, 'powerLawFitRatio')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: 0, reference: 0.1 }, n, decides: true });
    expect(effectOf(verdict, 'fastFitRatio')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0, reference: 0.1 }, n, decides: true });
    for (const t of ['powerLaw', 'fast', 'fmnist']) {
      for (const k of widths.slice(1)) expect(effectOf(verdict, `${t}WidthStep${k}`)).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: Math.log(1.02) }, n, decides: true });
      for (const m of samples.slice(1)) expect(effectOf(verdict, `${t}SamplesStep${m}`)).toMatchObject({ test: 'non-inferiority t', decides: true });
      for (const s of ['Width', 'Samples']) expect(effectOf(verdict, `${t}${s}Fall`)).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: 0.1 }, decides: true });
    }
    expect(effectOf(verdict, 'fmnistFitRatio').decides).toBe(false);
    expect(effectOf(verdict, 'powerLawEstimateK128').decides).toBe(false);
    // what ci shows (n0 = 32, the sizes are small): no step fails and every sweep falls; at the continuous
    // optimum the power-law ratio is below 0.1 (about 0.07) and the fast task's above it (about 0.22); a few
    // small-size steps are inconclusive at ci
    expect(verdict.effects.filter((e) => e.decides && e.outcome === 'fails')).toEqual([]);
    for (const t of ['powerLaw', 'fast', 'fmnist']) for (const s of ['Width', 'Samples']) expect(effectOf(verdict, `${t}${s}Fall`).outcome).toBe('holds');
    expect(effectOf(verdict, 'fastFitRatio').outcome).toBe('holds');
    expect(effectOf(verdict, 'powerLawFitRatio').outcome).toBe('holds');
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
