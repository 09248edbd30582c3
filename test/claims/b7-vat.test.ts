import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b7-vat.js';
import { runAtCiScale } from './claim-harness.js';

describe('B7 virtual adversarial training', () => {
  // Half reproduced: on two moons VAT turns 8 labels into a near-perfect boundary; on Fashion-MNIST
  // with 100 labels, at this budget and the paper's MNIST eps, it does not beat the labels alone.
  // The test asserts what was measured.
  it('VAT learns the moons from 8 labels; on Fashion-MNIST with 100 labels it gains nothing (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.moonsGainLo).toBeGreaterThan(0);
    expect(n.moonsVat).toBeGreaterThan(0.95);
    expect(n.fmnistGainLo).toBeLessThanOrEqual(0);
    expect(verdict.status).toBe('not reproduced');
  }, 600_000);
});
