import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b5-ls-selective.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B5 label smoothing and selective classification', () => {
  // The rule (fixed in the claim module before the run): LS raises AURC with MSP, the logit-normalised
  // score lowers the LS model's AURC, at equal accuracy (premise); the harness compares with the record.
  it('LS and AURC with the softmax and the logit-normalised score', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('lsHurts');
    expect(verdict.effects.map((e) => [e.key, e.part, e.decides, e.n])).toEqual([
      ['lsHurts', 'LS worsens selective classification', true, n], ['normFixes', 'logit normalisation recovers it', true, n],
      ['normVsCe', 'claim', false, n], ['accDiff', 'claim', false, n],
    ]);
    expect(effectOf(verdict, 'lsHurts').claimed).toEqual({ kind: 'direction', sign: 1, smallest: 0 });
    expect(effectOf(verdict, 'accDiff')).toMatchObject({ test: 'TOST equivalence', claimed: { margin: 0.02 } });
    // "even when accuracy holds"
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['accGap', true]]);
    expect(verdict.status).toBe('reproduced');
  }, 900_000);
});
