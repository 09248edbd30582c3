import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { runClaim } from '../../src/claims/reproduce.js';
import type { BaseParams, Claim, ClaimResult } from '../../src/claims/types.js';

/** Run a claim at CI scale; checks the result shape and that no tensor leaked. */
export async function runAtCiScale<P extends BaseParams>(claim: Claim<P>): Promise<ClaimResult> {
  const before = tf.memory().numTensors;
  const result = await runClaim(claim, claim.scales.ci);
  expect(tf.memory().numTensors).toBe(before);
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.figures.length).toBeGreaterThan(0);
  for (const [k, v] of Object.entries(result.verdict.numbers)) expect(Number.isNaN(v), `verdict number ${k}`).toBe(false);
  return result;
}
