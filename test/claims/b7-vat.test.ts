import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b7-vat.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B7 virtual adversarial training', () => {
  // The rule (fixed in the claim module before the run): VAT beats the labels alone by >= 0.02 test
  // accuracy on each task. The faithful setting (20k unlabeled images, 10k steps, eps chosen on held-out
  // labels) is the full scale, whose verdict is the one of record; ci (2000 unlabeled, 600 steps, eps
  // fixed at the paper's MNIST value) asserts what ci shows, compared with its committed record.
  it('VAT against the labels alone on two moons (8 labels) and Fashion-MNIST (100 labels), at ci', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.headline).toBe('fmnistGain');
    expect(verdict.effects.map((e) => [e.key, e.part, e.n, e.claimed])).toEqual([
      ['moonsGain', 'two moons, 8 labels', n, { kind: 'direction', sign: 1, smallest: 0.02 }],
      ['fmnistGain', 'Fashion-MNIST, 100 labels', n, { kind: 'direction', sign: 1, smallest: 0.02 }],
    ]);
    // the full scale is the faithful one: eps chosen on held-out labels, not fixed
    expect(claim.scales.full.fmnist).toMatchObject({ unlabeled: 20000, steps: 10000, validation: 1000 });
    expect(claim.scales.full.fmnist!.epsGrid!.length).toBeGreaterThan(1);
    // measured at ci: the moons part holds, the image part does not
    expect(effectOf(verdict, 'moonsGain').outcome).toBe('holds');
    expect(verdict.status).toBe('partly reproduced');
  }, 900_000);
});
