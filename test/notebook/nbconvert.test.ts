/**
 * Cross-check with Debian's Jupyter: the same notebook executed by `jupyter nbconvert --execute` and by
 * `noiselab run` gives the same text outputs, and noiselab's output notebooks pass nbformat's validator.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { runNotebook } from '../../src/notebook/run.js';
import { tempDir } from '../helpers.js';
import { projectRoot } from '../../src/util/paths.js';
import { nbformatErrors, notebookJson, PY, writeNotebookFixture } from './fixtures.js';

const jupyter = spawnSync(PY, ['-c', 'import nbconvert, nbformat'], { encoding: 'utf8' }).status === 0;

/** Per code cell: stdout, stderr and text/plain of displays and results, concatenated. */
function textOutputs(nb: Notebook): string[] {
  return nb.cells.filter((c) => c.cell_type === 'code' && !c.metadata.tags?.includes('injected-parameters')).map((c) =>
    (c.outputs ?? []).map((o) => (o.output_type === 'stream' ? `${o.name}:${[o.text].flat().join('')}` : `${o.output_type}:${String(o.data?.['text/plain'] ?? '')}|${Object.keys(o.data ?? {}).sort()}`)).join('\n'));
}

const CELLS = [
  { source: 'let seed: number = 1;', tags: ['parameters'] },
  'import { Rng } from "noiselab";\nconst rng = new Rng(seed);\nconsole.log(Array.from({ length: 4 }, () => rng.normal().toFixed(6)).join(" "));',
  'console.error("to stderr");\nconsole.log("line 1");\nconsole.log("line 2");',
  'import { displayBundle } from "noiselab";\ndisplayBundle({ "text/html": "<i>html</i>", "text/plain": "html" });\ndisplayBundle({ "text/plain": "plain" });',
  'const xs = [1, 2, 3].map((x) => x * seed);\nxs',
];

describe.runIf(jupyter || process.env.CI)('noiselab run beside jupyter nbconvert', () => {
  it('gives the same text outputs as nbconvert --execute, and valid nbformat 4.5', async () => {
    // inside the checkout (git-ignored), since both runners start the kernel in the notebook's folder and
    // the kernel must find this checkout's noiselab
    const dir = mkdtempSync(join(projectRoot(), '.vitest-tmp-'));
    try {
      const input = join(dir, 'cross.ipynb');
      writeFileSync(input, JSON.stringify(notebookJson(CELLS)));
      const ours = join(dir, 'ours.ipynb');
      const result = await runNotebook(input, ours, { timeout: 120 });
      expect(result.status, result.failedCell?.error).toBe('completed');
      execFileSync(PY, ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', input, '--output-dir', dir, '--output', 'theirs.ipynb',
        '--ExecutePreprocessor.timeout=120'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const theirs: Notebook = JSON.parse(readFileSync(join(dir, 'theirs.ipynb'), 'utf8'));
      const mine: Notebook = JSON.parse(readFileSync(ours, 'utf8'));
      const [a, b] = [textOutputs(mine), textOutputs(theirs)];
      expect(a).toEqual(b);
      expect(a[1]).toMatch(/^stdout:(-?\d\.\d{6} ){3}-?\d\.\d{6}\n$/);
      expect(a[3]).toMatch(/display_data:.*text\/html/);
      expect(nbformatErrors([ours])).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('output notebooks of failed and parameterised runs validate too', async () => {
    const dir = tempDir();
    const failed = join(dir, 'failed.ipynb');
    await runNotebook(writeNotebookFixture(['console.log(1)', 'throw new Error("x")', '2']), failed, { timeout: 60 });
    const params = join(dir, 'params.ipynb');
    await runNotebook(writeNotebookFixture([CELLS[0], 'seed']), params, { timeout: 60, parameters: { seed: 3, extra: [1, { a: null }] } });
    const timeout = join(dir, 'timeout.ipynb');
    await runNotebook(writeNotebookFixture(['await new Promise(() => {})']), timeout, { timeout: 1 });
    expect(nbformatErrors([failed, params, timeout])).toBe('');
    // the validator does reject: a 4.5 notebook whose cell has no id, an output of an unknown type
    const noId = join(dir, 'no-id.ipynb');
    writeFileSync(noId, JSON.stringify({ ...notebookJson(['1']), nbformat_minor: 5 }));
    const badOutput = join(dir, 'bad-output.ipynb');
    const nb = notebookJson(['1']) as { cells: { outputs: unknown[] }[] };
    nb.cells[0].outputs = [{ output_type: 'result' }];
    writeFileSync(badOutput, JSON.stringify(nb));
    const errors = nbformatErrors([noId, badOutput]);
    expect(errors).toMatch(/no-id\.ipynb .*id/);
    expect(errors).toMatch(/bad-output\.ipynb \w*ValidationError/);
  }, 120_000);
});
