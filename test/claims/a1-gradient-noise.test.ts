import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/a1-gradient-noise.js';
import { runAtCiScale } from './claim-harness.js';

describe('A1 gradient noise', () => {
  it('noise lets the poorly initialised 20-layer MLP leave the plateau where plain SGD stays stuck (>= 5 paired seeds)', async () => {
    expect(claim.scales.ci.seeds.length).toBeGreaterThanOrEqual(5);
    const { verdict, rows } = await runAtCiScale(claim);
    const n = verdict.numbers;
    // measured and stable: noiseless SGD never leaves the chance plateau ln 10 ...
    expect(n.escapedNone).toBe(0);
    for (const r of rows.filter((r) => r.arm === 'none')) expect(Number(r.finalLoss)).toBeGreaterThan(2.2);
    // ... and with noise (almost) every seed does
    expect(n.escapedNoise).toBeGreaterThanOrEqual(4);
    // the catalogue's rule (more successes and a lower final loss, paired CI) decides the verdict;
    // plain SGD at lr 0.1 can diverge after leaving the plateau, which counts against noise
    const rule = n.successNoise > n.successNone && n.lossDiffHi < 0;
    expect(verdict.status).toBe(rule ? 'reproduced' : 'not reproduced');
  }, 1_500_000);
});
