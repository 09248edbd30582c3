import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b9-sam-label-noise.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B9 SAM under label noise', () => {
  // The rule (accuracy gain >= 0.005 at every noise rate > 0; log lambda_max lower by >= 0.1; premise:
  // SGD memorizes the wrong labels) is fixed in the claim module. ci trains 20 epochs; the paper-like
  // 200 epochs are the full scale's, whose verdict is the one of record.
  it('SAM against SGD on clean test accuracy and lambda_max at each noise rate, and whether SGD memorizes (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    for (const rate of claim.scales.ci.noiseRates) {
      const k = Math.round(100 * rate);
      expect(effectOf(verdict, `accDiff${k}`)).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.005 }, n, decides: true });
      expect(effectOf(verdict, `logSharp${k}`)).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0.1 }, n });
      expect(verdict.numbers[`sgdMemorized${k}`]).toBeGreaterThanOrEqual(0);
    }
    expect(verdict.headline).toBe('accDiff40');
    expect(verdict.premise.map((q) => q.key)).toEqual(['sgdMemorizes']);
    // measured at ci: after 20 epochs SGD has not memorized the wrong labels, so the premise fails and the
    // verdict is inconclusive whatever the effects say; the flatness part holds on its own
    expect(verdict.premise[0].holds).toBe(false);
    expect(verdict.effects.filter((e) => e.part === 'SAM finds flatter minima').every((e) => e.outcome === 'holds')).toBe(true);
    expect(verdict.status).toBe('inconclusive');
  }, 600_000);
});
