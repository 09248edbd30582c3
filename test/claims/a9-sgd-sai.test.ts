import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a9-sgd-sai.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A9 SGD-SaI', () => {
  // The rule (non-inferiority at a 0.02 accuracy margin, premise: interior lr optima) is fixed in the
  // claim module; the status and numbers are compared with the committed record by the harness.
  it('halves the optimizer state exactly; accuracy judged by non-inferiority to AdamW', async () => {
    const { verdict } = await runAtCiScale(claim);
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['stateRatio', true], ['adamwState', true]]);
    expect(verdict.numbers.saiState - verdict.numbers.params).toBe(6); // one scale per parameter tensor
    const gap = effectOf(verdict, 'accuracyGap');
    expect(gap).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', margin: 0.02 }, n: claim.scales.ci.seeds.length });
    expect(verdict.status).toBe(gap.outcome === 'holds' && verdict.premise.every((p) => p.holds) ? 'reproduced' : gap.outcome === 'fails' && verdict.premise.every((p) => p.holds) ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
