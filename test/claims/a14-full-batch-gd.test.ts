import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a14-full-batch-gd.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A14 full-batch GD with a gradient penalty vs SGD', () => {
  // The rule (full batch + regulariser - SGD test accuracy within +-0.01, TOST over seeds; premise: plain full
  // batch below SGD, no divergence) is fixed in the claim module; status and numbers are compared with the
  // committed record by the harness. ci is cut to the CI budget: 5 epochs, so full batch takes 5 steps.
  it('compares full-batch GD (plain, with warm-up and clipping, with the penalty) with SGD at equal epochs', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.premise.map((p) => p.key)).toEqual(['plainWorse', 'noDivergence']);
    expect(verdict.headline).toBe('regMinusSgd');
    expect(effectOf(verdict, 'regMinusSgd')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.01 }, n, decides: true });
    for (const key of ['plainMinusSgd', 'aidsMinusSgd', 'regMinusPlain']) expect(effectOf(verdict, key)).toMatchObject({ decides: false, n });
    expect(verdict.numbers.lambda).toBeCloseTo(0.25, 10);
    expect(verdict.numbers.subBatches).toBe(31);
    // what ci shows: after 5 epochs SGD (155 steps) is at ~0.77 test accuracy while full batch (5 steps) is far
    // behind; the penalty slows its first steps further, so the gap is one of optimisation and ci says
    // 'not reproduced'; the verdict of record is the full run (300 epochs)
    expect(verdict.premise.every((p) => p.holds)).toBe(true);
    expect(verdict.numbers.sgdAccuracy).toBeGreaterThan(0.7);
    expect(effectOf(verdict, 'regMinusSgd').outcome).toBe('fails');
    expect(verdict.status).toBe('not reproduced');
  }, 120_000);
});
