import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b11-finite-difference-gr.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('B11 finite-difference gradient regularization', () => {
  // The rule (order equivalent to 1 within +-0.15, floor error below 1e-2, kernel ratio below 0.9) is
  // fixed in the claim module; the status and numbers are compared with the committed record by the harness.
  // ci is cut to the CI budget (256 images in the full batch, 30 Adam steps to the trained point) and still
  // shows the whole claim: a first-order error above the float32 floor, a floor well under 1e-2, about half
  // the kernels; the full scale (64 hidden, 5000 images, 1000 steps, a finer h grid) is the verdict of record.
  it('the finite-difference penalty gradient: order of its error in h, its floor, and its cost in kernels', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['quadraticFd', true], ['quadraticExact', true], ['kernelSpread', true]]);
    expect(verdict.headline).toBe('errorOrder');
    expect(effectOf(verdict, 'errorOrder')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 1, margin: 0.15 }, n });
    expect(effectOf(verdict, 'floorError')).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: -2 }, n });
    const cost = effectOf(verdict, 'kernelRatio');
    expect(cost).toMatchObject({ claimed: { kind: 'direction', sign: -1, reference: 1, smallest: 0.1 }, n });
    expect(cost.estimate).toBe(verdict.numbers.kernelsFd / verdict.numbers.kernelsExact);
    expect(verdict.numbers.fits).toBe(2 * n);
    // measured at ci: the floor lies inside the h grid on every fit, and the FD gradient needs fewer kernels
    expect(verdict.premise.map((q) => [q.key, q.holds])).toEqual([['floorInGrid', true]]);
    expect(verdict.numbers.kernelsFd).toBeLessThan(verdict.numbers.kernelsExact);
    expect(verdict.status).toBe('reproduced');
  }, 120_000);
});
