import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c1-hessian-estimators.js';
import { runAtCiScale } from './claim-harness.js';

describe('C1 Hessian estimators', () => {
  it('power iteration, Lanczos, Hutchinson and SLQ match the exact Hessian of trained MLPs', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    const p = claim.scales.ci;
    expect(n.worstPowerRelErr).toBeLessThan(p.tolPower);
    expect(n.worstLanczosRelErr).toBeLessThan(p.tolLanczos);
    expect(n.worstTraceZ).toBeLessThan(p.tolZ);
    expect(n.worstSlqMoment1Z).toBeLessThan(p.tolZ);
    expect(n.worstSlqMoment2Z).toBeLessThan(p.tolZ);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
