import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b16-mixup-cutout.js';
import { runAtCiScale } from './claim-harness.js';

describe('B16 mixup and cutout', () => {
  // Not reproduced at this scale: on spirals ERM is already calibrated and mixup makes the MLP
  // underconfident; cutout costs the small CNN accuracy at 8 epochs. The test asserts what was measured.
  it('mixup raises ECE on spirals and cutout lowers CNN accuracy (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.eceErm).toBeLessThan(0.05);
    expect(n.eceDiffLo).toBeGreaterThan(0);
    expect(n.cutoutDiff).toBeLessThan(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
