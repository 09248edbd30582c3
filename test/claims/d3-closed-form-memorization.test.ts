import { describe, expect, it } from 'vitest';
import { claim, copyRadius } from '../../src/claims/d3-closed-form-memorization.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D3 closed-form score memorizes, smoothed score generalizes', () => {
  // The rule (a copy radius in data units, a tenth of the training points' mean spacing) is fixed in
  // the claim module; status and numbers are compared with the committed record by the harness.
  it('closed-form samples within the copy radius of training points; smoothed samples beyond it and on the circle', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    const r = copyRadius(claim.scales.ci.trainPoints);
    expect(r).toBeCloseTo((0.2 * Math.PI) / 20, 12);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['scoreVsLogDensity', true], ['smoothedAtZero', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['sigmaMinOverRadius', true]]);
    expect(verdict.headline).toBe('nearestSmoothed');
    expect(effectOf(verdict, 'nearestExact')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: r }, n, decides: true });
    expect(effectOf(verdict, 'nearestSmoothed')).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: r }, n, decides: true });
    expect(effectOf(verdict, 'offCircleSmoothed')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: r }, n, decides: true });
    for (const k of ['nearestGap', 'smoothedVsFresh']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    const part = (keys: string[]) => keys.map((k) => effectOf(verdict, k).outcome).reduce((a, o) => (a === 'fails' || o === 'fails' ? 'fails' : a === 'holds' && o === 'holds' ? 'holds' : 'inconclusive'));
    const parts = [part(['nearestExact']), part(['nearestSmoothed', 'offCircleSmoothed'])];
    expect(verdict.status).toBe(parts.every((o) => o === 'holds') ? 'reproduced' : parts.some((o) => o === 'holds') ? 'partly reproduced' : parts.some((o) => o === 'fails') ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
