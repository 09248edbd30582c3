import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/g2-elle-overfitting.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('G2 ELLE against catastrophic overfitting', () => {
  // The rule (catastrophic overfitting in FGSM-AT but not ELLE more often than the reverse, exact sign test over
  // (seed, eps), with ELLE's final clean accuracy no worse than FGSM-AT's by 0.10; final PGD accuracy at the
  // largest eps, ELLE - FGSM-AT, above 0 by >= 0.05; ELLE's matrix-product FLOPs per step below GradAlign's; premises: FGSM-AT
  // overfits at the largest eps and is robust at the smallest; ELLE exact on affine and quadratic losses) is fixed
  // in the claim module; status and numbers are compared with the committed record by the harness. ci is cut to
  // the CI budget (3 epochs on 256 images, no GradAlign arm); the verdict of record is the full run.
  it('FGSM-AT overfits at large eps and ELLE prevents it', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['elleAffine', true], ['elleQuadratic', true]]);
    expect(verdict.numbers.elleAffine).toBe(0);
    expect(verdict.premise.map((p) => p.key)).toEqual(['fgsmCoShareLargest', 'fgsmPgdSmallest']);
    expect(verdict.headline).toBe('pgdElleMinusFgsm');
    expect(effectOf(verdict, 'pgdElleMinusFgsm')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.05 }, n, decides: true });
    expect(effectOf(verdict, 'coFgsmOverElle')).toMatchObject({ test: 'exact sign', decides: true });
    expect(effectOf(verdict, 'cleanElleMinusFgsm')).toMatchObject({ test: 'non-inferiority t', claimed: { kind: 'non-inferiority', sign: 1, margin: 0.1 }, n: n * claim.scales.ci.eps.length, decides: true });
    expect(effectOf(verdict, 'flopsElleOverGradAlign')).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: 0 }, n, decides: true });
    // the cost depends on shapes only: FGSM-AT < ELLE < GradAlign, the same on every seed
    expect(verdict.numbers.fgsmStepFlops).toBeLessThan(verdict.numbers.elleStepFlops);
    expect(verdict.numbers.elleStepFlops).toBeLessThan(verdict.numbers.gradAlignStepFlops);
    expect(verdict.numbers.fgsmCoRuns).toBeLessThanOrEqual(verdict.numbers.fgsmCoByDrop + verdict.numbers.fgsmCoByGap);
  }, 120_000);
});
