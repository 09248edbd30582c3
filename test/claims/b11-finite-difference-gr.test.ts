import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b11-finite-difference-gr.js';
import { runAtCiScale } from './claim-harness.js';

describe('B11 finite-difference gradient regularization', () => {
  it('the finite-difference penalty gradient converges to double backprop like O(h) and costs fewer kernels', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.slopeLo).toBeGreaterThan(0.85);
    expect(n.slopeHi).toBeLessThan(1.15);
    expect(n.minError).toBeLessThan(1e-2);
    expect(n.kernelsFd).toBeLessThan(n.kernelsExact);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
