import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b17-randomized-smoothing.js';
import { runAtCiScale } from './claim-harness.js';

describe('B17 randomized smoothing', () => {
  it('no PGD attack flips a certified prediction inside its radius, though it flips most just outside; certified accuracy falls with the radius', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.attacked).toBeGreaterThan(100);
    expect(n.flippedInside).toBe(0);
    // the attack has teeth: outside the radius it succeeds on most points
    expect(n.flippedOutside / n.attacked).toBeGreaterThan(0.5);
    expect(n.certified0).toBeGreaterThan(n.certified500);
    expect(n.abstention).toBeLessThan(0.2);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
