import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { NotebookResult } from '../../src/claims/display.js';
import { canRunNotebooks, notebookPath, runClaimNotebook } from '../../src/claims/notebook-claim.js';
import { runClaim } from '../../src/claims/run.js';
import type { BaseParams, Claim } from '../../src/claims/types.js';
import { tempDir } from '../helpers.js';
import { nbformatErrors } from '../notebook/fixtures.js';

export type CiResult = Pick<NotebookResult, 'verdict' | 'rows' | 'figures'>;

/**
 * A claim at CI scale, computed once: its notebook runs through `noiselab run` with scale=ci (seeds on
 * two worker processes, one per core), and the result is read back from the executed notebook, which
 * must have run without errors and shown the verdict and its figures. Without the tslab kernel (not in
 * CI, where setup registers it) the experiment runs in-process instead. Tensor leaks and in-process
 * determinism are checked by test/claims/leaks.test.ts.
 */
export async function runAtCiScale<P extends BaseParams, S>(claim: Claim<P, S>): Promise<CiResult> {
  let result: CiResult;
  if (canRunNotebooks()) {
    result = await viaNotebook(claim);
  } else {
    expect(process.env.CI, 'CI must run the claims through their notebooks: the tslab kernel is missing (npm run setup)').toBeFalsy();
    const r = await runClaim(claim, claim.scales.ci, { workers: 2 });
    result = { verdict: r.verdict, rows: r.rows, figures: r.figures.length };
  }
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.figures).toBeGreaterThan(0);
  // (through JSON a NaN arrives as null)
  for (const [k, v] of Object.entries(result.verdict.numbers)) expect(typeof v === 'number' && !Number.isNaN(v), `verdict number ${k} = ${v}`).toBe(true);
  return result;
}

async function viaNotebook<P extends BaseParams, S>(claim: Claim<P, S>): Promise<CiResult> {
  const input = notebookPath(claim);
  const before = readFileSync(input, 'utf8');
  const output = join(tempDir(), 'executed.ipynb');
  const r = await runClaimNotebook(claim, { scale: 'ci', workers: 2, output, timeout: 1800 });
  expect(r.run.status, `${input}: ${r.run.failedCell?.error}`).toBe('completed');
  expect(readFileSync(input, 'utf8')).toBe(before);
  expect(nbformatErrors([output]), 'the executed notebook is valid nbformat').toBe('');
  const nb = r.notebook;
  expect(nb.metadata.noiselab).toMatchObject({ status: 'completed', parameters: { scale: 'ci' }, kernel: 'tslab' });
  expect((nb.metadata.noiselab as { backend: string }).backend).toMatch(/^(native|wasm|cpu|tensorflow)/);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
  expect(outputs.some((o) => /^(REPRODUCED|NOT REPRODUCED) in/m.test([o.text ?? ''].flat().join(''))), 'the verdict line').toBe(true);
  expect(r.shown).toMatchObject({ id: claim.id, scale: 'ci' });
  expect(r.figures.length).toBe(r.shown!.figures);
  return r.shown!;
}
