/**
 * Verdicts of record: one small JSON file per claim and scale in data/records/ (committed), holding
 * the structured verdict, the per-seed rows where they are small, and the provenance of the run. A
 * record is replaced only by a run at least as large (as many seeds) that completed; a claim's
 * record is stale when the code it was computed with (the claim module with its settings at the
 * record's scale, and everything it imports; the lockfile, the native sources) or the shipped data has
 * changed since. Another scale's settings are not part of it: making ci smaller leaves full current.
 */
import { createHash } from 'node:crypto';
import { transformSync as esbuildTransform } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, posix } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Verdict } from '../claims/kit/verdict.js';
import type { Scale } from '../claims/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { gitCommit } from '../util/git.js';
import { projectRoot } from '../util/paths.js';

/**
 * Where a record came from: hashes of its code, lockfile, native sources and shipped data; backend, threads,
 * CPU, Node and tfjs versions; git commit and whether the tree was dirty; date and runtime in seconds.
 */
export interface Provenance {
  /** hash of the claim module (with only this record's scale of its settings), every src/ module it imports, transitively, the engine and the modules of its backend (codeVersion) */
  code: string;
  /** hash of the package-lock entries of the npm packages that code imports, and of their dependencies */
  lockfile: string;
  native: string;
  data: string;
  backend: string;
  /** on a GPU backend, the adapter (vendor, device, driver) */
  adapter?: string;
  threads: number | null;
  cpu: string;
  node: string;
  tfjs: string;
  commit: string | null;
  dirty: boolean;
  date: string;
  runtimeSec: number;
}

/**
 * A verdict of record (data/records/<ID>.<scale>.json): seeds, parameters, verdict, per-seed rows when small,
 * and provenance.
 */
export interface ClaimRecord {
  id: string;
  scale: Scale;
  seeds: number[];
  params: unknown;
  verdict: Verdict;
  /** per-seed rows, kept when they are small (at most ROW_LIMIT); otherwise null */
  rows: Record<string, unknown>[] | null;
  provenance: Provenance;
}

export const ROW_LIMIT = 400;

export const recordsDir = (): string => process.env.NOISELAB_RECORDS ?? join(projectRoot(), 'data', 'records');
export const recordPath = (id: string, scale: Scale, dir = recordsDir()): string => join(dir, `${id}.${scale}.json`);

/** The record of a claim at a scale, or null when there is none; throws naming the file when it is unreadable. */
export function readRecord(id: string, scale: Scale, dir = recordsDir()): ClaimRecord | null {
  const file = recordPath(id, scale, dir);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClaimRecord;
  } catch (e) {
    throw new Error(`${file}: not a readable record (${(e as Error).message}); restore it with git checkout or re-run the claim`);
  }
}

/** Every ci and full record in `dir`, in file-name order (empty when the folder does not exist). */
export function readRecords(dir = recordsDir()): ClaimRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^[A-Z]\d+\.(ci|full)\.json$/.test(f)).sort().map((f) => {
    const [id, scale] = f.split('.');
    return readRecord(id, scale as Scale, dir)!;
  });
}

/**
 * Write a record atomically. A smaller run (fewer seeds) never replaces a larger one unless `force`;
 * smoke runs are never records.
 */
export function writeRecord(rec: ClaimRecord, opts: { force?: boolean; dir?: string } = {}): string {
  if (rec.scale === 'smoke') throw new Error(`${rec.id}: smoke runs are not verdicts; records are kept for ci and full`);
  const dir = opts.dir ?? recordsDir();
  const old = readRecord(rec.id, rec.scale, dir);
  if (old && !opts.force && rec.seeds.length < old.seeds.length) {
    throw new Error(`${rec.id} ${rec.scale}: the new run has ${rec.seeds.length} seeds, the record ${old.seeds.length}; not replaced (force to replace it)`);
  }
  const file = recordPath(rec.id, rec.scale, dir);
  writeFileAtomic(file, `${JSON.stringify(rec, roundTrip, 1)}\n`);
  return file;
}

/** NaN and infinities survive JSON as strings (records are read by people and by tests). */
function roundTrip(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

// ---------------------------------------------------------------------------------------------
// provenance

const sha = (parts: Iterable<string | Buffer>): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
};

/** Where code is read from: the working tree, or a commit (to re-derive a record's code version). */
export interface CodeSource {
  exists(rel: string): boolean;
  read(rel: string): Buffer;
  /** files below a folder, recursively, sorted */
  list(relDir: string): string[];
}

