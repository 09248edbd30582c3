/**
 * The notebooks' layout, and the batch path of `noiselab run` on a few notebooks at smoke scale (no
 * cell errors, a verdict and figures, valid nbformat, parameters recorded, inputs untouched). Every
 * notebook runs at CI scale through `noiselab run`, once, as its claim's test (test/claims/), which
 * checks the same of each; running them all again here at smoke scale cost minutes and found nothing
 * the claim tests do not. The kernel strips types without checking them, so the notebooks' cells are
 * type-checked here, all in one tsc program (one read of the library's declarations).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allNotebooks } from '../src/cli/run.js';
import { listKernelSpecs } from '../src/notebook/kernelspec.js';
import type { Notebook } from '../src/notebook/nbformat.js';
import { tempDir } from './helpers.js';
import { nbformatErrors } from './notebook/fixtures.js';

const dir = join(import.meta.dirname, '..', 'notebooks');
const notebooks = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
const ready = listKernelSpecs().has('noiselab');

describe('notebooks', () => {
  it('follow the layout: <id>-<slug>.ipynb with a parameters cell and a claim test', () => {
    expect(notebooks.length).toBeGreaterThan(0);
    for (const f of notebooks) {
      expect(f).toMatch(/^[a-z]\d+-[a-z0-9-]+\.ipynb$/);
      const nb = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(nb.metadata.kernelspec.name).toBe('noiselab');
      expect(nb.cells.filter((c: { metadata: { tags?: string[] } }) => c.metadata.tags?.includes('parameters'))).toHaveLength(1);
      expect(readdirSync(join(dir, '..', 'test', 'claims'))).toContain(f.replace('.ipynb', '.test.ts'));
    }
  });

  // CI installs the kernel (npm run setup); elsewhere the runs below are skipped without it
  it.runIf(process.env.CI)('have the noiselab kernel installed', () => expect(ready, 'run npm run setup').toBe(true));

  it('type-check: every notebook\'s code cells, in order, are a valid TypeScript module against the library', () => {
    // under node_modules/ so that "noiselab" and its dependencies resolve as they do from notebooks/
    const root = join(import.meta.dirname, '..');
    const work = join(root, 'node_modules', '.cache', `noiselab-notebook-types-${process.pid}`);
    mkdirSync(work, { recursive: true });
    try {
      const files = notebooks.map((f) => {
        const nb = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Notebook;
        const cells = nb.cells.filter((c) => c.cell_type === 'code').map((c, i) => `// cell ${i + 1}\n${[c.source].flat().join('')}`);
        const file = join(work, f.replace('.ipynb', '.ts'));
        writeFileSync(file, `${cells.join('\n')}\nexport {};\n`);
        return file;
      });
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '--noEmit', '--skipLibCheck', '--strict', '--target', 'es2022', '--module', 'nodenext',
        '--moduleResolution', 'nodenext', '--types', 'node', ...files], { encoding: 'utf8', cwd: work });
      expect(r.stdout.replaceAll(`${work}/`, 'notebooks/'), 'type errors in notebook cells (file = notebook, "cell N" comments mark cells)').toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('`--all` means every notebook in notebooks/, in order', () => {
    expect(allNotebooks().map((f) => f.split('/').at(-1))).toEqual(notebooks);
  });

  it.runIf(ready)('run as a batch (several inputs, two at a time) at smoke scale without errors', () => {
    const batch = ['a13-gumbel-softmax.ipynb', 'b12-gram-iteration.ipynb', 'c1-hessian-estimators.ipynb'];
    const before = batch.map((f) => readFileSync(join(dir, f), 'utf8'));
    const out = tempDir();
    const bin = join(import.meta.dirname, '..', 'bin', 'noiselab.js');
    const r = spawnSync(process.execPath, [bin, 'run', ...batch.map((f) => join(dir, f)), '-p', 'scale', 'smoke', '--concurrency', '2', '--output-dir', out, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const summary = JSON.parse(r.stdout || '[]') as { input: string; status: string; error?: string; failedCell?: { error: string } }[];
    for (const s of summary) expect(s.status, `${s.input}: ${s.error ?? s.failedCell?.error}`).toBe('completed');
    expect(r.status, r.stderr).toBe(0);
    expect(summary.map((s) => s.input.split('/').at(-1))).toEqual(batch);
    const files = batch.map((f) => join(out, f));
    expect(nbformatErrors(files)).toBe('');
    for (const file of files) {
      const nb: Notebook = JSON.parse(readFileSync(file, 'utf8'));
      const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
      expect(outputs.filter((o) => o.output_type === 'error'), file).toEqual([]);
      expect(outputs.some((o) => /^(REPRODUCED|PARTLY REPRODUCED|NOT REPRODUCED|INCONCLUSIVE) in/m.test([o.text ?? ''].flat().join(''))), `${file}: no verdict`).toBe(true);
      expect(outputs.some((o) => o.data?.['application/vnd.plotly.v1+json']), `${file}: no figure`).toBe(true);
      expect(nb.metadata.noiselab).toMatchObject({ status: 'completed', parameters: { scale: 'smoke' }, kernel: 'noiselab' });
      expect((nb.metadata.noiselab as { backend: string }).backend).toMatch(/^(native|wasm|cpu|tensorflow)/);
    }
    expect(batch.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
  }, 600_000);
});
