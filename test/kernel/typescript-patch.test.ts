/**
 * The checker's change to TypeScript's text (src/kernel/typescript-patch.ts): made on the installed
 * TypeScript, it memoizes each file's module format for a host that keeps the Map, and the checker finds
 * exactly what it finds on TypeScript unchanged.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as TS from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadTypeScript, SessionChecker } from '../../src/kernel/typecheck.js';
import { patchTypeScript } from '../../src/kernel/typescript-patch.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';

const kernelDir = join(projectRoot(), 'dist', 'kernel');
const installed = createRequire(import.meta.url).resolve('typescript');

/** A notebook folder with an ES-module package and a CommonJS one, each with declarations. */
function folder(): string {
  const dir = tempDir();
  const pkg = (name: string, type: string | undefined, dts: string) => {
    const at = join(dir, 'node_modules', name);
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...(type ? { type } : {}), types: 'index.d.ts', main: 'index.js' }));
    writeFileSync(join(at, 'index.d.ts'), dts);
  };
  pkg('esm-pkg', 'module', 'export declare const a: number;\nexport default function f(): string;\n');
  pkg('cjs-pkg', undefined, 'declare function g(x: number): number;\ndeclare namespace g { const version: string; }\nexport = g;\n');
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ rate: 0.1 }));
  return dir;
}

const CELLS = [
  'import f, { a } from "esm-pkg";\nconst s: string = f(); const n: number = a;',
  'import g from "cjs-pkg";\nconst m: number = g(2); const v: string = g.version;',
  'import * as cjs from "cjs-pkg";\ncjs.version.toUpperCase()',
  'const wrong: number = f();',
  'g("x")',
  'import data from "./data.json" with { type: "json" };\nconst r: string = data.rate;',
  'import { Rng } from "noiselab";\nconst u: string = new Rng(1).uniform();',
  'import { readFileSync } from "node:fs";\nreadFileSync(1, 2, 3)',
  '1 + 1',
];

/** Each cell's errors (line:column code), a cell that checks clean is added to the session. */
function run(ts: typeof TS): { errors: string[][]; memo: number; medianMs: number } {
  const checker = new SessionChecker(folder(), kernelDir, ts);
  checker.warmUp(['noiselab']);
  const errors = CELLS.map((cell) => {
    const r = checker.check(cell);
    if (!r.diagnostics.length) checker.add(cell);
    return r.diagnostics.map((d) => `${d.line}:${d.column} TS${d.code}`);
  });
  const ms: number[] = [];
  for (let i = 0; i < 40; i++) ms.push(checker.check(`${i} + 1`).ms);
  ms.sort((x, y) => x - y);
  return { errors, memo: (checker as unknown as { sourceFileOptions: Map<string, unknown> }).sourceFileOptions.size, medianMs: ms[20] };
}

describe('the checker\'s change to TypeScript', () => {
  it('is made on the installed TypeScript, once; a text without the function, or with it twice, is left as it is', () => {
    const text = readFileSync(installed, 'utf8');
    const r = patchTypeScript(text);
    expect(r.patched, `TypeScript ${(createRequire(import.meta.url)('typescript') as typeof TS).version}'s text no longer has the function src/kernel/typescript-patch.ts changes: see it`).toBe(true);
    expect(r.text.split('function getCreateSourceFileOptionsUnmemoized(').length).toBe(2);
    expect(patchTypeScript('const x = 1;')).toEqual({ text: 'const x = 1;', patched: false });
    const twice = `${text.slice(0, 200)}\nfunction getCreateSourceFileOptions(fileName, moduleResolutionCache2, host2, options2) {}\nfunction getCreateSourceFileOptions(fileName, moduleResolutionCache2, host2, options2) {}`;
    expect(patchTypeScript(twice).patched).toBe(false);
  });

  it('memoizes each file\'s module format for the checker, which finds exactly the errors it finds on TypeScript unchanged', () => {
    const plain = createRequire(import.meta.url)('typescript') as typeof TS;
    const patched = loadTypeScript();
    expect(patched).not.toBe(plain);
    const before = run(plain);
    const after = run(patched);
    console.log(`a trivial cell's check with noiselab's declarations in the program: median ${before.medianMs.toFixed(1)} ms on TypeScript unchanged, ${after.medianMs.toFixed(1)} ms changed`);
    expect(after.errors).toEqual(before.errors);
    // the cells' errors are the ones their types give (not all clean: the comparison is not vacuous)
    expect(after.errors[0]).toEqual([]);
    expect(after.errors[1]).toEqual([]);
    expect(after.errors[3]).toEqual(['1:7 TS2322']);
    expect(after.errors[4]).toEqual(['1:3 TS2345']);
    expect(after.errors[6]).toEqual(['2:7 TS2322']);
    expect(before.memo, 'TypeScript unchanged never fills the Map').toBe(0);
    expect(after.memo, 'one answer per file of the program').toBeGreaterThan(1000);
  }, 120_000);
});
