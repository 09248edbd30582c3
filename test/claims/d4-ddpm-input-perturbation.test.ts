import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d4-ddpm-input-perturbation.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D4 DDPM and input perturbation', () => {
  // The rule (DDPM at most half a Gaussian fit's squared MMD; input perturbation gamma 0.1 lowers it by
  // >= 10%, log ratios over seeds) is fixed in the claim module; status and numbers are compared with
  // the committed record by the harness. ci is cut to the CI budget (T = 100, 120 training steps, 3
  // seeds): the MMD instrument separates the roll from its Gaussian fit, but the briefly trained DDPM is
  // not yet better than that fit and both halves are inconclusive. The verdict of record is the full run
  // (T = 1000, 20000 steps, 10 seeds).
  it('DDPM vs a Gaussian fit, and input perturbation vs plain training (squared MMD to fresh data)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['hoBetaFirst', true], ['hoBetaLast', true]]);
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['alphaBarEnd', true], ['plainOverFloor', true]]);
    expect(verdict.headline).toBe('perturbationEffect');
    const ddpm = effectOf(verdict, 'ddpmVsGaussian');
    const ip = effectOf(verdict, 'perturbationEffect');
    expect(ddpm).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: Math.log(2) }, n, decides: true, outcome: 'inconclusive' });
    expect(ip).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, smallest: -Math.log(0.9) }, n, decides: true, outcome: 'inconclusive' });
    expect(verdict.status).toBe('inconclusive');
    const { mmdPlain, mmdGaussian, mmdFloor } = verdict.numbers;
    // the instrument sees beyond the first two moments: a Gaussian fit sits far above the sampling floor
    expect(mmdGaussian).toBeGreaterThan(10 * Math.abs(mmdFloor));
    // why the DDPM half cannot hold at ci: after 120 steps the DDPM is not below half the Gaussian fit's MMD
    expect(mmdPlain).toBeGreaterThan(mmdGaussian / 2);
  }, 120_000);
});
