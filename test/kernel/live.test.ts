/**
 * Live library source (src/kernel/live.ts) in the noiselab kernel: in a checkout, a cell imports
 * noiselab's src/ as it is on disk; an edit shows on the next run of the cell, in values and in the type
 * check; the engine's modules are loaded once; NOISELAB_LIVE=0 imports the build. The checkout here is a
 * small stand-in with noiselab's layout (package.json exports, dist/, src/ with an engine folder), so the
 * test edits no real source. `noiselab run` imports the build unless --live.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveLibrary, liveTarget, sourceStamp } from '../../src/kernel/live.js';
import { Kernel } from '../../src/notebook/kernel.js';
import { findKernelSpec, listKernelSpecs } from '../../src/notebook/kernelspec.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import type { Message } from '../../src/notebook/protocol.cjs';
import { runNotebook } from '../../src/notebook/run.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';
import { writeNotebookFixture } from '../notebook/fixtures.js';

const ready = listKernelSpecs().has('noiselab');
const kernels: Kernel[] = [];
afterEach(async () => { await Promise.all(kernels.splice(0).map((k) => k.shutdown(1))); });

/** A checkout with noiselab's layout and a notebook folder that resolves "noiselab" to it. */
function checkout(): { pkg: string; nb: string; write(rel: string, text: string): void } {
  const root = tempDir();
  const pkg = join(root, 'pkg');
  const nb = join(root, 'nb');
  let tick = Date.now() / 1000 - 100;
  const write = (rel: string, text: string) => {
    const f = join(pkg, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
    // a distinct modification time for each write, whatever the file system's resolution
    utimesSync(f, tick, (tick += 2));
  };
  write('package.json', JSON.stringify({ name: 'noiselab', type: 'module', exports: { '.': './dist/index.js', './techniques/*': './dist/techniques/*/index.js' } }));
  write('tsconfig.json', '{}');
  write('dist/index.js', "export const where = 'dist';\nexport function value() { return 0; }\n");
  write('src/index.ts', "export * from './techniques/foo/index.js';\nexport { loads } from './engine/state.js';\nexport const where: string = 'src';\n");
  write('src/techniques/foo/index.ts', 'export function value(): number { return 1; }\n');
  write('src/engine/state.ts', 'const g = globalThis as { __loads?: number };\ng.__loads = (g.__loads ?? 0) + 1;\nexport const loads: number = g.__loads;\n');
  mkdirSync(join(nb, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(nb, 'node_modules', 'noiselab'));
  return { pkg, nb, write };
}

async function start(cwd: string, env: Record<string, string> = {}): Promise<Kernel> {
  const spec = findKernelSpec('noiselab');
  const k = await Kernel.start(spec, { cwd, startTimeout: 30, env: { NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js'), ...env } });
  kernels.push(k);
  return k;
}

async function run(k: Kernel, code: string): Promise<{ status: string; text: string; error: string }> {
  const out: Message[] = [];
  const r = await k.execute(code, { timeout: 60, onIopub: (m) => out.push(m) });
  const result = out.find((m) => m.header.msg_type === 'execute_result')?.content as { data: Record<string, string> } | undefined;
  return { status: String(r.reply.status), text: result?.data['text/plain'] ?? '', error: `${r.reply.evalue ?? ''}` };
}

describe('live library source', () => {
  it('finds the checkout behind "noiselab", maps the build\'s modules to the source, and stamps them by the source\'s state', () => {
    const { pkg, nb, write } = checkout();
    const lib = liveLibrary(nb, {});
    expect(lib).toEqual({ root: pkg, src: join(pkg, 'src') });
    expect(liveLibrary(nb, { NOISELAB_LIVE: '0' })).toBeNull();
    const stamp = sourceStamp(lib!.src);
    expect(liveTarget(lib!, `file://${join(pkg, 'dist', 'index.js')}`)).toBe(`file://${join(pkg, 'src', 'index.ts')}?live=${stamp}`);
    expect(liveTarget(lib!, `file://${join(pkg, 'dist', 'missing.js')}`)).toBeNull();
    write('src/techniques/foo/index.ts', 'export function value(): number { return 2; }\n');
    const edited = sourceStamp(lib!.src);
    expect(edited).not.toBe(stamp);
    // a file removed, however old, is a change too
    write('src/old.ts', 'export {};\n');
    utimesSync(join(pkg, 'src', 'old.ts'), 1, 1);
    expect(sourceStamp(lib!.src)).not.toBe(edited);
    rmSync(join(pkg, 'src', 'old.ts'));
    expect(sourceStamp(lib!.src)).toBe(edited);
  });

  it.runIf(ready || process.env.CI)('runs the edited source on the next run of a cell, type-checked against it; the engine stays loaded once', async () => {
    const { nb, write } = checkout();
    const k = await start(nb);
    // the stand-in's dist has no declarations: this cell passes the check only against the source
    const first = await run(k, 'import { value, where, loads } from "noiselab";\nconst n: number = value();\n[where, n, loads]');
    expect(first, first.error).toMatchObject({ status: 'ok', text: "[ 'src', 1, 1 ]" });
    write('src/techniques/foo/index.ts', 'export function value(): number { return 2; }\nexport function added(): string { return "new"; }\n');
    const edited = await run(k, 'import { value, added, loads } from "noiselab";\n[value(), added(), loads]');
    expect(edited, edited.error).toMatchObject({ status: 'ok', text: "[ 2, 'new', 1 ]" });
    const typeError = await run(k, 'import { added } from "noiselab";\nconst m: number = added();');
    expect(typeError.status).toBe('error');
    expect(typeError.error).toMatch(/TS2322|not assignable to type 'number'/);
    // unchanged source: the same modules, not a fresh copy
    expect(await run(k, 'import * as a from "noiselab";')).toMatchObject({ status: 'ok' });
    expect(await run(k, 'import * as b from "noiselab";\na === b')).toMatchObject({ status: 'ok', text: 'true' });
  }, 90_000);

  it.runIf(ready || process.env.CI)('noiselab run imports the build, or the source with --live (NOISELAB_LIVE=0 or 1 for the kernel)', async () => {
    const { nb } = checkout();
    const input = writeNotebookFixture(['import { where } from "noiselab";\nwhere']);
    const where = async (live: boolean) => {
      const output = join(tempDir(), 'out.ipynb');
      const r = await runNotebook(input, output, { live, cwd: nb, timeout: 60 });
      expect(r.status, r.failedCell?.error).toBe('completed');
      const nbOut = JSON.parse(readFileSync(output, 'utf8')) as Notebook;
      return nbOut.cells[0].outputs?.[0]?.data?.['text/plain'];
    };
    expect(await where(false)).toBe("'dist'");
    expect(await where(true)).toBe("'src'");
  }, 60_000);
});
