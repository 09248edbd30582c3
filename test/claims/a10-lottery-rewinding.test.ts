import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a10-lottery-rewinding.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A10 lottery tickets with rewinding', () => {
  // The rule (rewind-k above rewind-0 by >= 0.01, non-inferior to dense at 0.01; premise: rewinding
  // to 0 fails in the setting) is fixed in the claim module. ci is cut to the CI budget: a narrowed
  // LeNet (784-40-20-10) trained by Adam for 20 steps per run, 2 IMP rounds to ~75% sparsity. It shows
  // the procedure (both lineages on one schedule, masks that hold, sparse nets that train) but not the
  // paper's regime: rewinding to 0 does not fall below dense here, so the premise fails and ci is
  // inconclusive. The verdict of record (a conv net, SGD at lr 0.1 without warm-up, 8 rounds) is the full one.
  it('rewinding to k against rewinding to 0 and dense, judged by the fixed rule (measured at ci)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['sameSparsity', true], ['masksHold', true]]);
    expect(verdict.headline).toBe('kMinus0');
    expect(effectOf(verdict, 'kMinus0')).toMatchObject({ test: 'paired t', n, claimed: { kind: 'direction', sign: 1, smallest: p.margin } });
    expect(effectOf(verdict, 'kMinusDense')).toMatchObject({ test: 'non-inferiority t', n, claimed: { kind: 'non-inferiority', sign: 1, margin: p.margin } });
    expect(effectOf(verdict, 'zeroMinusDense')).toMatchObject({ n, decides: false });
    // the premise is not reached at ci: rewinding to 0 is not shown to fall below dense
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['zeroFails', false]]);
    expect(verdict.status).toBe('inconclusive');
    // the pruning schedule reached: 1 - 0.5^2 of the hidden kernels, 1 - 0.75^2 of the output kernel
    const [d0, d1, d2] = [784, ...p.hidden];
    const hidden = d0 * d1 + d1 * d2;
    const out = d2 * 10;
    const rounds = p.rounds;
    expect(verdict.numbers.sparsity).toBeCloseTo((hidden * (1 - (1 - p.rate) ** rounds) + out * (1 - (1 - p.rate / 2) ** rounds)) / (hidden + out), 3);
    // the dense and the pruned networks train well above chance (0.1) even at 20 steps
    expect(verdict.numbers.dense).toBeGreaterThan(0.35);
    expect(verdict.numbers.rewindK).toBeGreaterThan(0.35);
  }, 120_000);
});
