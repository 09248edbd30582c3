import { describe, expect, it } from 'vitest';
import { claim, nullAgreement, outlierCount } from '../../src/claims/c2-hessian-outliers.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('C2 Hessian outliers', () => {
  it('the largest eigen-gap after the first marks the outliers', () => {
    expect(outlierCount([10, 5, 4.8, 1, 0.9, 0.8], 3)).toBe(3);
    // the gap after lambda_1 does not count
    expect(outlierCount([100, 5, 4.8, 1, 0.9, 0.8], 3)).toBe(3);
  });

  it('the no-structure null: the count is uniform over its 2k positions 2..2k+1', () => {
    // k = 2: positions 2..5, only 2 agrees (k - 1 = 1 is not a position); k = 5: positions 2..11, 4 and 5 agree
    expect(nullAgreement(2)).toBe(1 / 4);
    expect(nullAgreement(5)).toBe(2 / 10);
  });

  // The rule (exact binomial on the cells whose count is k or k-1 against the no-structure null; the
  // outliers equivalent across widths within +-ln 1.25; the bulk edge rising with the parameter count;
  // premise: the random-label null does not find the classes) is fixed in the claim module; the status
  // and numbers are compared with the committed record by the harness.
  it('count the classes, and only the bulk moves with the width (judged by the fixed rule)', async () => {
    const { verdict, rows } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    expect(rows.filter((r) => r.part === 'classes')).toHaveLength(p.ks.length * p.seeds.length);
    expect(rows.filter((r) => r.part === 'random labels')).toHaveLength(p.seeds.length);
    expect(verdict.headline).toBe('countAgreement');
    expect(effectOf(verdict, 'countAgreement')).toMatchObject({ test: 'exact binomial', n: p.ks.length * p.seeds.length, claimed: { kind: 'direction', sign: 1, smallest: 0.5 } });
    expect(effectOf(verdict, 'countAgreement').claimed).toMatchObject({ reference: verdict.numbers.nullShare });
    expect(effectOf(verdict, 'outlierMove')).toMatchObject({ test: 'TOST equivalence', n: p.seeds.length, claimed: { kind: 'equivalence', margin: Math.log(1.25) } });
    expect(effectOf(verdict, 'bulkSlope')).toMatchObject({ test: 'slope t', n: p.seeds.length * p.widths.length });
    expect(verdict.premise.map((q) => q.key)).toEqual(['nullAgreement']);
    const parts = new Map<string, string[]>();
    for (const e of verdict.effects) parts.set(e.part, [...(parts.get(e.part) ?? []), e.outcome]);
    const po = [...parts.values()].map((o) => (o.includes('fails') ? 'fails' : o.every((x) => x === 'holds') ? 'holds' : 'inconclusive'));
    expect(verdict.status).toBe(!verdict.premise.every((q) => q.holds) ? 'inconclusive'
      : po.every((o) => o === 'holds') ? 'reproduced' : po.includes('holds') ? 'partly reproduced' : po.includes('fails') ? 'not reproduced' : 'inconclusive');
  }, 1_200_000);
});
