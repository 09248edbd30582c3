import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a5-forward-gradient.js';
import { runAtCiScale } from './claim-harness.js';

describe('A5 forward gradients', () => {
  it('random-guess forward gradients are unbiased with cosine ~ d^-0.5; local-loss guesses align far better', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // the mean of N estimates misses the gradient by exactly the variance term (d+1)|g|^2/N: no bias
    expect(n.errRatioLo).toBeLessThanOrEqual(1);
    expect(n.errRatioHi).toBeGreaterThanOrEqual(1);
    // log mean|cos| against log d has slope -1/2 (t interval over seeds)
    expect(n.slopeLo).toBeLessThanOrEqual(-0.5);
    expect(n.slopeHi).toBeGreaterThanOrEqual(-0.5);
    // the local-loss guess beats the random guess (paired interval above 0)
    expect(n.cosDiffLo).toBeGreaterThan(0);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
