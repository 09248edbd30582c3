import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d3-closed-form-memorization.js';
import { runAtCiScale } from './claim-harness.js';

describe('D3 closed-form score memorizes, smoothed score generalizes', () => {
  // Measured at ci: the closed-form score's samples sit on the training points (~sigma_min away), the
  // smoothed score's samples lie between them on the circle, 4x further from the nearest training
  // point; the gap's interval [0.029, 0.049] falls just short of the rule's 3 sigma_min (0.03). The
  // status is asserted as the rule's outcome on the numbers, not pinned to that edge.
  it('closed-form samples collapse onto training points; smoothed samples stay on the circle but away from them (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.nearestExact).toBeLessThan(n.tolerance);
    expect(n.gapLo).toBeGreaterThan(0);
    expect(n.nearestSmoothed).toBeGreaterThan(3 * n.nearestExact);
    // generalizing, not wandering off: the smoothed samples stay near the data's support
    expect(n.offCircleSmoothed).toBeLessThan(0.05);
    expect(verdict.status).toBe(n.nearestExact < n.tolerance && n.gapLo > n.tolerance ? 'reproduced' : 'not reproduced');
  }, 600_000);
});
