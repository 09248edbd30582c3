import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a9-sgd-sai.js';
import { runAtCiScale } from './claim-harness.js';

describe('A9 SGD-SaI', () => {
  // Not reproduced at this scale: SGD-SaI keeps half of AdamW's state but ends below it in test
  // accuracy on every comparison, each at its best lr. The test asserts what was measured.
  it('halves the optimizer state, but does not match AdamW\'s accuracy on the MLP (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.stateRatio).toBeCloseTo(0.5, 3);
    expect(n.saiState).toBe(n.params + 6);
    expect(n.adamwState).toBe(2 * n.params);
    expect(n.diffHi).toBeLessThan(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
