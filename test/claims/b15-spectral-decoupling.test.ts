import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b15-spectral-decoupling.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B15 spectral decoupling', () => {
  // The rule (SD - CE with the shortcut removed > 0 by >= 0.05; premise: CE uses the shortcut, the moons
  // are learnable, CE starves them) is fixed in the claim module. ci is cut to the CI budget: 3 seeds of
  // 120 Adam steps at one lambda. There the premise is met (CE rides the shortcut and starves the moons
  // against a control trained without it) but SD at lambda 0.1 learns less of the moons than CE, so ci
  // reads "not reproduced". Three short seeds cannot decide the claim: the verdict of record is the full
  // scale's (full-batch GD, lambda swept on held-out data over pilot seeds).
  it('SD against CE on the starved feature, in a regime where CE starves it (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('sdGain');
    expect(effectOf(verdict, 'sdGain')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, outcome: 'fails' });
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['ceUsesShortcut', true], ['moonsLearnable', true], ['ceStarves', true]]);
    expect(verdict.numbers.lambda).toBe(claim.scales.ci.lambdas[0]);
    expect(claim.scales.full.pilotSeeds.some((s) => claim.scales.full.seeds.includes(s))).toBe(false);
    // measured at this scale: CE starves the moons (control - CE interval above 0), and SD does not restore them
    expect(effectOf(verdict, 'starvationGap').lo).toBeGreaterThan(0);
    expect(verdict.numbers.sdRemoved).toBeLessThan(verdict.numbers.ceRemoved);
    expect(verdict.status).toBe('not reproduced'); // measured: the SD - CE interval holds 0 but not the claimed 0.05
  }, 120_000);
});
