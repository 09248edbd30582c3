import { describe, expect, it } from 'vitest';
import { checkpoints, claim } from '../../src/claims/e1-xor-grokking.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('E1 XOR-cluster grokking', () => {
  it('records steps 0, 1, 2 and the last, log-spaced in between', () => {
    const c = checkpoints(1000);
    expect(c.slice(0, 3)).toEqual([0, 1, 2]);
    expect(c.at(-1)).toBe(1000);
    expect(new Set(c).size).toBe(c.length);
    expect(c.length).toBeGreaterThan(30);
  });

  // The rule (early: fit > 0.99 after step 1 and test within +-0.1 of chance; late: test no worse than
  // the Bayes rule by 0.05, flipped labels still fit > 0.9) is fixed in the claim module; status and
  // numbers are compared with the committed record by the harness. ci is cut to the CI budget (d = 1000,
  // |mu| = 8.5, m = 50, 80 steps): the shape is there (near-chance test accuracy after step 1, a large
  // rise afterwards, every flipped label still fit), but with d only 10 n step 1 leaves a few training
  // points unfit (below the 0.99 the rule asks) and test accuracy settles well short of the Bayes rule,
  // so ci reads not reproduced. The verdict of record is the full run (d = 16000, 5000 steps).
  it('step 1 overfits at chance; later generalization against the Bayes rule while still fitting the flips', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    expect(verdict.premise.map((x) => [x.key, x.holds])).toEqual([['bayes', true]]);
    expect(verdict.headline).toBe('finalVsBayes');
    expect(effectOf(verdict, 'fitAfterStep1')).toMatchObject({ test: 'exact binomial', n: n * p.nTrain, claimed: { reference: 0.99 }, decides: true, outcome: 'fails' });
    expect(effectOf(verdict, 'testAfterStep1')).toMatchObject({ test: 'TOST equivalence', n, claimed: { kind: 'equivalence', target: 0.5, margin: 0.1 }, decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'finalVsBayes')).toMatchObject({ test: 'non-inferiority t', n, claimed: { kind: 'non-inferiority', margin: 0.05 }, decides: true, outcome: 'fails' });
    expect(effectOf(verdict, 'flippedFitFinal')).toMatchObject({ test: 'exact binomial', claimed: { reference: 0.9 }, decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'gain')).toMatchObject({ n, decides: false, outcome: 'holds' });
    expect(verdict.status).toBe('not reproduced');
    // per seed: step 1 fits most of the noisy training set, the end fits all of it, and test accuracy rises by more than 0.2 after step 1
    const curve = rows as { seed: number; step: number; trainAccuracy: number; testAccuracy: number }[];
    for (const seed of p.seeds) {
      const at = (step: number) => curve.find((r) => r.seed === seed && r.step === step)!;
      expect(at(1).trainAccuracy).toBeGreaterThan(0.9);
      expect(at(p.steps).trainAccuracy).toBe(1);
      expect(at(p.steps).testAccuracy - at(1).testAccuracy).toBeGreaterThan(0.2);
    }
  }, 120_000);
});
