import { expect } from 'vitest';
import { runClaim } from '../../src/claims/run.js';
import type { BaseParams, Claim, ClaimResult } from '../../src/claims/types.js';

/**
 * Run a claim at CI scale, its seeds spread over two worker processes (one per core), and check the
 * result's shape. Tensor leaks are checked in-process by test/claims/leaks.test.ts.
 */
export async function runAtCiScale<P extends BaseParams, S>(claim: Claim<P, S>): Promise<ClaimResult> {
  const result = await runClaim(claim, claim.scales.ci, { workers: 2 });
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.figures.length).toBeGreaterThan(0);
  for (const [k, v] of Object.entries(result.verdict.numbers)) expect(Number.isNaN(v), `verdict number ${k}`).toBe(false);
  return result;
}