export function workingTree(root = projectRoot()): CodeSource {
  const walk = (rel: string): string[] => readdirSync(join(root, rel)).sort().flatMap((f) => {
    const r = posix.join(rel, f);
    return statSync(join(root, r)).isDirectory() ? walk(r) : [r];
  });
  return {
    exists: (rel) => existsSync(join(root, rel)),
    read: (rel) => readFileSync(join(root, rel)),
    list: (rel) => (existsSync(join(root, rel)) ? walk(rel) : []),
  };
}

/** The files of a commit, through git. */
export function atCommit(commit: string, root = projectRoot()): CodeSource {
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const files = new Set(git(['ls-tree', '-r', '--name-only', commit]).toString('utf8').split('\n').filter(Boolean));
  return {
    exists: (rel) => files.has(rel) || [...files].some((f) => f.startsWith(`${rel}/`)),
    read: (rel) => git(['show', `${commit}:${rel}`]),
    list: (rel) => [...files].filter((f) => f.startsWith(`${rel}/`)).sort(),
  };
}

/** Modules that shape what a notebook shows, never a verdict: figures, notebook display, progress, the kernel. */
export const PRESENTATION = /^src\/(figures\/|kernel\/|util\/(display|progress)\.ts$)/;

/**
 * The modules that choose and start the backend (initEngine and the backends' preference and loaders). A
 * record names the backend it ran on (provenance.backend), so the choice is not part of a claim's code:
 * their own text is not hashed and their dynamic imports (the backends) are not followed. What they import
 * statically (what every backend gets: the gradients noiselab registers, the kernels it adds) counts, for
 * every claim, also one whose modules never import the engine; the backend a record ran on counts through
 * ENGINE_MODULES. (Their text still decides what runs: a change there that moves numbers shows in CI, where
 * each claim's ci run is compared with its record.)
 */
const ENGINE_ENTRY = 'src/engine/backend.ts';
export const ENGINE_CHOICE: readonly string[] = [ENGINE_ENTRY, 'src/engine/choice.ts'];
/** The noiselab modules of each backend, by its name in BACKEND_PREFERENCE (the others are npm packages only). */
export const ENGINE_MODULES: Readonly<Record<string, string>> = { native: 'src/engine/native/index.ts', webgpu: 'src/engine/webgpu.ts' };

/**
 * The src/ modules a module imports, transitively (relative imports of .js resolved to .ts; paths
 * relative to the project root), less the presentation modules (records keep no figures), with the engine
 * (ENGINE_CHOICE and their static imports) and the modules of the backend `engine`. `engine: 'as-imported'`
 * is the definition before 2026-12-03, for migrating records: the engine followed like any module (into every
 * backend), only where the claim's modules import it.
 * `presentationPattern` replaces PRESENTATION (an earlier definition, for migrating records).
 */
export function moduleClosure(entry: string, src: CodeSource, opts: { presentation?: boolean; presentationPattern?: RegExp; engine: string }): string[] {
  const seen = new Set<string>();
  const skip = opts.presentationPattern ?? PRESENTATION;
  const legacy = opts.engine === 'as-imported';
  const visit = (file: string) => {
    if (seen.has(file) || !src.exists(file) || (!opts.presentation && skip.test(file))) return;
    seen.add(file);
    const text = src.read(file).toString('utf8');
    const staticOnly = !legacy && ENGINE_CHOICE.includes(file);
    for (const m of text.matchAll(/(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      if (staticOnly && m[2]) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), m[1] ?? m[2])).replace(/\.js$/, '.ts');
      visit(src.exists(target) && target.endsWith('.ts') ? target : posix.join(target, 'index.ts'));
    }
  };
  visit(entry);
  if (!legacy) {
    visit(ENGINE_ENTRY);
    if (ENGINE_MODULES[opts.engine]) visit(ENGINE_MODULES[opts.engine]);
  }
  return [...seen].sort();
}

/**
 * A claims module's text with the settings of every scale but `scale` elided: the entries of its
 * `scales: { smoke: ..., ci: ..., full: ... }` (or `const X_SCALES = { ... }`, for scales shared by a
 * family) are cut out by bracket matching (strings and comments skipped). Text without such a block
 * is returned whole (a conservative hash).
 * (the definition before, for migrating records).
 */
