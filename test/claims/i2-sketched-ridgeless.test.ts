import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/i2-sketched-ridgeless.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('I2 sketched ridgeless regression', () => {
  // The rule (variance part / its exact expectation - 1 within +-0.1 at every grid point of both sketches and at m*; risk at m* below
  // the full-sample peak at p = 0.9 n, paired) is fixed in the claim module; status and numbers are compared
  // with the committed record by the harness. ci is cut to the CI budget (n = 200, 2 draws, 5 seeds); the
  // verdict of record is the full run (n = 400, 4 draws, 10 seeds).
  it('the risk follows the proportional-regime formulas and the optimal sketch removes the double-descent peak', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['sketchOrthonormal', true], ['squareSketchIsFull', true], ['sketchedInterpolates', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['peakPresent', true]]);
    expect(verdict.headline).toBe('mstarVsFullOrth');
    for (const k of ['mstarVsFullOrth', 'mstarVsFullGauss']) expect(effectOf(verdict, k)).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 1 }, n, decides: true });
    // rule revised before the full run: the variance part against its exact finite-size expectation decides (the
    // bias part is the formula's own term); the risk against the limit formulas is reported
    for (const m of [40, 60, 150, 200, 'star']) for (const t of ['Orth', 'Gauss']) expect(effectOf(verdict, `variance${t}M${m}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.1 }, decides: true });
    for (const m of [40, 60, 150, 200, 'star']) for (const t of ['Orth', 'Gauss']) expect(effectOf(verdict, `risk${t}M${m}`)).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'riskOrthM60Mis')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'monteCarloVsConditional')).toMatchObject({ decides: false });
    // what ci shows: every grid point within 4% of its formula (finite-size corrections, positive as the exact
    // finite-n risks are), the optimal sketch about 5.9 below the full-sample peak (formulas: 3 against 9)
    for (const m of [40, 60, 150, 200]) for (const t of ['Orth', 'Gauss']) expect(Math.abs(effectOf(verdict, `risk${t}M${m}`).estimate)).toBeLessThan(0.05);
    expect(effectOf(verdict, 'mstarVsFullOrth').estimate).toBeLessThan(-5);
    // the variance part within 3% of its exact finite-size expectation at every grid point and at m*
    for (const m of [40, 60, 150, 200, 'star']) for (const t of ['Orth', 'Gauss']) {
      expect(effectOf(verdict, `variance${t}M${m}`).outcome).toBe('holds');
      expect(Math.abs(effectOf(verdict, `variance${t}M${m}`).estimate)).toBeLessThan(0.03);
    }
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
