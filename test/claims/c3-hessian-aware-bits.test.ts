import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/c3-hessian-aware-bits.js';
import { runAtCiScale } from './claim-harness.js';

describe('C3 Hessian-aware bit allocation (HAWQ-V2)', () => {
  it('measures layer traces exactly and by Hutchinson, and compares HAWQ order with the reverse at equal size', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    const p = claim.scales.ci;
    expect(rows.filter((r) => r.kind === 'trace')).toHaveLength(3 * p.seeds.length);
    // Hutchinson is unbiased: its error is a few of its own standard errors, whatever the 5% rule says
    expect(n.worstTraceZ).toBeLessThan(4);
    // the trained float models work; quantization costs accuracy
    expect(n.accFloat).toBeGreaterThan(0.7);
    expect(n.accHawq).toBeLessThan(n.accFloat);
    // the verdict is the rule applied to the measurements
    const rule = n.accDiffLo > 0 && n.worstTraceRelErr < p.tolTrace;
    expect(verdict.status).toBe(rule ? 'reproduced' : 'not reproduced');
    // as measured (see the notebook): not reproduced at this scale; equal-size hidden layers have
    // average traces within ~1.2x of each other, so the ranking carries little signal
    expect(verdict.status).toBe('not reproduced');
  }, 1_200_000);
});
