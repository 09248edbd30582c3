import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b14-early-learning.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B14 early-learning regularization', () => {
  // The rule (CE's peak above 0.5 and a drop of at least 0.05; ELR above CE at the end by at least 0.05)
  // is fixed in the claim module; the harness compares the status and numbers with the committed record.
  // ci is cut to the CI budget (a 64-unit MLP, 128 images, 25 epochs of two steps): too short for CE to
  // memorize the wrong labels, so there is no drop for ELR to prevent, and ELR (lambda 3) ends behind CE;
  // ci reads "not reproduced". The verdict of record is the full scale's (10000 images, 100 epochs).
  it('CE\'s early learning and memorization of mislabeled examples, and ELR against CE', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['flippedSame', true]]);
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['flippedShare', true]]);
    expect(verdict.headline).toBe('elrVsCe');
    expect(effectOf(verdict, 'cePeak')).toMatchObject({ claimed: { kind: 'direction', sign: 1, reference: 0.5 }, n });
    expect(effectOf(verdict, 'ceDrop')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, outcome: 'fails' });
    expect(effectOf(verdict, 'elrVsCe')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true, outcome: 'fails' });
    expect(verdict.effects.filter((e) => !e.decides).map((e) => e.key)).toEqual(['elrDrop', 'testGain']);
    // measured at this scale: CE has not memorized (its drop's interval stays under the 0.05 that counts),
    // and ELR ends below CE on the mislabeled examples
    expect(effectOf(verdict, 'ceDrop').hi).toBeLessThan(0.05);
    expect(verdict.numbers.elrFinal).toBeLessThan(verdict.numbers.ceFinal);
    expect(verdict.status).toBe('not reproduced');
  }, 120_000);
});
