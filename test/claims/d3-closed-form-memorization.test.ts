import { describe, expect, it } from 'vitest';
import { claim, copyRadius } from '../../src/claims/d3-closed-form-memorization.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D3 closed-form score memorizes, smoothed score generalizes', () => {
  // The rule (a copy radius in data units, a tenth of the training points' mean spacing) is fixed in
  // the claim module; status and numbers are compared with the committed record by the harness. ci is
  // cut to the CI budget (200 chains, 20 steps a level, 4 smoothing draws, 5 seeds) and still shows both
  // halves: closed-form samples within the copy radius of training points, smoothed samples beyond it
  // and on the circle (reproduced). The verdict of record is the full run (2000 chains, 100 steps, 32 draws).
  it('closed-form samples within the copy radius of training points; smoothed samples beyond it and on the circle', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    const r = copyRadius(claim.scales.ci.trainPoints);
    expect(r).toBeCloseTo((0.2 * Math.PI) / 20, 12);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['scoreVsLogDensity', true], ['smoothedAtZero', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['sigmaMinOverRadius', true]]);
    expect(verdict.headline).toBe('nearestSmoothed');
    expect(effectOf(verdict, 'nearestExact')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, reference: r }, n, decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'nearestSmoothed')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: 1, reference: r }, n, decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'offCircleSmoothed')).toMatchObject({ test: 't', claimed: { kind: 'direction', sign: -1, reference: r }, n, decides: true, outcome: 'holds' });
    for (const k of ['nearestGap', 'smoothedVsFresh']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    expect(verdict.status).toBe('reproduced');
    const { offCircleExact, nearestSmoothed, nearestFresh } = verdict.numbers;
    // the closed-form samples are copies, so they sit on the circle too
    expect(offCircleExact).toBeLessThan(r / 2);
    // the smoothed samples are new points, yet nearer the training points than fresh draws from the circle
    expect(nearestSmoothed).toBeLessThan(nearestFresh);
  }, 120_000);
});
