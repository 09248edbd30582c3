import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/f6-distance-function.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('F6 distance function', () => {
  // The rule (the ideal denoiser's relative gap to the projection falls with sigma; gamma = 2 leaves the last
  // iterate nearer the circle than DDIM at 5 and 10 model calls, by at least a fifth of sigma_min) is fixed in
  // the claim module; status and numbers are compared with the committed record by the harness. ci is cut to
  // the CI budget (1000 chains and points, 5 seeds); the verdict of record is the full run.
  it('the ideal denoiser approaches the projection, and gamma = 2 is compared with DDIM at 5 and 10 calls', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['denoiserVsQuadrature', true], ['ddimIsVpDdim', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['referenceAtExactD2', true], ['referenceAtExactD8', true], ['referenceAtExactD32', true]]);
    expect(verdict.headline).toBe('geVsDdim5D8');
    for (const d of [2, 8, 32]) {
      expect(effectOf(verdict, `projectionSlopeD${d}`)).toMatchObject({ test: 't', n, decides: true, claimed: { kind: 'direction', sign: 1, smallest: 0.25 } });
      for (const k of [5, 10]) expect(effectOf(verdict, `geVsDdim${k}D${d}`)).toMatchObject({ test: 'paired t', n, decides: true, claimed: { kind: 'direction', sign: -1, smallest: 0.001 } });
    }
    // what ci shows: the relative gap falls as sigma^1 (the sigma^2 shortfall over a sigma-sized distance); at
    // 5 calls gamma = 2 overshoots (0.06-0.07 farther from the circle than DDIM), at 10 calls it is nearer by
    // 0.0024 (d = 2) and 0.0013 (d = 8) but by less than the 0.001 that counts at d = 32: partly reproduced
    for (const d of [2, 8, 32]) {
      expect(effectOf(verdict, `projectionSlopeD${d}`)).toMatchObject({ outcome: 'holds' });
      expect(Math.abs(effectOf(verdict, `projectionSlopeD${d}`).estimate - 1)).toBeLessThan(0.1);
      expect(effectOf(verdict, `geVsDdim5D${d}`)).toMatchObject({ outcome: 'fails' });
      expect(effectOf(verdict, `geVsDdim5D${d}`).estimate).toBeGreaterThan(0.05);
      expect(effectOf(verdict, `geVsDdim10D${d}`).hi).toBeLessThan(0);
    }
    expect(effectOf(verdict, 'geVsDdim10D2').outcome).toBe('holds');
    expect(effectOf(verdict, 'geVsDdim10D8').outcome).toBe('holds');
    expect(effectOf(verdict, 'geVsDdim10D32').outcome).toBe('fails');
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
