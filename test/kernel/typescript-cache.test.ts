/**
 * TypeScript's V8 code cache for the resident checker (src/kernel/typescript-cache.ts): written from a
 * warm process, used by the next, refused by V8 when corrupt (then compiled from source and written
 * again), named by the process's V8 flags too; a TypeScript loaded through it checks as one loaded by require.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCacheDir } from '../../src/kernel/typescript-cache.js';
import { tempDir } from '../helpers.js';
import { kernelDir } from './checker-helpers.js';

/** In a fresh process: TypeScript loaded through the cache in `dir`, a check of a bad line, and the cache written if `save`. */
function load(dir: string, save: boolean, flags: string[] = []): { state: string; errors: string[]; saved: string | null } {
  const script = `
    const { loadTypeScriptCached } = await import(${JSON.stringify(join(kernelDir, 'typescript-cache.js'))});
    const c = loadTypeScriptCached(${JSON.stringify(dir)});
    const ts = c.ts;
    const f = ts.createSourceFile('x.ts', 'const n: number = "six";', ts.ScriptTarget.ES2022);
    const host = ts.createCompilerHost({ noLib: true });
    const get = host.getSourceFile;
    host.getSourceFile = (name, v) => (name === 'x.ts' ? f : get(name, v));
    const program = ts.createProgram(['x.ts'], { noLib: true, noEmit: true }, host);
    const errors = program.getSemanticDiagnostics(f).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    console.log(JSON.stringify({ state: c.state, errors, saved: ${save} ? c.save() : 'not asked' }));`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { state: string; errors: string[]; saved: string | null };
}

describe("TypeScript's code cache", () => {
  it('is absent, then written and used; a corrupt one is refused and written again; other V8 flags name another file', () => {
    const dir = tempDir();
    const wrong = ["Type 'string' is not assignable to type 'number'."];
    expect(load(dir, true)).toEqual({ state: 'absent', errors: wrong, saved: null });
    const files = readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/^typescript-[0-9a-f]{24}\.v8cache$/)]);
    expect(load(dir, false)).toEqual({ state: 'used', errors: wrong, saved: 'not asked' });
    writeFileSync(join(dir, files[0]), Buffer.alloc(4096, 7));
    expect(load(dir, true)).toEqual({ state: 'rejected', errors: wrong, saved: null });
    expect(load(dir, false).state).toBe('used');
    // a damaged body behind a sound header: V8 would take it (and crash or misbehave); its digest does not
    const good = readFileSync(join(dir, files[0]));
    const damaged = Buffer.from(good);
    damaged[Math.floor(good.length / 2)] ^= 0xff;
    writeFileSync(join(dir, files[0]), damaged);
    expect(load(dir, true)).toEqual({ state: 'rejected', errors: wrong, saved: null });
    expect(load(dir, false).state).toBe('used');
    // bytecode V8 would take under other flags (it checks only the script's length) is another file's
    expect(load(dir, false, ['--max-semi-space-size=64']).state).toBe('absent');
  }, 60_000);

  it('lives where the environment says, and can be turned off', () => {
    expect(codeCacheDir({ NOISELAB_KERNEL_CODE_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/noiselab');
    expect(codeCacheDir({ HOME: '/h' })).toMatch(/\.cache\/noiselab$/);
    expect(codeCacheDir({ NOISELAB_KERNEL_CODE_CACHE: 'off', NOISELAB_KERNEL_CODE_CACHE_DIR: '/x' })).toBeNull();
    const dir = tempDir();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(kernelDir, 'typescript-cache.js'))}); const c = m.loadTypeScriptCached(null); console.log(c.state, c.save())`], { encoding: 'utf8', cwd: dir });
    expect(r.stdout.trim()).toBe('off the code cache is off');
    // a folder others can write to: its cache could be anyone's code
    chmodSync(dir, 0o777);
    expect(load(dir, true)).toMatchObject({ state: 'off', saved: 'the code cache is off' });
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
