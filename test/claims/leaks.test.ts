/**
 * Every registered experiment runs at smoke scale (the scale a user tries first) and leaves
 * tf.memory().numTensors as it found it. Run-to-run determinism is checked where it is cheaper: each
 * claim's ci test runs its seeds in the kernel (runClaim checks leaks there too) and must reproduce the
 * committed record to its printed precision; `reproduce --check` is tested in test/determinism.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/registry.js';
import { runClaim } from '../../src/claims/run.js';

const claims = await loadClaims();

describe('experiments at smoke scale, in this process', () => {
  it.each(claims.map((c) => [c.id, c] as const))('%s runs at smoke scale and leaks no tensors', async (_id, claim) => {
    const before = tf.memory().numTensors;
    const a = await runClaim(claim, claim.scales.smoke, { workers: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.verdict.effects.length).toBeGreaterThan(0);
  }, 300_000);

  it('gives the same result when seeds run in worker processes', async () => {
    const claim = claims.find((c) => c.id === 'B4')!;
    const here = await runClaim(claim, claim.scales.smoke, { workers: 1 });
    const spread = await runClaim(claim, claim.scales.smoke, { workers: 2 });
    expect(spread.rows).toEqual(here.rows);
    expect(spread.verdict).toEqual(here.verdict);
  }, 300_000);
});
