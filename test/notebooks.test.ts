/**
 * Every notebook executes headlessly at smoke scale on the tslab kernel through Debian's
 * `jupyter nbconvert --execute`, and fails if a cell errors. The input notebooks are not modified.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const dir = join(import.meta.dirname, '..', 'notebooks');
const notebooks = readdirSync(dir).filter((f) => f.endsWith('.ipynb'));
const jupyter = spawnSync('/usr/bin/python3', ['-c',
  'from jupyter_client.kernelspec import KernelSpecManager as K; print("\\n".join(K().find_kernel_specs()))'], { encoding: 'utf8' });
const ready = jupyter.status === 0 && /\btslab\b/.test(jupyter.stdout);

describe('notebooks', () => {
  it('follow the layout: <id>-<slug>.ipynb with a parameters cell and a claim test', () => {
    expect(notebooks.length).toBeGreaterThan(0);
    for (const f of notebooks) {
      expect(f).toMatch(/^[a-e]\d+-[a-z0-9-]+\.ipynb$/);
      const nb = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(nb.metadata.kernelspec.name).toBe('tslab');
      expect(nb.cells.filter((c: { metadata: { tags?: string[] } }) => c.metadata.tags?.includes('parameters'))).toHaveLength(1);
      expect(readdirSync(join(dir, '..', 'test', 'claims'))).toContain(f.replace('.ipynb', '.test.ts'));
    }
  });

  // CI installs Jupyter and the kernel (npm run setup); elsewhere the check says what is missing.
  it.runIf(ready || process.env.CI)('have Jupyter and the tslab kernel installed', () => {
    expect(jupyter.status, `Jupyter is not installed for /usr/bin/python3: ${jupyter.stderr}`).toBe(0);
    expect(jupyter.stdout, 'the tslab kernel is not registered: run npm run setup').toMatch(/\btslab\b/);
  });

  it.runIf(ready).each(notebooks)('%s executes at smoke scale without errors', (f) => {
    const input = join(dir, f);
    const before = readFileSync(input, 'utf8');
    const out = tempDir();
    try {
      execFileSync('/usr/bin/python3', ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', input,
        '--output-dir', out, '--ExecutePreprocessor.timeout=600'], {
        env: { ...process.env, NOISELAB_SCALE: 'smoke' }, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      const err = e as { stderr?: string };
      throw new Error(`${f} failed:\n${(err.stderr ?? String(e)).split('\n').slice(-25).join('\n')}`);
    }
    const executed = JSON.parse(readFileSync(join(out, f), 'utf8'));
    const outputs = executed.cells.flatMap((c: { outputs?: { output_type: string; text?: string[]; data?: Record<string, unknown> }[] }) => c.outputs ?? []);
    expect(outputs.some((o: { output_type: string }) => o.output_type === 'error')).toBe(false);
    // the verdict line and at least one plotly figure were produced
    expect(outputs.some((o: { text?: string[] }) => /^(REPRODUCED|NOT REPRODUCED) in/m.test((o.text ?? []).join('')))).toBe(true);
    expect(outputs.some((o: { data?: Record<string, unknown> }) => o.data?.['application/vnd.plotly.v1+json'])).toBe(true);
    expect(readFileSync(input, 'utf8')).toBe(before);
  }, 900_000);
});
