import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c5-sam-edge.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C5 SAM operates far from home', () => {
  // The rule (every (eta, rho) cell's late-phase lambda_max / lambda*(eta, rho) within 1 +- 0.1; slope of ln lambda_max on ln rho
  // below 0; ln(loss when lambda_max sharpens to the edge / late loss) above ln 1.5; a cell decides only if its runs start outside
  // 1 +- 0.1 x its edge; premises: at least half the cells do, gradient descent's late lambda_max within 10% of 2/eta) is fixed in
  // the claim module; status and numbers are compared with the committed record by the harness. ci is cut to the CI budget
  // (32 images, one eta, two radii, 360 steps, 3 seeds); the verdict of record is the full run.
  it('USAM holds lambda_max at the root of eta (lambda + rho lambda^2) = 2', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['usamMap', true], ['samIsUsam', true], ['edgeEquation', true]]);
    expect(verdict.premise.map((p) => p.key)).toEqual(['cellsMove', 'gdEdge', 'settled']);
    expect(effectOf(verdict, 'gdRatioEta1')).toMatchObject({ claimed: { kind: 'equivalence', target: 1, margin: 0.1 }, n, decides: false });
    expect(verdict.headline).toBe('meanRatio');
    // the rho 0.05 cell's edge (5.28) sits near lambda_max at initialisation: whether it decides depends on the start ratio
    expect(effectOf(verdict, 'ratioEta1Rho1')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 1, margin: 0.1 }, n });
    expect(effectOf(verdict, 'ratioEta1Rho2')).toMatchObject({ test: 'TOST equivalence', n });
    expect(effectOf(verdict, 'rhoSlope')).toMatchObject({ claimed: { kind: 'direction', sign: -1, smallest: 0 }, n, decides: true });
    expect(effectOf(verdict, 'lossLeft')).toMatchObject({ claimed: { kind: 'direction', sign: 1 }, n, decides: true });
    // what ci shows: the rho 0.05 cell starts at ~0.98 x its edge (reported only), the rho 0.2 cell at ~1.37 and falls to its edge
    // (~0.99); the gradient-descent control has not sharpened to 2/eta in 360 steps (~0.79, still rising), so its premise fails and
    // ci is inconclusive by it; the slope on ln rho is near the prediction's (-0.24)
    expect(verdict.numbers.usamMap).toBeLessThan(1e-5);
    expect(effectOf(verdict, 'ratioEta1Rho2')).toMatchObject({ decides: true, outcome: 'holds' });
    expect(effectOf(verdict, 'rhoSlope').outcome).toBe('holds');
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['cellsMove', true], ['gdEdge', false], ['settled', true]]);
    expect(verdict.status).toBe('inconclusive');
  }, 120_000);
});
