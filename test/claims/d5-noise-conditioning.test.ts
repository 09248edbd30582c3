import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/d5-noise-conditioning.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('D5 noise conditioning', () => {
  // The rule (the level posterior's sd and the unconditional - conditional W2 gap both fall with log d) is
  // fixed in the claim module; status and numbers are compared with the committed record by the harness.
  // ci is cut to the CI budget (300 chains, 5 seeds); the verdict of record is the full run (2000 chains, 10 seeds).
  it('the noise level is inferable from x_t, better in higher dimension, and dropping conditioning costs less there', async () => {
    const { verdict } = await runAtCiScale(claim);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['levelPosterior', true], ['denoiser', true]]);
    expect(verdict.headline).toBe('gapSlope');
    for (const k of ['levelSdSlope', 'gapSlope']) expect(effectOf(verdict, k)).toMatchObject({ test: 'slope t', claimed: { kind: 'direction', sign: -1, smallest: 0 }, decides: true, outcome: 'holds' });
    expect(verdict.status).toBe('reproduced');
    // the level posterior sharpens monotonically with d
    const x = verdict.numbers;
    expect(x.levelSdD2).toBeGreaterThan(x.levelSdD8);
    expect(x.levelSdD8).toBeGreaterThan(x.levelSdD32);
    expect(x.levelSdD32).toBeGreaterThan(x.levelSdD128);
  }, 120_000);
});
