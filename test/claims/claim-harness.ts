import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, TestRunner } from 'vitest';
import type { NotebookResult } from '../../src/claims/display.js';
import { canRunNotebooks, notebookPath, runClaimNotebook } from '../../src/claims/notebook-claim.js';
import { runClaim } from '../../src/claims/run.js';
import type { BaseParams, Claim } from '../../src/claims/types.js';
import { initEngine } from '../../src/engine/backend.js';
import { jupyterDataPaths } from '../../src/notebook/kernelspec.js';
import { compareWithRecord, describeDifference, provenance, readRecord, recordPath, ROW_LIMIT, writeRecord } from '../../src/results/records.js';
import { tempDir } from '../helpers.js';
import { nbformatErrors } from '../notebook/fixtures.js';

/** A claim test's vitest timeout: its ci experiment costs at most ~5 CPU s (scripts/ci-cost.ts), so this is ample. */
export const CLAIM_TEST_TIMEOUT_MS = 120_000;

export type CiResult = Pick<NotebookResult, 'verdict' | 'rows' | 'figures'>;

/**
 * A claim at CI scale, computed once: its notebook runs through `noiselab run` with scale=ci (seeds in
 * the kernel: vitest already runs two test files at once, one per core, and a worker process costs ~2 s
 * of CPU to start; test/claims/leaks.test.ts checks that workers give the same result), and the result
 * is read back from the executed notebook, which
 * must have run without errors and shown the verdict and its figures. Without the noiselab kernel (not in
 * CI, where setup registers it) the experiment runs in-process instead. Tensor leaks and in-process
 * determinism are checked by test/claims/leaks.test.ts.
 */
export async function runAtCiScale<P extends BaseParams, S>(claim: Claim<P, S>): Promise<CiResult> {
  let result: CiResult;
  let backend: string;
  const started = performance.now();
  if (canRunNotebooks()) {
    ({ result, backend } = await viaNotebook(claim, (TestRunner.getCurrentTest()?.timeout ?? CLAIM_TEST_TIMEOUT_MS) / 1000 - 30));
  } else {
    expect(process.env.CI, `CI must run the claims through their notebooks: no noiselab kernelspec in ${jupyterDataPaths().map((p) => `${p}/kernels`).join(', ')} (npm run setup)`).toBeFalsy();
    const r = await runClaim(claim, claim.scales.ci, { workers: 1 });
    result = { verdict: r.verdict, rows: r.rows, figures: r.figures.length };
    backend = (await initEngine({ quiet: true })).choice;
  }
  const runtimeSec = (performance.now() - started) / 1000;
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.figures).toBeGreaterThan(0);
  // (through JSON a NaN arrives as null)
  for (const [k, v] of Object.entries(result.verdict.numbers)) expect(typeof v === 'number' && !Number.isNaN(v), `verdict number ${k} = ${v}`).toBe(true);
  expect(result.verdict.effects.length, 'a structured verdict (effects from the verdict kit)').toBeGreaterThan(0);
  await againstRecord(claim, result, backend, runtimeSec);
  return result;
}

/**
 * The committed ci record (data/records/<id>.ci.json) must agree with this run: same status, every
 * effect, premise value and check equal at its printed precision. NOISELAB_RECORD=1 makes the record:
 * written when there is none, refreshed (new provenance and rows) when this run agrees with it, and a
 * failure naming the differences when it does not; NOISELAB_RECORD=replace replaces a record that differs
 * (after a rule or setting changed: say why in the notebook). Commit the record.
 */
async function againstRecord<P extends BaseParams, S>(claim: Claim<P, S>, result: CiResult, backend: string, runtimeSec: number): Promise<void> {
  const params = claim.scales.ci;
  const mode = process.env.NOISELAB_RECORD ?? '';
  const rec = readRecord(claim.id, 'ci');
  const test = `test/claims/${claim.id.toLowerCase()}-${claim.slug}.test.ts`;
  if (mode !== 'replace') {
    if (!rec) expect(mode, `${recordPath(claim.id, 'ci')} is missing: run NOISELAB_RECORD=1 npx vitest run ${test} and commit it`).toBe('1');
    else expect(compareWithRecord(rec, result.verdict).map(describeDifference), `${claim.id}'s ci verdict differs from its committed record (NOISELAB_RECORD=replace ${test} replaces it, if the rule or setting changed on purpose)`).toEqual([]);
  }
  if (mode === '1' || mode === 'replace') {
    writeRecord({
      id: claim.id, scale: 'ci', seeds: params.seeds, params, verdict: result.verdict,
      rows: result.rows.length <= ROW_LIMIT ? result.rows : null,
      provenance: await provenance(claim.id, claim.slug, 'ci', { backend, threads: 1, runtimeSec }),
    }, { force: true });
  }
}

async function viaNotebook<P extends BaseParams, S>(claim: Claim<P, S>, cellTimeoutS: number): Promise<{ result: CiResult; backend: string }> {
  const input = notebookPath(claim);
  const before = readFileSync(input, 'utf8');
  const output = join(tempDir(), 'executed.ipynb');
  // the runner interrupts, then kills, a kernel whose cell overruns, 30 s before vitest would give up on
  // the test (at its own timeout) and leave the kernel running
  const r = await runClaimNotebook(claim, { scale: 'ci', workers: 1, output, timeout: cellTimeoutS });
  expect(r.run.status, `${input}: ${r.run.failedCell?.error}`).toBe('completed');
  expect(readFileSync(input, 'utf8') === before, `${input} changed while its test ran (an editor saved it?): the run used the old cells; run the test again`).toBe(true);
  expect(nbformatErrors([output]), 'the executed notebook is valid nbformat').toBe('');
  const nb = r.notebook;
  expect(nb.metadata.noiselab).toMatchObject({ status: 'completed', parameters: { scale: 'ci' }, kernel: 'noiselab' });
  expect((nb.metadata.noiselab as { backend: string }).backend).toMatch(/^(native|wasm|cpu|tensorflow|webgpu)/);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
  expect(outputs.some((o) => /^(REPRODUCED|PARTLY REPRODUCED|NOT REPRODUCED|INCONCLUSIVE) in/m.test([o.text ?? ''].flat().join(''))), 'the verdict line').toBe(true);
  expect(r.shown).toMatchObject({ id: claim.id, scale: 'ci' });
  expect(r.figures.length).toBe(r.shown!.figures);
  return { result: r.shown!, backend: (nb.metadata.noiselab as { backend: string }).backend };
}
