import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a5-forward-gradient.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A5 forward gradients', () => {
  // The rule (three parts: error ratio equivalent to 1 within +-0.2, cosine exponent equivalent to -0.5
  // within +-0.1, local-loss cosine gain >= 0.1) is fixed in the claim module; the harness compares the
  // status and numbers with the committed record.
  it('random-guess forward gradients: unbiased, cosine ~ d^-0.5; local-loss guesses align far better (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['jvpError', true]]);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['dimDecades', true]]);
    expect(verdict.headline).toBe('cosDiff');
    expect(effectOf(verdict, 'errRatio')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: 1, margin: 0.2 }, part: 'unbiased', n });
    expect(effectOf(verdict, 'slope')).toMatchObject({ test: 'TOST equivalence', claimed: { kind: 'equivalence', target: -0.5, margin: 0.1 }, n });
    expect(effectOf(verdict, 'cosDiff')).toMatchObject({ test: 'paired t', claimed: { kind: 'direction', sign: 1, smallest: 0.1 }, n });
    expect(new Set(verdict.effects.map((e) => e.part)).size).toBe(3);
    // measured at ci: all three parts hold
    expect(verdict.effects.map((e) => e.outcome)).toEqual(['holds', 'holds', 'holds']);
    expect(verdict.status).toBe('reproduced');
  }, 600_000);
});
