import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d6-optimal-transport-restoration.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D6 optimal transport restoration', () => {
  // The rule (per setting: MSE of OT(X*) = MMSE + W2^2 to 1% of MMSE, posterior sampling's MSE = 2 MMSE
  // within +-0.02, OT below posterior sampling) is fixed in the claim module; status and numbers are
  // compared with the committed record by the harness. ci is cut to the CI budget (8000 pairs, 5 seeds);
  // the verdict of record is the full run (50000 pairs, 10 seeds).
  it('the transported MMSE estimate has MSE = MMSE + W2^2, posterior sampling 2 MMSE, and transport wins', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['gaussianMap', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['w2Share']);
    for (const s of ['Gauss2', 'Gauss16', 'Gauss64', 'Mixture']) {
      expect(effectOf(verdict, `identity${s}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.01 }, n, decides: true });
      expect(effectOf(verdict, `posterior${s}`)).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', margin: 0.02, target: 2 }, n, decides: true });
      expect(effectOf(verdict, `otGain${s}`)).toMatchObject({ test: 't', n, decides: true, outcome: 'holds' });
    }
    // what ci shows: the identities hold in d = 16 and 64 (and the mixture's), but 8000 pairs leave d = 2's
    // identity and ratio, and the mixture's ratio, inside neither side of their margins: partly reproduced
    for (const k of ['identityGauss16', 'identityGauss64', 'posteriorGauss16', 'posteriorGauss64', 'identityMixture']) expect(effectOf(verdict, k).outcome).toBe('holds');
    expect(verdict.status).toBe('partly reproduced');
    expect(verdict.premise[0].holds).toBe(true);
  }, 120_000);
});
