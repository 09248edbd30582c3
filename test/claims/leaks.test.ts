/** Every registered experiment leaves tf.memory().numTensors as it found it, and runs the same twice. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/registry.js';
import { runClaim } from '../../src/claims/run.js';

const claims = await loadClaims();

describe('experiments at smoke scale, in this process', () => {
  it.each(claims.map((c) => [c.id, c] as const))('%s leaks no tensors and is deterministic', async (_id, claim) => {
    const before = tf.memory().numTensors;
    const a = await runClaim(claim, claim.scales.smoke, { workers: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const b = await runClaim(claim, claim.scales.smoke, { workers: 1 });
    expect(b.rows).toEqual(a.rows);
    expect(b.verdict).toEqual(a.verdict);
  }, 300_000);

  it('gives the same result when seeds run in worker processes', async () => {
    const claim = claims.find((c) => c.id === 'B4')!;
    const here = await runClaim(claim, claim.scales.smoke, { workers: 1 });
    const spread = await runClaim(claim, claim.scales.smoke, { workers: 2 });
    expect(spread.rows).toEqual(here.rows);
    expect(spread.verdict).toEqual(here.verdict);
  }, 300_000);
});
