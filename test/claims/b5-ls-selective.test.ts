import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b5-ls-selective.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B5 label smoothing and selective classification', () => {
  // The rule (fixed in the claim module before the run): LS raises AURC with MSP, the logit-normalised
  // score lowers the LS model's AURC, at equal accuracy (premise); the harness compares with the record.
  // ci is cut to the CI budget (B4's ci models: 32 Adam steps an arm on 256 images): the models learn
  // but are far from trained (CE fits ~74% of its training images), so the trained-regime premise is not
  // met and ci reads "inconclusive" (before that premise it read "not reproduced": LS did not change the
  // ranking and the normalised logits ranked errors worse); the paper's regime (trained models) is the
  // full scale's, whose verdict is the one of record.
  it('LS and AURC with the softmax and the logit-normalised score', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('lsHurts');
    expect(verdict.effects.map((e) => [e.key, e.part, e.decides, e.n])).toEqual([
      ['lsHurts', 'LS worsens selective classification', true, n], ['normFixes', 'logit normalisation recovers it', true, n],
      ['normVsCe', 'claim', false, n], ['accDiff', 'claim', false, n],
    ]);
    expect(effectOf(verdict, 'lsHurts')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0 } });
    expect(effectOf(verdict, 'accDiff')).toMatchObject({ test: 'TOST equivalence', claimed: { margin: 0.02 } });
    // "even when accuracy holds": it does (the same models as B4's); trained: not at ci
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['accGap', true], ['ceTrained', false]]);
    expect(verdict.numbers.ceTrained).toBeLessThan(0.9);
    // measured at ci: every model learns (chance 0.1), and on these undertrained models the logit-normalised
    // score ranks the LS model's errors worse than its softmax does
    for (const r of rows) expect(r.testAccuracy as number).toBeGreaterThan(0.4);
    expect(effectOf(verdict, 'normFixes').estimate).toBeGreaterThan(0);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
