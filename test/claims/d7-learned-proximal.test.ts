import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d7-learned-proximal.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D7 learned proximal networks', () => {
  // The rule (proximal matching within 0.2 of the soft threshold and closer to it than to the MMSE; MSE
  // within 0.1 of the MMSE and closer to it) is fixed in the claim module; status and numbers are compared
  // with the committed record by the harness. ci trains a few hundred steps; the full run decides.
  it('an LPN is a prox (f\' >= 0) and is compared with the MAP and MMSE denoisers after each training', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['jacobianPsd', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['mapVsMmse', true]]);
    expect(verdict.headline).toBe('pmToMap');
    for (const k of ['pmToMap', 'mseToMmse']) expect(effectOf(verdict, k)).toMatchObject({ test: 't', n, decides: true });
    for (const k of ['pmCloserToMap', 'mseCloserToMmse']) expect(effectOf(verdict, k)).toMatchObject({ test: 'paired t', n, decides: true });
    // what ci shows: a few hundred steps already order the two trainings (each network is closer to its own
    // target denoiser) but leave both farther from it than the tolerances
    expect(effectOf(verdict, 'pmCloserToMap').outcome).toBe('holds');
    expect(effectOf(verdict, 'mseCloserToMmse').outcome).toBe('holds');
  }, 120_000);
});
