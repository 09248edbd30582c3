/**
 * Cells compiled for the noiselab kernel and run in sequence, as the kernel runs them (in this process,
 * through the same import hook): declarations outlive their cell, imports are live, the last bare
 * expression is the value, lines map back to the cell's own, and syntax errors say complete/incomplete.
 */
import { runInThisContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { CellSyntaxError, compileCell, IMPORT_HOOK } from '../../src/kernel/compile.js';
import { decodeVlq, lineMap } from '../../src/kernel/sourcemap.js';

const g = globalThis as Record<string, unknown>;
g[IMPORT_HOOK] = (spec: string) => import(spec);
const declared = ['n', 'k', 'sq', 'K', 'z', 'w', 'xs', 'later', 'readFileSync', 'path', 'join2'];
afterAll(() => { for (const name of [...declared, IMPORT_HOOK]) delete g[name]; });

async function run(source: string, filename = '<cell 1>'): Promise<unknown> {
  const cell = await compileCell(source);
  return runInThisContext(cell.code, { filename }) as Promise<unknown>;
}

describe('compileCell', () => {
  it('keeps what a cell declares for the next cell, shorthand properties included', async () => {
    expect(await run('const n: number = 3;\nlet k = n + 1;\nfunction sq(x: number): number { return x * x }\nclass K { v = 7 }')).toBeUndefined();
    expect(await run('({ n, k, s: sq(k), v: new K().v })')).toEqual({ n: 3, k: 4, s: 16, v: 7 });
    expect(await run('const { z, w: [w] }: { z: number; w: number[] } = { z: 1, w: [2] }; z + w')).toBe(3);
  });

  it('turns imports into session bindings: named, renamed, namespace, default; type-only ones vanish', async () => {
    await run('import { readFileSync, type PathLike } from "node:fs";\nimport * as path from "node:path";\nimport { join as join2 } from "node:path";');
    expect(typeof g.readFileSync).toBe('function');
    expect(await run('join2("a", "b") === path.join("a", "b")')).toBe(true);
  });

  it('returns the last bare expression (also a folded string, also after await), and no value for declarations or assignments', async () => {
    expect(await run('6 * 7')).toBe(42);
    expect(await run('"a" + "b"')).toBe('ab');
    expect(await run('"a" + "b" // a comment after it')).toBe('ab');
    expect(await run('const xs = [1, 2];\nawait Promise.resolve(xs.length)')).toBe(2);
    expect(await run('const later = 5')).toBeUndefined();
    expect(await run('g_unused_assignment = 1')).toBeUndefined();
    delete g.g_unused_assignment;
  });

  it('maps a runtime error back to the line of the cell it came from, through removed type declarations', async () => {
    const source = 'interface P {\n  a: number;\n  b: string;\n}\nconst p: P = { a: 1, b: "x" };\nthrow new Error("at line 6");';
    const cell = await compileCell(source);
    const err = await (runInThisContext(cell.code, { filename: '<cell 9>' }) as Promise<unknown>).catch((e: Error) => e) as Error;
    const line = Number(/<cell 9>:(\d+)/.exec(err.stack ?? '')?.[1]);
    expect(cell.originalLine(line)).toBe(6);
  });

  it('tells complete, incomplete and invalid code apart, with the cell\'s own line and column', async () => {
    const fail = (src: string) => compileCell(src).then(() => null, (e: unknown) => e as CellSyntaxError);
    const incomplete = await fail('function f() {\n  return 1;');
    expect(incomplete).toBeInstanceOf(CellSyntaxError);
    expect(incomplete!.incomplete).toBe(true);
    const invalid = await fail('const ok = 1;\nconst = ;');
    expect(invalid!.incomplete).toBe(false);
    expect([invalid!.line, invalid!.column]).toEqual([2, 7]);
    expect(await fail('const y = [')).toMatchObject({ incomplete: true });
  });
});

describe('source map lines', () => {
  it('decodes VLQ as the spec does (by hand: "AAgBC" = 0, 0, 16, 1; "D" = -1)', () => {
    expect(decodeVlq('AAgBC')).toEqual([0, 0, 16, 1]);
    expect(decodeVlq('D')).toEqual([-1]);
  });

  it('maps generated lines to original lines, and unmapped lines to the one above', () => {
    // line 1 -> original 1; line 2 unmapped; line 3 -> original 4 (delta +3)
    const map = JSON.stringify({ version: 3, sources: ['c'], names: [], mappings: 'AAAA;;AAGA' });
    const f = lineMap(map);
    expect([f(1), f(2), f(3)]).toEqual([1, 1, 4]);
  });
});
