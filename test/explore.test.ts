/**
 * docs/start-exploring.ipynb, the notebook behind the README's "Start exploring": it imports every technique
 * family from "noiselab" (no deep import), trains with gradient noise, explains, measures curvature,
 * attacks and certifies, tabulates and plots, through `noiselab run` with the kernel's type check on; and
 * the README's examples are its cells, word for word.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listKernelSpecs } from '../src/notebook/kernelspec.js';
import type { Notebook } from '../src/notebook/nbformat.js';
import { runNotebook } from '../src/notebook/run.js';
import { projectRoot } from '../src/util/paths.js';
import { tempDir } from './helpers.js';

const root = projectRoot();
const file = join(root, 'docs', 'start-exploring.ipynb');
const source = (c: Notebook['cells'][number]) => [c.source].flat().join('');
const notebook = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
const code = notebook.cells.filter((c) => c.cell_type === 'code').map(source);
const families = readdirSync(join(root, 'src', 'techniques')).sort().map((f) => f.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));

describe('the start-exploring notebook', () => {
  it('imports every technique family from "noiselab", and nothing deeper', () => {
    const imported = code[0].match(/import \{([^}]*)\} from "noiselab"/)![1].split(',').map((s) => s.trim()).filter(Boolean);
    expect(imported.sort()).toEqual(families);
    const specifiers = code.flatMap((c) => [...c.matchAll(/from "([^"]+)"/g)].map((m) => m[1]));
    expect(new Set(specifiers)).toEqual(new Set(['noiselab', '@tensorflow/tfjs']));
  });

  it('is what the README shows under "Start exploring", block for block', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Start exploring'), readme.indexOf('## Notebooks'));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    expect(blocks).toEqual(code.slice(code.length - blocks.length));
  });

  it.runIf(listKernelSpecs().has('noiselab') || process.env.CI)('runs, type-checked, with a result from every technique it shows', async () => {
    const output = join(tempDir(), 'out.ipynb');
    const r = await runNotebook(file, output, { typecheck: true, timeout: 300 });
    expect(r.status, r.failedCell?.error).toBe('completed');
    const ran = (JSON.parse(readFileSync(output, 'utf8')) as Notebook).cells.filter((c) => c.cell_type === 'code');
    const result = (i: number) => [ran[i].outputs?.find((o) => o.output_type === 'execute_result')?.data?.['text/plain'] ?? ''].flat().join('').replace(/^'|'$/g, '');
    expect(result(0)).toMatch(new RegExp(`^${families.length} families: `));
    expect(result(1)).toMatch(/^ok after 4[5-9] steps, last loss \d/);
    expect(result(2)).toMatch(/^total variation: gradient \d+\.\d+, SmoothGrad \d+\.\d+$/);
    expect(result(3)).toMatch(/^lambda_max \d+\.\d+ of a 50890-parameter Hessian/);
    expect(result(4)).toMatch(/^accuracy on 8 test images: clean [\d.]+, under PGD [\d.]+; certified l2 radius of the first [\d.]+$/);
    expect(result(5)).toMatch(/^weights 2\.00, -1\.00, 0\.50 /);
    const shown = ran.at(-1)!.outputs!.map((o) => Object.keys(o.data ?? {}));
    expect(shown).toContainEqual(expect.arrayContaining(['text/html', 'text/plain']));
    expect(shown).toContainEqual(expect.arrayContaining(['application/vnd.plotly.v1+json']));
  }, 300_000);
});
