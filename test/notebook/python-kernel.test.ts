/**
 * The runner is a Jupyter client for any kernel: a notebook on Debian's Python kernel (ipykernel)
 * gives the same outputs as `jupyter nbconvert --execute`, with parameters written as Python.
 * (jupyter_kernel_test against noiselab's own kernel: test/kernel/kernel.test.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { runNotebook } from '../../src/notebook/run.js';
import { tempDir } from '../helpers.js';
import { PY } from './fixtures.js';

const python = listKernelSpecs().has('python3') && spawnSync(PY, ['-c', 'import ipykernel, nbconvert'], { encoding: 'utf8' }).status === 0;

const cells = [
  { source: 'n = 2', tags: ['parameters'] },
  'print("hello", n)\nimport sys\nprint("to stderr", file=sys.stderr)',
  'n * 21',
  'from IPython.display import display, HTML\ndisplay(HTML("<b>bold</b>"))\n[i * n for i in range(3)]',
];

function pythonNotebook(): object {
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c, i) => {
      const { source, tags } = typeof c === 'string' ? { source: c, tags: undefined } : c;
      return { id: `c${i}`, cell_type: 'code', metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null };
    }),
  };
}

/** Per code cell: streams and the text/plain and MIME types of displays and results. */
const outputsOf = (nb: Notebook) => nb.cells.filter((c) => !c.metadata.tags?.includes('injected-parameters')).map((c) => (c.outputs ?? []).map((o) =>
  o.output_type === 'stream' ? `${o.name}:${[o.text].flat().join('')}` : `${o.output_type}:${[o.data?.['text/plain'] ?? ''].flat().join('')}|${Object.keys(o.data ?? {}).sort()}`));

describe.runIf(python || process.env.CI)('other kernels', () => {
  it('a notebook on the Python kernel: the same outputs as nbconvert --execute; parameters injected as Python', async () => {
    const dir = tempDir();
    const input = join(dir, 'py.ipynb');
    writeFileSync(input, JSON.stringify(pythonNotebook()));
    const ours = join(dir, 'ours.ipynb');
    const r = await runNotebook(input, ours, { timeout: 60 });
    expect(r.status, r.failedCell?.error).toBe('completed');
    expect(r.kernel).toBe('python3');
    execFileSync(PY, ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', input, '--output-dir', dir, '--output', 'theirs.ipynb'], { stdio: 'ignore' });
    const mine = outputsOf(JSON.parse(readFileSync(ours, 'utf8')));
    expect(mine).toEqual(outputsOf(JSON.parse(readFileSync(join(dir, 'theirs.ipynb'), 'utf8'))));
    expect(mine[1]).toEqual(['stdout:hello 2\n', 'stderr:to stderr\n']);
    expect(mine[2]).toEqual(['execute_result:42|text/plain']);
    expect(mine[3]).toEqual(['display_data:<IPython.core.display.HTML object>|text/html,text/plain', 'execute_result:[0, 2, 4]|text/plain']);

    const withParams = join(dir, 'params.ipynb');
    const p = await runNotebook(input, withParams, { timeout: 60, parameters: { n: 5, flag: true, none: null, xs: [1.5, 'a'] } });
    expect(p.status, p.failedCell?.error).toBe('completed');
    const nb: Notebook = JSON.parse(readFileSync(withParams, 'utf8'));
    expect([nb.cells[1].source].flat().join('')).toBe('# Parameters (injected by noiselab run)\nn = 5\nflag = True\nnone = None\nxs = [1.5, "a"]');
    expect(outputsOf(nb)[2]).toEqual(['execute_result:105|text/plain']);
  }, 180_000);
});
