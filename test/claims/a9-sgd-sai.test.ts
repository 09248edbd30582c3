import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a9-sgd-sai.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A9 SGD-SaI', () => {
  // The rule (non-inferiority at a 0.02 accuracy margin, premise: interior lr optima) is fixed in the
  // claim module; the status and numbers are compared with the committed record by the harness. ci is
  // cut to the CI budget (a [196, 32, 32, 10] MLP, 1000 images, 24 steps per run, both lr grids whole):
  // it shows the exact halving of the optimizer state and the lr selection on held-out data, but so
  // short a run favours the largest rate, so AdamW's best lr sits at the top of its grid on every seed,
  // the premise fails and ci is inconclusive (SGD-SaI also trails AdamW by more than the margin there).
  // The verdict of record is the full run (128 wide, 20 epochs).
  it('halves the optimizer state exactly; accuracy judged by non-inferiority to AdamW', async () => {
    const { verdict } = await runAtCiScale(claim);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['stateRatio', true], ['adamwState', true]]);
    expect(verdict.numbers.saiState - verdict.numbers.params).toBe(6); // one scale per parameter tensor
    const gap = effectOf(verdict, 'accuracyGap');
    expect(gap).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', margin: 0.02 }, n: claim.scales.ci.seeds.length });
    expect(verdict.headline).toBe('accuracyGap');
    expect(gap.outcome).toBe('fails');
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['adamwInterior', false], ['saiInterior', true]]);
    expect(verdict.status).toBe('inconclusive');
    // both optimizers train well above chance (0.1) in 24 steps
    expect(Math.min(verdict.numbers.adamwAccuracy, verdict.numbers.saiAccuracy)).toBeGreaterThan(0.4);
  }, 120_000);
});