export function ownScaleOnly(text: string, scale: Scale): string {
  const m0 = /(?:\bscales:|\w*SCALES\b[^=\n]*=)\s*\{/.exec(text);
  if (!m0) return text;
  const open = m0.index + m0[0].length - 1;
  // the end of the value that starts at i: the first `,` or `}` at depth 0
  const valueEnd = (i: number): number => {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\'' || c === '"' || c === '`') { const q = c; for (i++; i < text.length && text[i] !== q; i++) if (text[i] === '\\') i++; continue; }
      if (c === '/' && text[i + 1] === '/') { i = text.indexOf('\n', i); if (i < 0) return text.length; continue; }
      if (c === '/' && text[i + 1] === '*') { i = text.indexOf('*/', i) + 1; continue; }
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) { if (depth === 0) return i; depth--; }
      else if (c === ',' && depth === 0) return i;
    }
    return text.length;
  };
  let out = text.slice(0, open + 1);
  let i = open + 1;
  for (;;) {
    const m = /^(\s*(?:\/\/[^\n]*\n\s*)*)(\w+)\s*:/.exec(text.slice(i));
    if (!m) break;
    const end = valueEnd(i + m[0].length);
    // a comment above an entry belongs to it (a size estimate above `full:` is full's)
    out += m[2] === scale ? text.slice(i, end) : `${m[1].replace(/\/\/[^\n]*\n\s*/g, '')}${m[2]}: …`;
    i = end;
    if (text[i] !== ',') break;
    out += ',';
    i++;
  }
  return out + text.slice(i);
}

/** The npm packages a set of modules imports by name (node: builtins left out), e.g. '@tensorflow/tfjs'. */
export function packagesImported(files: string[], src: CodeSource = workingTree()): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const text = src.read(f).toString('utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'";]*?from\s+['"]([^.'"][^'"]*)['"]|import\(\s*['"]([^.'"][^'"]*)['"]\s*\)|require\(\s*['"]([^.'"][^'"]*)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('node:')) continue;
      names.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return [...names].sort();
}

/**
 * The lockfile entries (version, integrity) of the given packages and everything they depend on,
 * resolved as node does (nested node_modules first): what a claim runs on, so that adding an
 * unrelated dependency leaves its records current. A package missing from the lock counts as such.
 */
export function lockedDependencies(names: string[], lockText: string): string {
  const lock = JSON.parse(lockText) as { packages?: Record<string, { version?: string; integrity?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> };
  const pkgs = lock.packages ?? {};
  const resolve = (from: string, name: string): string | null => {
    for (let dir = from; ; dir = dir.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')) {
      const at = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (pkgs[at]) return at;
      if (!dir) return null;
    }
  };
  const seen = new Map<string, string>();
  const visit = (from: string, name: string) => {
    const at = resolve(from, name);
    if (!at) { seen.set(`missing:${name}`, ''); return; }
    if (seen.has(at)) return;
    const e = pkgs[at];
    seen.set(at, `${e.version ?? ''} ${e.integrity ?? ''}`);
    for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) visit(at, d);
  };
  for (const n of names) visit('', n);
  return [...seen].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join('\n');
}

/**
 * A TypeScript file as the code it runs: types, comments and layout removed (esbuild's transform), so
 * that documenting or reformatting code does not make the records that depend on it stale.
 */
export function executableText(text: string, file = 'file.ts'): string {
  let code = executable.get(text);
  if (code === undefined) {
    // minifyWhitespace drops every comment (without it esbuild keeps doc comments on class members)
    code = esbuildTransform(text, { loader: 'ts', format: 'esm', target: 'es2022', legalComments: 'none', minifyWhitespace: true, sourcefile: file, tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } } }).code;
    executable.set(text, code);
  }
  return code;
}
/** executableText by source text: every claim's closure shares most files */
const executable = new Map<string, string>();

/**
 * The code version of a claim run on `engine` (a backend name, see ENGINE_CHOICE): its module closure
 * (as the code it runs: executableText), plus the lockfile, the native sources and the shipped data. With
 * `scale`, the claims modules count with that scale's settings only. The lockfile counts through the
 * entries of the packages the closure imports (and theirs). `engine: 'as-imported'` is the definition
 * before 2026-12-03 (see moduleClosure).
 */
