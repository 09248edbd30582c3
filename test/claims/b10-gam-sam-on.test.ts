import { describe, expect, it } from 'vitest';
import { claim } from '../../src/claims/b10-gam-sam-on.js';
import { runAtCiScale } from './claim-harness.js';

describe('B10 GAM and SAM-ON', () => {
  // Measured at ci (20 epochs, 5 seeds): SAM-ON's gain over SGD is clear, GAM's is as large as SAM's
  // but its interval reaches 0 (lower bound -0.0002), so the rule (both above 0) does not hold. The
  // status is therefore asserted as the rule's outcome on the numbers, not pinned, and what was
  // measured is asserted with tolerances: a 30-epoch run put GAM's interval above 0.
  it('SAM-ON keeps SAM\'s gain while perturbing under 1% of the parameters; GAM\'s gain is positive, its interval at 0 (measured)', async () => {
    const { verdict } = await runAtCiScale(claim);
    const n = verdict.numbers;
    expect(n.normShare).toBeLessThan(0.01);
    expect(n.samGainLo).toBeGreaterThan(0);
    expect(n.samOnGainLo).toBeGreaterThan(0);
    expect(n.samOnGain).toBeGreaterThan(0.5 * n.samGain);
    expect(n.gamGain).toBeGreaterThan(0.5 * n.samGain);
    expect(n.gamGainLo).toBeGreaterThan(-0.03);
    // every variant ends flatter than SGD
    expect(n.samOnLogSharpHi).toBeLessThan(0);
    expect(n.gamLogSharpHi).toBeLessThan(0);
    expect(verdict.status).toBe(n.samOnGainLo > 0 && n.gamGainLo > 0 ? 'reproduced' : 'not reproduced');
  }, 900_000);
});
