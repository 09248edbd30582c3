import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c4-gauss-newton-steps.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C4 curvature-aware steps', () => {
  // The rule (geometric-mean iteration ratio GD / curvature above 2x on each problem; premise: GD's best
  // lr inside its grid) is fixed in the claim module; status and numbers are compared with the record.
  it('iterations to the loss target: curvature steps vs gradient descent at its best learning rate', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    expect(rows).toHaveLength(2 * n);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['logisticFStarSpread', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['logisticGdLrInterior', 'mlpGdLrInterior']);
    expect(verdict.headline).toBe('mlpLogRatio');
    const parts = ['logistic', 'mlp'].map((problem) => {
      const e = effectOf(verdict, `${problem}LogRatio`);
      expect(e).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: Math.log(p.minRatio), smallest: 0 }, n, decides: true });
      expect(effectOf(verdict, `${problem}LogWorkRatio`)).toMatchObject({ n, decides: false });
      return e.outcome;
    });
    const premiseOk = verdict.premise.every((x) => x.holds);
    expect(verdict.status).toBe(!premiseOk ? 'inconclusive' : parts.every((o) => o === 'holds') ? 'reproduced' : parts.some((o) => o === 'holds') ? 'partly reproduced' : parts.some((o) => o === 'fails') ? 'not reproduced' : 'inconclusive');
  }, 1_200_000);
});
