import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a8-gradient-clipping.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A8 gradient clipping', () => {
  // The rule (exact McNemar sign test on blow-ups over (seed, lr) pairs; gradient spikes above 10x the
  // run's median without clipping; premise: plain SGD blows up at these rates) is fixed in the claim
  // module; the status and numbers are compared with the committed record by the harness.
  it('blow-ups with and without clipping, and spikes without it, judged by the fixed rule', async () => {
    const { verdict } = await runAtCiScale(claim);
    const p = claim.scales.ci;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['clippedNorm', true], ['sameStart', true]]);
    expect(verdict.headline).toBe('blowUps');
    const blow = effectOf(verdict, 'blowUps');
    expect(blow).toMatchObject({ test: 'exact sign', n: verdict.numbers.discordant, claimed: { kind: 'direction', sign: 1, reference: 0.5, smallest: 0.25 } });
    expect(verdict.numbers.runs).toBe(p.seeds.length * p.lrs.length);
    expect(verdict.numbers.discordant).toBeGreaterThanOrEqual(Math.abs(verdict.numbers.plainBlownUp - verdict.numbers.clippedBlownUp));
    expect(effectOf(verdict, 'spike')).toMatchObject({ test: 't', n: p.seeds.length, claimed: { kind: 'direction', sign: 1, reference: Math.log(10) } });
    expect(effectOf(verdict, 'accuracy')).toMatchObject({ n: p.seeds.length, decides: false });
    const parts = [blow.outcome, effectOf(verdict, 'spike').outcome];
    expect(verdict.status).toBe(!verdict.premise.every((q) => q.holds) ? 'inconclusive'
      : parts.every((o) => o === 'holds') ? 'reproduced' : parts.includes('holds') ? 'partly reproduced' : parts.includes('fails') ? 'not reproduced' : 'inconclusive');
  }, 600_000);
});
