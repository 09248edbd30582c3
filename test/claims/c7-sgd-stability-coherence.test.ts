import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c7-sgd-stability-coherence.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C7 SGD stability and coherence', () => {
  // The rule (the paper's instability lr / exact critical lr below 1.5 where sigma and n/B are O(1); the
  // sufficient condition an exact check in every cell; runs at 0.95 x the critical lr and the run-level threshold reported) is fixed in the claim module;
  // status and numbers are compared with the committed record by the harness. ci: 10 runs per cell, 5
  // bisections, 5 seeds; the full run has 20 runs, 7 bisections and 10 seeds.
  it('the coherence condition is sufficient for instability and nearly tight where sigma and n/B are of order 1', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['sufficientViolations', true], ['gdThreshold', true], ['recursionVsEnumeration', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['simulatedSecondMoment', true], ['tightCoherence', true], ['coherenceSpread', true]]);
    expect(verdict.headline).toBe('tightness');
    expect(effectOf(verdict, 'tightness')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: -1, reference: 1, margin: 0.5 }, n, decides: true });
    expect(effectOf(verdict, 'divergedBelowCritical')).toMatchObject({ test: 'exact binomial', decides: false });
    expect(effectOf(verdict, 'empiricalOverCritical')).toMatchObject({ test: 'TOST equivalence', n, decides: false });
    expect(effectOf(verdict, 'divergedAtSufficient')).toMatchObject({ decides: false });
    // what ci shows: where sigma (about 1.4) and n/B (2, 4) are O(1) the paper's lr is 1.18 [1.12, 1.25] times eta*;
    // the condition holds in all 75 cells of the main grid, 1.5 to ~5 times above the exact critical lr
    // (looser for more coherent data); no run diverges at 0.95 eta*; typical runs diverge only near 1.18 eta*,
    // so the catalogue's "empirical threshold within 5%" fails (reported: run-level is not mean-square divergence)
    expect(verdict.checks.find((c) => c.key === 'sufficientViolations')!.value).toBe(0);
    expect(effectOf(verdict, 'tightness').hi).toBeLessThan(1.3);
    expect(verdict.numbers.smallestSufficientOverCritical).toBeGreaterThan(1.2);
    expect(effectOf(verdict, 'divergedBelowCritical').estimate).toBe(0);
    expect(effectOf(verdict, 'empiricalOverCritical')).toMatchObject({ outcome: 'fails' });
    expect(effectOf(verdict, 'empiricalOverCritical').estimate).toBeGreaterThan(1.1);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
