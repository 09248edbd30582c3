import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b15-spectral-decoupling.js';
import { runAtCiScale } from './claim-harness.js';

describe('B15 spectral decoupling', () => {
  // Not reproduced at this scale: both arms use the shortcut perfectly and learn the moons only in part,
  // and spectral decoupling does not change that. The test asserts what was measured.
  it('with the shortcut removed, SD is no better than CE (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.ceWith).toBeGreaterThan(0.99);
    // the moons feature is starved: well below what the same net learns without the shortcut
    expect(n.control).toBeGreaterThan(0.95);
    expect(n.ceRemoved).toBeLessThan(n.control - 0.1);
    expect(n.diffLo).toBeLessThanOrEqual(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
