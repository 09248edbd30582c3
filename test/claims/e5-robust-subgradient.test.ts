import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/e5-robust-subgradient.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E5 robust sub-gradient recovery', () => {
  // The rule (share of SubGM runs within 1e-3 of M* above 0.8; iterations at the largest r' within a factor
  // 1.25 of r' = r; l2 GD worse by more than 0 at p = 0.2 and 0.4) is fixed in the claim module; status and
  // numbers are compared with the committed record by the harness. ci is cut to n = 6, r' in {2, 4, 6};
  // the verdict of record is the full run (n = 20, r' in {2, 5, 20}, 10 seeds).
  it('SubGM with small initialisation recovers M* under gross outliers at any rank over-estimate; l2 GD does not', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['subgradientExact', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['l2CleanRecovers', true], ['outliersGross', true]]);
    // rule revised before the full run: the catalogue's per-cell count rule decides (>= 4/5 seeds in every cell)
    expect(verdict.headline).toBe('worstCellShare');
    expect(effectOf(verdict, 'worstCellShare')).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: 0.8 }, n, decides: true });
    expect(effectOf(verdict, 'recoveredShare')).toMatchObject({ test: 'exact binomial', n: 45, decides: false });
    expect(effectOf(verdict, 'overparamIters')).toMatchObject({ test: 'TOST equivalence', n, decides: true });
    for (const k of ['l2VsL1P0p2', 'l2VsL1P0p4']) expect(effectOf(verdict, k)).toMatchObject({ test: 'paired t', n, decides: true });
    for (const k of ['recoveredShareAtMaxOutliers', 'overparamFinal']) expect(effectOf(verdict, k)).toMatchObject({ decides: false });
    // what ci shows: 43 of 45 runs within 1e-3 (both misses at p = 0.4 on seed 4: r' = 2 stalled at 0.2 as the
    // step decayed, r' = 6 ended at 1.02e-3), so every cell holds >= 4/5 seeds; iterations equal over r' (log ratio
    // 0.000); l2 GD ends ~0.9 (p = 0.2) and ~1.4 (p = 0.4) relative error worse
    expect(verdict.numbers.recovered).toBeGreaterThanOrEqual(43);
    expect(Math.abs(effectOf(verdict, 'overparamIters').estimate)).toBeLessThan(0.05);
    for (const k of ['l2VsL1P0p2', 'l2VsL1P0p4']) expect(effectOf(verdict, k).estimate).toBeGreaterThan(0.5);
    expect(effectOf(verdict, 'worstCellShare').estimate).toBeGreaterThanOrEqual(0.8);
    for (const k of ['worstCellShare', 'recoveredShare', 'overparamIters', 'l2VsL1P0p2', 'l2VsL1P0p4']) expect(effectOf(verdict, k).outcome, k).toBe('holds');
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
