import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b9-sam-label-noise.js';
import { runAtCiScale } from './claim-harness.js';

describe('B9 SAM under label noise', () => {
  // Half reproduced at this scale: SAM ends at clearly flatter minima at both noise rates, but its
  // test-accuracy gain is not significant after 20 epochs. The test asserts what was measured.
  it('SAM finds flatter minima, without a significant accuracy gain (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.logSharp20Hi).toBeLessThan(0);
    expect(n.logSharp40Hi).toBeLessThan(0);
    expect(Math.min(n.accDiff20Lo, n.accDiff40Lo)).toBeLessThanOrEqual(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