export function codeVersion(id: string, slug: string, src: CodeSource, opts: { presentation?: boolean; presentationPattern?: RegExp; scale?: Scale; engine: string }): Pick<Provenance, 'code' | 'lockfile' | 'native' | 'data'> {
  const entry = `src/claims/${id.toLowerCase()}-${slug}.ts`;
  if (!src.exists(entry)) throw new Error(`claim ${id}: module ${entry} not found`);
  const legacy = opts.engine === 'as-imported';
  const content = (f: string): string | Buffer => {
    const raw = src.read(f);
    const text = !f.endsWith('.ts') ? raw : executableText(raw.toString('utf8'), f);
    return f.startsWith('src/claims/') && opts.scale ? ownScaleOnly(text.toString('utf8'), opts.scale) : text;
  };
  const hashFiles = (files: string[]) => sha(files.flatMap((f) => [f, content(f)]));
  const closure = moduleClosure(entry, src, opts);
  const lock = src.read('package-lock.json').toString('utf8');
  return {
    // the engine's choice by the backend's name, not by the text of the modules that make it
    code: legacy ? hashFiles(closure) : sha([hashFiles(closure.filter((f) => !ENGINE_CHOICE.includes(f))), `engine ${opts.engine}`]),
    lockfile: sha([lockedDependencies(packagesImported(closure, src), lock)]),
    native: hashFiles(src.list('native/src')),
    data: hashFiles(src.list('data/fashion-mnist-subset')),
  };
}

export async function provenance(id: string, slug: string, scale: Scale, run: { backend: string; threads?: number | null; runtimeSec: number }): Promise<Provenance> {
  const tf = await import('@tensorflow/tfjs');
  const commit = gitCommit();
  return {
    ...codeVersion(id, slug, workingTree(), { scale, engine: run.backend }), backend: run.backend, ...(await adapterOf(run.backend)), threads: run.threads ?? null, cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version, tfjs: tf.version.tfjs, commit: commit?.replace(/\+dirty$/, '') ?? null, dirty: commit?.endsWith('+dirty') ?? false,
    date: new Date().toISOString(), runtimeSec: Math.round(run.runtimeSec * 10) / 10,
  };
}

/** The adapter a webgpu run used, for its provenance (webgpu.ts is loaded only then). */
async function adapterOf(backend: string): Promise<{ adapter?: string }> {
  if (backend !== 'webgpu') return {};
  const { describeAdapter, webgpuAdapter } = await import('../engine/webgpu.js');
  const a = webgpuAdapter();
  return a ? { adapter: describeAdapter(a) } : {};
}

/** Which parts of a record's code version differ from the checkout's (empty: current). */
export function staleness(rec: ClaimRecord, slug: string): string[] {
  const now = codeVersion(rec.id, slug, workingTree(), { scale: rec.scale, engine: rec.provenance.backend });
  return (['code', 'lockfile', 'native', 'data'] as const).filter((k) => rec.provenance[k] !== now[k]);
}

// ---------------------------------------------------------------------------------------------
// comparing a fresh verdict with the record

/** One difference between a fresh verdict and its record: the claim, the table, row and column, and both values. */
export interface RecordDifference {
  id: string;
  table: 'status' | 'effects' | 'premise' | 'checks';
  row: string;
  column: string;
  record: unknown;
  now: unknown;
}

const printed = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : String(x));

/** Differences between a verdict and its record, numbers compared at their printed precision. */
export function compareWithRecord(rec: ClaimRecord, now: Verdict): RecordDifference[] {
  const out: RecordDifference[] = [];
  const diff = (table: RecordDifference['table'], row: string, column: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ id: rec.id, table, row, column, record: a, now: b });
  };
  diff('status', 'verdict', 'status', rec.verdict.status, now.status);
  const keys = new Set([...rec.verdict.effects.map((e) => e.key), ...now.effects.map((e) => e.key)]);
  for (const k of keys) {
    const a = rec.verdict.effects.find((e) => e.key === k);
    const b = now.effects.find((e) => e.key === k);
    if (!a || !b) { diff('effects', k, '(present)', !!a, !!b); continue; }
    for (const c of ['estimate', 'lo', 'hi'] as const) diff('effects', k, c, printed(Number(a[c]), a.digits), printed(b[c], a.digits));
    diff('effects', k, 'outcome', a.outcome, b.outcome);
  }
  for (const p of now.premise) {
    const a = rec.verdict.premise.find((x) => x.key === p.key);
    if (!a) { diff('premise', p.key, '(present)', false, true); continue; }
    diff('premise', p.key, 'value', printed(Number(a.value), a.digits), printed(p.value, a.digits));
    diff('premise', p.key, 'holds', a.holds, p.holds);
  }
  for (const c of now.checks) {
    const a = rec.verdict.checks.find((x) => x.key === c.key);
    diff('checks', c.key, 'holds', a?.holds, c.holds);
  }
  return out;
}

export function describeDifference(d: RecordDifference): string {
  return `${d.id}: ${d.table} '${d.row}', ${d.column}: record ${JSON.stringify(d.record)}, now ${JSON.stringify(d.now)}`;
}
