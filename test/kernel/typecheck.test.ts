/**
 * The kernel's type checker (src/kernel/typecheck.ts) in this process, as its worker thread runs it: a cell
 * is checked against the cells that ran before it, as compile.ts makes them behave (declarations outlive
 * their cell, a name may be declared again, `let`s stay assignable), and only the new cell's errors are
 * reported, in its own lines. Every notebook in notebooks/ passes, cell by cell. Timings are printed.
 */
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTypeScript, SessionChecker, unchangedSince } from '../../src/kernel/typecheck.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';

const kernelDir = join(projectRoot(), 'src', 'kernel');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A checker over one session: `ok` checks a cell, expects no errors and adds it, as the kernel does when it runs. */
function session(checker: SessionChecker) {
  const errors = (source: string) => checker.check(source).diagnostics.map((d) => `${d.line}:${d.column} TS${d.code}`);
  const ok = (source: string) => {
    const r = checker.check(source);
    expect(r.diagnostics, source).toEqual([]);
    checker.add(source);
    return r.ms;
  };
  return { errors, ok };
}

describe('the kernel\'s type checker', () => {
  let checker: SessionChecker;
  let s: ReturnType<typeof session>;
  const cwd = tempDir();
  beforeAll(() => {
    const started = performance.now();
    const ts = loadTypeScript();
    const load = performance.now() - started;
    checker = new SessionChecker(cwd, kernelDir, ts);
    const base = checker.warmUp([]).ms;
    const library = checker.warmUp(['noiselab']).ms;
    console.log(`type checker warm-up: loading TypeScript ${Math.round(load)} ms, the standard library and Node's types ${Math.round(base)} ms, then "noiselab" ${Math.round(library)} ms`);
    s = session(checker);
  }, 120_000);

  it('reports an error in the cell\'s own line and column, with TypeScript\'s code and message; the cell is not added', () => {
    const r = checker.check('const fine = 1;\n\nconst n: number = "a";\nn.foo;');
    expect(r.diagnostics).toEqual([
      { line: 3, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." },
      { line: 4, column: 3, code: 2339, message: "Property 'foo' does not exist on type 'number'." },
    ]);
    // only what ran is in view: the rejected cell's names are not
    expect(s.errors('fine + n')).toEqual(['1:1 TS2304', '1:8 TS2304']);
  });

  it('keeps what a cell declares in view of later cells: variables, functions, classes, types, enums, shorthand properties', () => {
    s.ok('const c: number = 3;\nlet k = c + 1;\nfunction sq(x: number): number { return x * x }\nclass Box<T> { constructor(readonly v: T) {} }\ninterface P { a: number }\ntype Pair<A extends string> = [A, A];\nenum E { A, B }\nconst { z, w: [w] } = { z: 1, w: [2] };');
    s.ok('({ c, k, s: sq(k), v: new Box("x").v.length, e: E.B, z, w })');
    s.ok('const p: P = { a: c }; const pr: Pair<"a"> = ["a", "a"]; class Sub extends Box<number> {}; new Sub(1).v.toFixed()');
    expect(s.errors('const bad: Pair<1> = [1, 1];\nsq("x")')).toEqual(['1:17 TS2344', '2:4 TS2345']);
  });

  it('lets a later cell assign a let or var, of its type; not a const, a function or an import', () => {
    s.ok('let count = 0;\nvar total: number | undefined;');
    s.ok('count++;\ntotal = count * 2;');
    expect(s.errors('count = "many"')).toEqual(['1:1 TS2322']);
    expect(s.errors('c = 4')).toEqual(['1:1 TS2632']);
    // a let's declared type holds in a later cell: no narrowing from an assignment in another cell
    expect(s.errors('total.toFixed()')).toEqual(['1:1 TS18048']);
  });

  it('allows a name to be declared again in a later cell (compile.ts makes it an assignment); the latest type holds', () => {
    s.ok('const again = 1;');
    s.ok('const again = 1;'); // the same cell run twice
    s.ok('const again = "now a string";\nagain.toUpperCase()');
    s.ok('again.toUpperCase()');
    expect(s.errors('again.toFixed()')).toEqual(['1:7 TS2551']); // not on a string (did you mean toString?)
    s.ok('let k = "k was a number";\nk.length');
  });

  it('takes top-level await, imports across cells (named, renamed, namespace, type-only) and export', async () => {
    s.ok('import { readFileSync, type PathLike } from "node:fs";\nimport * as path from "node:path";\nimport { join as join2 } from "node:path";');
    s.ok('const where: PathLike = join2("a", "b");\npath.join(where.toString()).length');
    s.ok('const xs = await Promise.resolve([1, 2]);\nfor await (const x of [Promise.resolve(1)]) x.toFixed();\nxs.length');
    s.ok('export const exported = 1;\nexport function ef() { return exported; }');
    s.ok('exported + ef()');
    s.ok('declare global { var fromGlobal: number }');
    s.ok('fromGlobal + 1');
    expect(s.errors('readFileSync(1, 2, 3)')).toEqual(['1:20 TS2554']);
  });

  it('type-checks imports from "noiselab" against its declarations', () => {
    s.ok('import { Rng, mlp } from "noiselab";\nconst model = mlp({ sizes: [2, 4, 2] }, new Rng(1));');
    s.ok('const again2 = model;\nnew Rng(2)');
    expect(s.errors('import { noSuchThing } from "noiselab";')).toEqual(['1:10 TS2305']);
    expect(s.errors('mlp({ sizes: "2, 4" }, new Rng(1))')).toEqual(['1:7 TS2322']);
    expect(s.errors('import x from "no-such-module";')).toEqual(['1:15 TS2307']);
  });

  it('finds a module of the notebook\'s folder written after an import of it failed; a `let x;` is any later', () => {
    expect(s.errors('import { helper } from "./helper.mjs";')).toEqual(['1:24 TS2307']);
    writeFileSync(join(cwd, 'helper.mjs'), 'export function helper(n) { return n * 2; }\n');
    s.ok('import { helper } from "./helper.mjs";\nhelper(2)');
    s.ok('let later;\nlater = 1;');
    s.ok('later = "any type: its type evolves in its own cell only";\nlater');
  });

  describe('the dates of the files it parsed, by which a later checker (a resident\'s, the snapshot) takes them', () => {
    const ts = loadTypeScript();
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    /** a declaration file of a fresh folder, last modified an hour ago */
    const depIn = (dir: string, text: string) => {
      const dep = join(dir, 'dep.d.mts');
      writeFileSync(dep, text);
      utimesSync(dep, hoursAgo(1), hoursAgo(1));
      return dep;
    };
    const libOf = (parsed: Map<string, { file: unknown }>) => [...parsed.keys()].find((f) => f.endsWith('lib.es5.d.ts'))!;

    it('dates a file before its read: a write during the read shows as a change', () => {
      const dir = tempDir();
      const dep = depIn(dir, 'export declare const before: number;\n');
      // a write that lands just after the checker read dep's text (an editor saving while a resident warms up)
      const readFile = (f: string, encoding?: string) => {
        const text = ts.sys.readFile(f, encoding);
        if (f === dep) {
          writeFileSync(dep, 'export declare const after: string;\n');
          utimesSync(dep, hoursAgo(0.5), hoursAgo(0.5));
        }
        return text;
      };
      // the first checker's files, pre-parsed (as a resident's library gives them): only dep is read here
      const later = new SessionChecker(dir, kernelDir, { ...ts, sys: { ...ts.sys, readFile } } as typeof ts, null, checker.parsedFiles());
      expect(later.check('import { before } from "./dep.mjs";\nbefore.toFixed()').diagnostics).toEqual([]);
      const parsed = later.parsedFiles();
      expect(parsed.get(dep)!.file.text).toContain('before');
      expect(unchangedSince(dep, parsed.get(dep)!), 'the text parsed is not the text on disk').toBe(false);
      expect(unchangedSince(libOf(parsed), parsed.get(libOf(parsed))!), 'a file nobody wrote').toBe(true);
    });

    it('does not vouch for a file modified within RACY_MS of its read (a second write in the same clock tick would not show)', () => {
      const dir = tempDir();
      const dep = depIn(dir, 'export declare const now: number;\n');
      utimesSync(dep, new Date(), new Date());
      const later = new SessionChecker(dir, kernelDir, ts, null, checker.parsedFiles());
      expect(later.check('import { now } from "./dep.mjs";\nnow.toFixed()').diagnostics).toEqual([]);
      expect(unchangedSince(dep, later.parsedFiles().get(dep)!)).toBe(false);
    });

    it('takes a pre-parsed file only while its date holds when it is needed, however long after the checker was made', () => {
      const dir = tempDir();
      const dep = depIn(dir, 'export declare const first: number;\n');
      const a = new SessionChecker(dir, kernelDir, ts, null, checker.parsedFiles());
      expect(a.check('import { first } from "./dep.mjs";\nfirst.toFixed()').diagnostics).toEqual([]);
      // a checker made with dep pre-parsed (a spare session), which needs dep only after it was edited
      const b = new SessionChecker(dir, kernelDir, ts, null, a.parsedFiles());
      writeFileSync(dep, 'export declare const second: string;\n');
      utimesSync(dep, hoursAgo(0.5), hoursAgo(0.5));
      expect(b.check('import { second } from "./dep.mjs";\nsecond.toUpperCase()').diagnostics).toEqual([]);
    });
  });

  it('checks a trivial cell in milliseconds once warm (figures printed)', () => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) ms.push(s.ok(`${i} + 1`));
    const uses: number[] = [];
    for (let i = 0; i < 10; i++) uses.push(s.ok(`const m${i} = model;\nm${i} === model`));
    console.log(`type check of a cell, warm: trivial (${ms.length} cells) median ${median(ms).toFixed(1)} ms, min ${Math.min(...ms).toFixed(1)} ms; using the session's model median ${median(uses).toFixed(1)} ms`);
  });
});

describe('every notebook in notebooks/, cell by cell in one kernel session each', () => {
  it('passes the kernel\'s checker, as it passes tsc over the whole notebook (no false errors)', () => {
    const dir = join(projectRoot(), 'notebooks');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
    // one checker for all (a warm-up each would cost minutes): each notebook's names shadow the last one's
    const checker = new SessionChecker(dir, kernelDir);
    checker.warmUp(['noiselab']);
    const ms: number[] = [];
    const found: string[] = [];
    for (const f of files) {
      const nb = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Notebook;
      nb.cells.filter((c) => c.cell_type === 'code').forEach((c, i) => {
        const source = [c.source].flat().join('');
        const r = checker.check(source);
        ms.push(r.ms);
        for (const d of r.diagnostics) found.push(`${f} cell ${i + 1}, line ${d.line}:${d.column}: TS${d.code} ${d.message}`);
        checker.add(source);
      });
    }
    console.log(`type check of ${ms.length} notebook cells: median ${median(ms).toFixed(0)} ms, 90th percentile ${[...ms].sort((a, b) => a - b)[Math.floor(ms.length * 0.9)].toFixed(0)} ms`);
    expect(found).toEqual([]);
  }, 600_000);
});
