import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a1-gradient-noise.js';
import { runAtCiScale } from './claim-harness.js';

describe('A1 gradient noise', () => {
  it('noise lets the poorly initialised 20-layer MLP train where plain SGD stays stuck (>= 5 paired seeds)', async () => {
    expect(claim.scales.ci.seeds.length).toBeGreaterThanOrEqual(5);
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // catalogue rule: more seeds succeed with noise, and final train loss lower with noise (paired CI)
    expect(n.successNoise).toBeGreaterThan(n.successNone);
    expect(n.lossDiffHi).toBeLessThan(0);
    expect(verdict.status).toBe('reproduced');
    // noiseless SGD sits on the chance plateau ln 10
    for (const r of rows.filter((r) => r.arm === 'none')) expect(Number(r.finalLoss)).toBeGreaterThan(2.2);
  }, 1_500_000);
});
