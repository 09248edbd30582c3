import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a2-sgd-temperature.js';
import { runAtCiScale } from './claim-harness.js';

describe('A2 SGD temperature', () => {
  it('equal T with different (lr, batch) gives the same weights; T_c grows as a power of P', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // equal T: no difference between batch sizes (within CI) in the small-step regime...
    expect(n.equalTLo).toBeLessThanOrEqual(0);
    expect(n.equalTHi).toBeGreaterThanOrEqual(0);
    // ...while the same comparison at equal lr (T differs 4x) sees a large one
    expect(n.equalLrLo).toBeGreaterThan(0.3);
    expect(n.slopeLo).toBeGreaterThan(0);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
