/**
 * Hostile input: valid notebooks, parameter files and idx data files mutated (random bytes,
 * truncation, wrong types, huge sizes, deep nesting), a bounded number of seeded cases each. Every
 * case must end in success or an error of the module's own kind that names the file; never another
 * exception (a TypeError is a crash in waiting), never a hang. A few notebooks go through the CLI too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError, encodeIdx, parseIdx } from '../../src/data/idx.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { NotebookError } from '../../src/notebook/nbformat.js';
import { runNotebook } from '../../src/notebook/run.js';
import { Rng } from '../../src/random/rng.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';
import { recordReliability } from './record.js';

const CASES = 300;
const tally: Record<string, { tried: number; passed: number; errors: number }> = {};

/** Runs one case; it passes when it succeeds or throws `kind` with a message containing `names`. */
async function fuzzCase(check: string, kind: new (...a: any[]) => Error, names: string, f: () => unknown): Promise<string | null> {
  const t = (tally[check] ??= { tried: 0, passed: 0, errors: 0 });
  t.tried++;
  try {
    await f();
  } catch (e) {
    if (!(e instanceof kind) || !(e as Error).message.includes(names)) return `${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 300)}`;
    t.errors++;
  }
  t.passed++;
  return null;
}

/** Byte-level mutations of a file's contents. */
function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const b = Uint8Array.from(bytes);
  switch (rng.int(4)) {
    case 0: // flip a few bytes
      for (let k = 0, n = 1 + rng.int(8); k < n; k++) b[rng.int(b.length)] = rng.int(256);
      return b;
    case 1: // truncate
      return b.subarray(0, rng.int(b.length));
    case 2: // random bytes
      return Uint8Array.from({ length: rng.int(512) }, () => rng.int(256));
    default: // duplicate a slice into the middle
      { const i = rng.int(b.length); const j = Math.min(b.length, i + rng.int(4096)); return new Uint8Array([...b.subarray(0, j), ...b.subarray(i, j), ...b.subarray(j)]); }
  }
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Structure-level mutations: a random node replaced by a value of the wrong type, huge or deeply nested. */
function mutateJson(value: unknown, rng: Rng): string {
  const doc = JSON.parse(JSON.stringify(value));
  const replacement = (): unknown => [null, 0, -1.5, 'text', true, [], {}, [1, [2]], 'x'.repeat(1_000_000), { cells: 1 }][rng.int(10)];
  // walk to a random node
  let parent: any = doc;
  let key: string | number | null = null;
  for (let d = 0; d < 1 + rng.int(6); d++) {
    const node: any = key === null ? parent : parent[key];
    if (!node || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (!keys.length) break;
    parent = node;
    key = Array.isArray(node) ? rng.int(node.length) : keys[rng.int(keys.length)];
  }
  if (key === null) return JSON.stringify(replacement());
  const text = JSON.stringify(Object.assign(parent, { [key]: '__HOLE__' }) && doc);
  const deep = rng.int(5) === 0;
  return text.replace('"__HOLE__"', deep ? nested(50_000 + rng.int(100_000)) : JSON.stringify(replacement()));
}

afterAll(() => {
  for (const [check, t] of Object.entries(tally)) recordReliability(check, t.tried, t.passed, `${t.errors} clear errors, ${t.passed - t.errors} accepted`);
});

describe('fuzzed input', () => {
  it(`notebooks: ${CASES} mutations end in a notebook error naming the file, or run up to the kernel lookup`, async () => {
    const base = readFileSync(join(projectRoot(), 'notebooks', 'e1-xor-grokking.ipynb'));
    const rng = new Rng(101);
    const dir = tempDir();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const file = join(dir, `case-${i}.ipynb`);
      writeFileSync(file, i % 2 ? mutateBytes(base, rng) : mutateJson(JSON.parse(base.toString('utf8')), rng));
      const before = readFileSync(file);
      // a kernel that does not exist: everything before the kernel starts (parse, parameters, upgrade) runs
      const why = await fuzzCase('fuzz: notebooks', NotebookError, 'case-', () =>
        runNotebook(file, join(dir, `out-${i}.ipynb`), { kernel: 'no-such-kernel', parameters: { scale: 'smoke', seeds: [1] } }).catch((e) => {
          if (/no kernel named 'no-such-kernel'|kernel 'no-such-kernel'/i.test((e as Error).message)) return; // got through to the kernel lookup
          throw e;
        }));
      if (why) failures.push(`case ${i}: ${why}`);
      expect(readFileSync(file).equals(before), 'the input is never modified').toBe(true);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it(`parameter files: ${CASES} mutations of YAML and JSON end in a parameter error naming the file, or a mapping`, () => {
    const rng = new Rng(202);
    const dir = tempDir();
    const yaml = Buffer.from('scale: ci\nseeds: [1, 2, 3]\nlr: 0.05\nlabel: "run a"\nnested:\n  a: 1\n  b: [true, null]\n');
    const json = { scale: 'ci', seeds: [1, 2, 3], lr: 0.05, nested: { a: 1, b: [true, null] } };
    const files: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const file = join(dir, `params-${i}.${i % 2 ? 'yaml' : 'json'}`);
      const kind = i % 3;
      writeFileSync(file, kind === 0 ? mutateBytes(yaml, rng) : kind === 1 ? mutateJson(json, rng) : `a: ${nested(100 + rng.int(3000))}`);
      files.push(file);
    }
    // read in a plain node process, as the CLI reads them: vitest's own stack-trace handling dies (a V8
    // fatal error) on the parser's stack overflows, which node turns into ordinary errors
    const script = `import { readParameterFile, renderParameters } from ${JSON.stringify(pathToFileURL(join(projectRoot(), 'dist', 'notebook', 'parameters.js')).href)};
      for (const f of process.argv.slice(1)) {
        try { const p = readParameterFile(f); if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('not a mapping'); renderParameters(p, new Set()); console.log(JSON.stringify({ f, ok: true })); }
        catch (e) { console.log(JSON.stringify({ f, ok: false, kind: e.constructor.name, message: String(e.message).slice(0, 300) })); }
      }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 300_000 });
    expect(r.status, `the reader died: ${r.stderr.slice(-500)}`).toBe(0);
    const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { f: string; ok: boolean; kind?: string; message?: string });
    expect(results.map((x) => x.f)).toEqual(files);
    const t = (tally['fuzz: parameter files'] = { tried: results.length, passed: 0, errors: 0 });
    const failures: string[] = [];
    for (const x of results) {
      if (x.ok) t.passed++;
      else if (x.kind === 'ParameterError' && x.message!.includes(x.f)) (t.passed++, t.errors++);
      else failures.push(`${x.f}: ${x.kind}: ${x.message}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it(`idx data files: ${CASES} mutations (gzipped and raw, dims claiming huge sizes) end in a data error naming the file, or a whole array`, async () => {
    const rng = new Rng(303);
    const data = Uint8Array.from({ length: 6 * 28 * 28 }, () => rng.int(256));
    const bases = [encodeIdx({ dims: [6, 28, 28], data }, true), encodeIdx({ dims: [6, 28, 28], data }, false)];
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const raw = Uint8Array.from(bases[1]);
      let bytes: Uint8Array;
      if (i % 5 === 4) {
        // a header claiming a huge array over little data
        new DataView(raw.buffer).setUint32(4 + 4 * rng.int(3), 2 ** 20 + rng.int(2 ** 31), false);
        bytes = raw;
      } else {
        bytes = mutateBytes(bases[i % 2], rng);
      }
      const file = `fuzz-${i}-idx3-ubyte${i % 2 ? '' : '.gz'}`;
      const why = await fuzzCase('fuzz: idx data files', DataFileError, file, () => {
        const a = parseIdx(bytes, file);
        expect(a.data.length).toBe(a.dims.reduce((x, y) => x * y, 1));
      });
      if (why) failures.push(`case ${i}: ${why}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('a gzip bomb is refused without inflating it', () => {
    // 600 gzip members of 1 MiB of zeros each: 600 MiB inflated from about 600 kB
    const member = gzipSync(Buffer.alloc(2 ** 20), { level: 9 });
    const bomb = Buffer.concat(Array(600).fill(member));
    expect(() => parseIdx(bomb, 'bomb.gz')).toThrow(/bomb\.gz: gzip stream inflates past 512 MB/);
  }, 60_000);

  it.runIf(listKernelSpecs().has('noiselab') || process.env.CI)('the CLI on mutated notebooks: exit status 0, 1 or 2 and a message, never a stack trace', () => {
    const bin = join(projectRoot(), 'bin', 'noiselab.js');
    const base = JSON.parse(readFileSync(join(projectRoot(), 'test', 'reliability', 'small.json'), 'utf8'));
    const rng = new Rng(404);
    const dir = tempDir();
    const failures: string[] = [];
    const n = 12;
    for (let i = 0; i < n; i++) {
      const file = join(dir, `cli-${i}.ipynb`);
      writeFileSync(file, i % 2 ? mutateBytes(Buffer.from(JSON.stringify(base)), rng) : mutateJson(base, rng));
      const t = (tally['fuzz: CLI on mutated notebooks'] ??= { tried: 0, passed: 0, errors: 0 });
      t.tried++;
      const r = spawnSync(process.execPath, [bin, 'run', file, '--output-dir', dir, '--timeout', '20', '--no-static-figures'], { encoding: 'utf8', timeout: 120_000 });
      const ok = [0, 1, 2].includes(r.status ?? -1) && !/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr) && (r.status === 0 || r.stderr.trim() !== '');
      if (ok) { t.passed++; if (r.status) t.errors++; } else failures.push(`case ${i}: status ${r.status} signal ${r.signal}: ${r.stderr.slice(0, 400)}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
