import { describe, expect, it } from 'vitest';
import { claim, MARGIN } from '../../src/claims/f2-stochastic-interpolants.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('F2 stochastic interpolants', () => {
  // The rule (each exact-field sampler's MMD^2 to the target within +-m of 0, m the MMD^2 of a 10% wider
  // target; with learned fields the ODE's MMD^2 above the eps = 0.5 SDE's) is fixed in the claim module;
  // status and numbers are compared with the committed record by the harness. ci is cut to the CI budget
  // (1000 chains, 100 SDE steps, a small net for the linear interpolant only); the full run decides.
  it('exact-field ODE and SDE samplers are compared with the target, and learned-field ODE with SDE', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(MARGIN).toBeGreaterThan(1e-4);
    expect(MARGIN).toBeLessThan(3e-4);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['fokkerPlanck', true]]);
    expect(verdict.headline).toBe('exactLinearEps1');
    for (const name of ['Linear', 'Trig']) for (const eps of ['0', '0p25', '1']) {
      expect(effectOf(verdict, `exact${name}Eps${eps}`)).toMatchObject({ test: 'TOST equivalence', n, decides: true });
      // an exact sampler's MMD^2 is 0 up to the null's spread (about 4e-4 a seed at 1000 chains)
      expect(Math.abs(effectOf(verdict, `exact${name}Eps${eps}`).estimate)).toBeLessThan(5e-4);
    }
    expect(effectOf(verdict, 'learnedLinear')).toMatchObject({ test: 'paired t', n, decides: true });
    // what ci shows: the ci net (3-64-64-4, 400 steps) samples too poorly for the learned premise, and 1000
    // chains leave the exact rows' intervals wider than the margin: inconclusive; the full run decides
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['learnedUsableLinear', false]]);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
