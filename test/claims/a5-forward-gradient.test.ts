import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a5-forward-gradient.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A5 forward gradients', () => {
  // The rule (three parts: error ratio equivalent to 1 within +-0.2, cosine exponent equivalent to -0.5
  // within +-0.1, local-loss cosine gain >= 0.1) is fixed in the claim module. ci is cut to the CI budget
  // (N = 20 guesses, widths 2-32 with 20 guesses each, a briefly trained local-loss net): the local-loss
  // part holds, while the two "matches" are inconclusive because their intervals are wider than the
  // margins, so ci is partly reproduced and the verdict of record is full. What ci shows: the error
  // ratio is consistent with no bias, the random-guess cosine falls with d on every seed, and the
  // local-loss guess aligns an order of magnitude better. The harness compares every number with the record.
  it('ci (cut to the CI budget): local-loss guesses align far better; unbiasedness and the d^-1/2 law not settled; partly reproduced (measured)', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.status).toBe('partly reproduced');
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['jvpError', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['dimDecades', true]]);
    expect(verdict.headline).toBe('cosDiff');
    const [ratio, slope, cos] = [effectOf(verdict, 'errRatio'), effectOf(verdict, 'slope'), effectOf(verdict, 'cosDiff')];
    expect(ratio).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 1, margin: 0.2 }, part: 'unbiased', n, outcome: 'inconclusive' });
    expect(slope).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: -0.5, margin: 0.1 }, n, outcome: 'inconclusive' });
    expect(cos).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.1 }, n, outcome: 'holds' });
    // measured: no sign of a bias (the ratio's interval holds its no-bias value 1) ...
    expect(ratio.lo).toBeLessThan(1);
    expect(ratio.hi).toBeGreaterThan(1);
    // ... the random-guess cosine falls with d on every seed (and the fitted exponent is negative) ...
    expect(slope.hi).toBeLessThan(0);
    for (const seed of claim.scales.ci.seeds) {
      const dim = rows.filter((r) => r.seed === seed && r.part === 'dimension');
      expect(Number(dim[0].meanAbsCos)).toBeGreaterThan(Number(dim.at(-1)!.meanAbsCos));
      // ... and the local-loss guess aligns far better than a random one (about tenfold; at least fivefold on every seed)
      const local = rows.find((r) => r.seed === seed && r.part === 'local loss')!;
      expect(Number(local.localCos)).toBeGreaterThan(5 * Number(local.randomCos));
    }
  }, 120_000);
});
