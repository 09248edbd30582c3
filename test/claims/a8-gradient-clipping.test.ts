import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a8-gradient-clipping.js';
import { runAtCiScale } from './claim-harness.js';

describe('A8 gradient clipping', () => {
  it('clipping leaves fewer RNN runs blown up at large learning rates; unclipped gradients spike', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.clippedBlownUp).toBeLessThan(n.plainBlownUp);
    expect(n.diffLo).toBeGreaterThan(0);
    expect(n.medianSpike).toBeGreaterThan(10);
    expect(n.clippedAccuracy).toBeGreaterThan(n.plainAccuracy);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
