import { describe, expect, it } from 'vitest';
import { checkpoints, claim } from '../../src/claims/e1-xor-grokking.js';
import { runAtCiScale } from './claim-harness.js';

describe('E1 XOR-cluster grokking', () => {
  it('records steps 0, 1, 2 and the last, log-spaced in between', () => {
    const c = checkpoints(1000);
    expect(c.slice(0, 3)).toEqual([0, 1, 2]);
    expect(c.at(-1)).toBe(1000);
    expect(new Set(c).size).toBe(c.length);
    expect(c.length).toBeGreaterThan(30);
  });

  // Not reproduced at this scale, by its second half: every seed fits the noisy labels after one step
  // at chance test accuracy and keeps fitting the flipped ones, and test accuracy rises a lot, but it
  // settles about 0.13 below the Bayes rule. The test asserts what was measured and that the verdict
  // follows the rule.
  it('fits the noisy labels at step 1 with chance test accuracy, then generalizes while still fitting the flips (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.seeds).toBeGreaterThanOrEqual(5);
    expect(n.fitAtStep1).toBe(n.seeds);
    expect(n.testStep1Hi).toBeLessThan(0.6);
    expect(n.flippedStillFit).toBe(n.seeds);
    expect(n.gainLo).toBeGreaterThan(0.2);
    const rule = n.fitAtStep1 === n.seeds && n.testStep1Hi < 0.6 && n.nearOptimal === n.seeds && n.flippedStillFit === n.seeds;
    expect(verdict.status).toBe(rule ? 'reproduced' : 'not reproduced');
  }, 600_000);
});
