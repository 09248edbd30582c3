import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c1-hessian-estimators.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C1 Hessian estimators', () => {
  // The rule (four parts: Lanczos and power iteration by non-inferiority of their eigenvalue error,
  // Hutchinson and SLQ by equivalence of their signed relative error to 0) is fixed in the claim
  // module; the status and numbers are compared with the committed record by the harness.
  it('power iteration, Lanczos, Hutchinson and SLQ against the exact Hessian of trained MLPs, judged by the fixed rule', async () => {
    const { verdict } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    const n = p.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['eigenSum', true], ['eigenSquares', true], ['slqWeights', true]]);
    expect(verdict.headline).toBe('lanczosErr');
    expect(effectOf(verdict, 'lanczosErr')).toMatchObject({ test: 'non-inferiority t', n, part: 'Lanczos', claimed: { kind: 'non-inferiority', sign: -1, margin: p.tolLanczos } });
    expect(effectOf(verdict, 'powerErr')).toMatchObject({ test: 'non-inferiority t', n, part: 'power iteration', claimed: { kind: 'non-inferiority', sign: -1, margin: p.tolPower } });
    expect(effectOf(verdict, 'traceErr')).toMatchObject({ test: 'TOST equivalence', n, part: 'Hutchinson', claimed: { kind: 'equivalence', margin: p.tolTrace } });
    for (const k of ['moment1Err', 'moment2Err']) expect(effectOf(verdict, k)).toMatchObject({ test: 'TOST equivalence', n, part: 'SLQ', claimed: { kind: 'equivalence', margin: p.tolMoments } });
    // Lanczos with full reorthogonalisation recovers the top eigenvalues to float precision
    expect(effectOf(verdict, 'lanczosErr').hi).toBeLessThan(1e-5);
    const parts = new Map<string, string[]>();
    for (const e of verdict.effects) parts.set(e.part, [...(parts.get(e.part) ?? []), e.outcome]);
    const po = [...parts.values()].map((o) => (o.includes('fails') ? 'fails' : o.every((x) => x === 'holds') ? 'holds' : 'inconclusive'));
    expect(verdict.status).toBe(po.every((o) => o === 'holds') ? 'reproduced' : po.includes('holds') ? 'partly reproduced' : po.includes('fails') ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
