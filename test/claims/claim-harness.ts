import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RESULT_MIME, type NotebookResult } from '../../src/claims/display.js';
import { runClaim } from '../../src/claims/run.js';
import type { BaseParams, Claim } from '../../src/claims/types.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { runNotebook } from '../../src/notebook/run.js';
import { projectRoot } from '../../src/util/paths.js';
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
  if (listKernelSpecs().has('tslab')) {
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
  const input = join(projectRoot(), 'notebooks', `${claim.id.toLowerCase()}-${claim.slug}.ipynb`);
  const before = readFileSync(input, 'utf8');
  const output = join(tempDir(), 'executed.ipynb');
  const run = await runNotebook(input, output, { parameters: { scale: 'ci' }, timeout: 1800, env: { NOISELAB_WORKERS: '2' } });
  expect(run.status, `${input}: ${run.failedCell?.error}`).toBe('completed');
  expect(readFileSync(input, 'utf8')).toBe(before);
  expect(nbformatErrors([output]), 'the executed notebook is valid nbformat').toBe('');
  const nb: Notebook = JSON.parse(readFileSync(output, 'utf8'));
  expect(nb.metadata.noiselab).toMatchObject({ status: 'completed', parameters: { scale: 'ci' }, kernel: 'tslab' });
  expect((nb.metadata.noiselab as { backend: string }).backend).toMatch(/^(native|wasm|cpu|tensorflow)/);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
  expect(outputs.some((o) => /^(REPRODUCED|NOT REPRODUCED) in/m.test([o.text ?? ''].flat().join(''))), 'the verdict line').toBe(true);
  const figures = outputs.filter((o) => o.data?.['application/vnd.plotly.v1+json']).length;
  const shown = outputs.map((o) => o.data?.[RESULT_MIME]).filter(Boolean) as NotebookResult[];
  expect(shown, 'the notebook shows its result once').toHaveLength(1);
  expect(shown[0]).toMatchObject({ id: claim.id, scale: 'ci' });
  expect(figures).toBe(shown[0].figures);
  return shown[0];
}
