import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a13-gumbel-softmax.js';
import { effectOf } from '../../src/claims/kit/verdict.js';
import { runAtCiScale } from './claim-harness.js';

describe('A13 Gumbel-softmax', () => {
  // The rule (variance at least halved against REINFORCE; squared bias at the smallest tau below 0.01
  // |grad|^2 and below the largest tau's; premise: the bias instrument reads the unbiased score
  // function near 0) is fixed in the claim module; the status and numbers are compared with the
  // committed record by the harness. ci is cut to the CI budget (6000 samples per estimator instead of
  // 20000): the variance half still shows plainly (Gumbel-softmax far below REINFORCE) and the bias still
  // grows with tau, but the bias instrument is too noisy there: the unbiased score function's squared
  // bias does not read near 0, so the premise fails and ci is inconclusive. The verdict of record is the
  // full run (200000 samples, 20 seeds).
  it('variance against REINFORCE at tau 0.5 and bias as tau -> 0, judged by the fixed rule', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = claim.scales.ci.seeds.length;
    expect(verdict.checks.map((c) => [c.key, c.holds])).toEqual([['exactGradient', true], ['exactSum', true], ['sampleSums', true]]);
    expect(verdict.headline).toBe('logVarianceRatio');
    expect(effectOf(verdict, 'logVarianceRatio')).toMatchObject({ test: 't', n, decides: true, claimed: { kind: 'direction', sign: -1 } });
    expect(effectOf(verdict, 'logVarianceRatio').claimed).toMatchObject({ smallest: Math.log(2) });
    expect(effectOf(verdict, 'logVarianceRatioLoo')).toMatchObject({ n, decides: false });
    expect(effectOf(verdict, 'biasCold')).toMatchObject({ test: 'non-inferiority t', n, claimed: { kind: 'non-inferiority', sign: -1, margin: 0.01 } });
    expect(effectOf(verdict, 'biasDrop')).toMatchObject({ test: 'paired t', n, claimed: { kind: 'direction', sign: 1, smallest: 0 } });
    expect(verdict.premise.map((p) => p.key)).toEqual(['sfBias']);
    expect(verdict.premise.map((p) => [p.key, p.holds])).toEqual([['sfBias', false]]);
    expect(verdict.effects.filter((e) => e.decides).map((e) => [e.key, e.outcome])).toEqual([['logVarianceRatio', 'holds'], ['biasCold', 'inconclusive'], ['biasDrop', 'holds']]);
    expect(verdict.status).toBe('inconclusive'); // measured at ci (data/records/A13.ci.json)
    // Gumbel-softmax's variance at tau 0.5 is a small fraction of REINFORCE's; its bias at tau 2 is large
    expect(verdict.numbers.ratio).toBeLessThan(0.2);
    expect(verdict.numbers.biasHot).toBeGreaterThan(0.1);
  }, 120_000);
});
