import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b10-gam-sam-on.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B10 GAM and SAM-ON', () => {
  // The rule (each variant keeps at least half of SAM's gain over SGD: (variant - SGD) - 0.5 (SAM - SGD) > 0,
  // paired t; premise: SAM's gain is there) is fixed in the claim module; the harness compares with the record.
  // ci is cut to the CI budget (3 seeds, [196, 32, 32, 10], 500 images, 6 epochs): all four arms learn and
  // the three sharpness-aware ones end flatter than SGD, but 24 steps are too few for SAM to gain over SGD
  // under label noise, so the premise fails and ci is inconclusive; the verdict of record is the full scale's.
  it('how much of SAM\'s gain over SGD GAM and SAM-ON keep, SAM-ON perturbing only the LayerNorm parameters (measured)', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['normShare', true]]);
    expect(verdict.headline).toBe('gamKept');
    for (const key of ['gamKept', 'samOnKept']) expect(effectOf(verdict, key)).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0 }, n, decides: true });
    // kept = gain - 0.5 x SAM's gain, seed by seed, so the means obey it exactly
    expect(effectOf(verdict, 'gamKept').estimate).toBeCloseTo(effectOf(verdict, 'gamGain').estimate - 0.5 * effectOf(verdict, 'samGain').estimate, 12);
    expect(verdict.effects.filter((e) => e.decides).map((e) => e.part)).toEqual(['SAM-ON keeps most of SAM\'s gain', 'GAM keeps most of SAM\'s gain']);
    // measured at ci: every arm learns (chance 0.1) and every sharpness-aware arm ends flatter than SGD
    for (const r of rows) expect(r.testAccuracy as number).toBeGreaterThan(0.25);
    for (const key of ['samLogSharp', 'samOnLogSharp', 'gamLogSharp']) expect(effectOf(verdict, key).estimate).toBeLessThan(0);
    // ... but SAM has no gain over SGD yet to keep: the premise fails
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['samGainLo', false]]);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
