import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b13-random-labels.js';
import { runAtCiScale } from './claim-harness.js';

describe('B13 random labels', () => {
  it('the MLP fits every corruption level perfectly, later the more labels are random, and tests at chance on random labels', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.fitted).toBe(n.runs);
    expect(rows.every((r) => r.finalTrainAccuracy === 1)).toBe(true);
    expect(n.slopeLo).toBeGreaterThan(0);
    expect(n.epochsRandom).toBeGreaterThan(n.epochsClean);
    expect(n.testClean).toBeGreaterThan(0.7);
    expect(n.testRandomLo).toBeLessThanOrEqual(0.1);
    expect(n.testRandomHi).toBeGreaterThanOrEqual(0.1);
    expect(verdict.status).toBe('reproduced');
  }, 900_000);
});
