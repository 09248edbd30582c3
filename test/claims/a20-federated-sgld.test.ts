import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a20-federated-sgld.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A20 federated SGLD with conducive gradients', () => {
  // The rule (W2 / posterior scale at K = 1000: FSGLD no worse than centralised SGLD by 0.1; DSGLD's slope on
  // log10 K above 0; FSGLD - DSGLD reported beside the point-mass null W2 = 1) is fixed in the claim module; status and numbers are
  // compared with the committed record by the harness. ci: 20 chains x 4000 steps, 5 seeds; full: 200 x 10000, 10 seeds.
  it('FSGLD stays near the posterior under delayed communication on non-IID clients, where DSGLD drifts', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['conduciveIdentity', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['centralFloor', 'nonIid']);
    expect(verdict.headline).toBe('fsgldVsCentral');
    expect(effectOf(verdict, 'fsgldVsDsgld')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: -1, smallest: 0.1 }, n, decides: false });
    expect(verdict.numbers.pointMassW2).toBe(1);
    expect(effectOf(verdict, 'dsgldSlope')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, decides: true });
    expect(effectOf(verdict, 'fsgldVsCentral')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, margin: 0.1 }, decides: true });
    expect(effectOf(verdict, 'fsgldSlope')).toMatchObject({ decides: false });
    expect(effectOf(verdict, 'oracleVsCentral')).toMatchObject({ decides: false });
    // what ci shows: DSGLD ends about 22 posterior scales off at K = 1000 (4 at K = 1), FSGLD about 0.8: far
    // better, but so is a point mass at the posterior mean (W2 = 1); its q_s, fitted from a 20-chain local run, leave it 0.4-1.2 scales above centralised SGLD
    // (fails the 0.1 margin); with exact q_s (oracle) it matches centralised SGLD. (At full scale the longer
    // local chains fit q_s better: pilot seeds 101-102 put FSGLD 0.055 [0.024, 0.086] above the floor.)
    expect(verdict.premise.every((p) => p.holds)).toBe(true);
    expect(effectOf(verdict, 'fsgldVsDsgld').estimate).toBeLessThan(-10);
    expect(verdict.numbers.dsgldW2AtLargestK).toBeGreaterThan(verdict.numbers.pointMassW2);
    expect(effectOf(verdict, 'fsgldVsCentral').outcome).toBe('fails');
    expect(effectOf(verdict, 'oracleVsCentral').outcome).toBe('holds');
    expect(verdict.status).toBe('partly reproduced');
  }, 120_000);
});
