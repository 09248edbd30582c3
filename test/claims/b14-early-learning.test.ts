import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b14-early-learning.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B14 early-learning regularization', () => {
  // The rule (CE's peak above 0.5 and a drop of at least 0.05; ELR above CE at the end by at least 0.05)
  // is fixed in the claim module; the harness compares the status and numbers with the committed record.
  it('CE\'s early learning and memorization of mislabeled examples, and ELR against CE', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['flippedSame', true]]);
    expect(verdict.headline).toBe('elrVsCe');
    expect(effectOf(verdict, 'cePeak')).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: 0.5 }, n });
    expect(effectOf(verdict, 'ceDrop')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n });
    expect(effectOf(verdict, 'elrVsCe')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true });
    expect(verdict.effects.filter((e) => !e.decides).map((e) => e.key)).toEqual(['elrDrop', 'testGain']);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
