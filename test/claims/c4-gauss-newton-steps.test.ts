import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c4-gauss-newton-steps.js';
import { runAtCiScale } from './claim-harness.js';

describe('C4 curvature-aware steps', () => {
  it('reach the loss target in fewer iterations than gradient descent at its best learning rate', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    const p = claim.scales.ci;
    expect(rows).toHaveLength(2 * p.seeds.length);
    // the convex problem has one minimum: every seed's curvature run ends at the same f*
    const fStars = rows.filter((r) => r.problem === 'logistic').map((r) => Number(r.fStar));
    expect(Math.max(...fStars) - Math.min(...fStars)).toBeLessThan(1e-3);
    // the verdict is the rule applied to the measured intervals
    const rule = n.logisticRatioLo > p.minRatio && n.mlpRatioLo > p.minRatio;
    expect(verdict.status).toBe(rule ? 'reproduced' : 'not reproduced');
    expect(verdict.status).toBe('reproduced');
  }, 1_200_000);
});
