import { describe, expect, it } from 'vitest';
import { claim, outlierCount } from '../../src/claims/c2-hessian-outliers.js';
import { runAtCiScale } from './claim-harness.js';

describe('C2 Hessian outliers', () => {
  it('the largest eigen-gap after the first marks the outliers', () => {
    expect(outlierCount([10, 5, 4.8, 1, 0.9, 0.8], 3)).toBe(3);
    // the gap after lambda_1 does not count
    expect(outlierCount([100, 5, 4.8, 1, 0.9, 0.8], 3)).toBe(3);
  });

  it('count the classes, and stay put when the width changes', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    const p = claim.scales.ci;
    expect(rows.filter((r) => r.part === 'classes')).toHaveLength(p.ks.length * p.seeds.length);
    const rule = n.worstAgreement >= p.minAgreement && n.worstOutlierShift <= p.maxOutlierShift;
    expect(verdict.status).toBe(rule ? 'reproduced' : 'not reproduced');
    expect(verdict.status).toBe('reproduced');
  }, 1_200_000);
});
