import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a7-dp-sgd.js';
import { runAtCiScale } from './claim-harness.js';

describe('A7 DP-SGD', () => {
  it('the accountant matches published epsilons, clipping is exact and bounded, and accuracy rises with epsilon', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // TF Privacy's published MNIST epsilons, to their two decimals
    expect(n.accountantWorstError).toBeLessThan(0.01);
    // ghost-norm clipping equals clipping one example at a time, and never exceeds the bound
    expect(n.clipSumError).toBeLessThan(1e-3);
    expect(n.maxClippedRatio).toBeLessThanOrEqual(1 + 1e-6);
    // the non-private arm beats the most private one (paired interval above 0), with no significant drop between levels
    expect(n.accuracyGainLo).toBeGreaterThan(0);
    expect(n.monotone).toBe(1);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
