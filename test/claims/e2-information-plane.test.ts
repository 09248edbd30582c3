import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/e2-information-plane.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E2 information plane', () => {
  // The rule (tanh: I(X;T) of the last hidden layer falls from its peak by a t interval above 0 and not
  // wholly short of 1 bit, and falls over the second half; ReLU reported) is fixed in the claim module;
  // status and numbers are compared with the committed record by the harness.
  it('compression with tanh judged against 1 bit; ReLU reported', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['ixtDistinct', true], ['ixtSingle', true]]);
    expect(verdict.premise.map((x) => x.key)).toEqual(['tanhTestAccuracy']);
    expect(verdict.headline).toBe('tanhFall');
    const fall = effectOf(verdict, 'tanhFall');
    const slope = effectOf(verdict, 'tanhSlope');
    expect(fall).toMatchObject({ claimed: { kind: 'direction', sign: 1, smallest: 1 }, n, decides: true });
    expect(slope).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: 0 }, n, decides: true });
    for (const k of ['reluFall', 'reluSlope']) expect(effectOf(verdict, k)).toMatchObject({ n, decides: false });
    const outcomes = [fall.outcome, slope.outcome];
    const premiseOk = verdict.premise.every((x) => x.holds);
    expect(verdict.status).toBe(!premiseOk ? 'inconclusive' : outcomes.every((o) => o === 'holds') ? 'reproduced' : outcomes.some((o) => o === 'fails') ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
