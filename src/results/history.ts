/**
 * Every run of a claim, kept: two Arrow IPC files per claim under <results>/history/, queried with
 * arquero. `<ID>.runs.arrow` has one row per run (when, code, backend, scale, parameters, verdict,
 * duration, figures); `<ID>.rows.arrow` has the run's result rows (seed and metrics), keyed by `run`.
 * Appends rewrite the file atomically, so a crash leaves the previous history intact.
 */
import * as aq from 'arquero';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ClaimResult } from '../claims/types.js';
import type { Verdict } from '../claims/kit/verdict.js';
import { writeFileAtomic } from '../util/fs.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';
import { projectRoot, resultsDir } from '../util/paths.js';
import type { Table } from './table.js';
import type { RunRecord } from './store.js';

export const historyDir = (dir = resultsDir()) => join(dir, 'history');
const runsFile = (id: string, dir: string) => join(historyDir(dir), `${id}.runs.arrow`);
const rowsFile = (id: string, dir: string) => join(historyDir(dir), `${id}.rows.arrow`);

/** JSON with sorted keys, so equal parameters give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export const paramsKey = (params: unknown): string => sha(canonicalJson(params));

/**
 * A hash of the code that computes results: every file under src/ and the package lock. Any change
 * there means stored results are not reused (coarse, but never wrong).
 */
export function codeVersion(root = projectRoot()): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(root, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(join(root, 'src'));
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) h.update(readFileSync(lock));
  return h.digest('hex').slice(0, 16);
}

/**
 * A run kept in a claim's history: its record plus the run id, the code version it ran, and the hash of its
 * parameters.
 */
export interface StoredRun extends RunRecord {
  run: string;
  code: string;
  paramsKey: string;
}

type Obj = Record<string, any>;
const objects = (t: Table): Obj[] => t.objects() as Obj[];

function readTable(file: string): Table | null {
  if (!existsSync(file)) return null;
  try {
    return aq.fromArrow(readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: unreadable Arrow file (${(e as Error).message}); move it away to start a new history`);
  }
}

type Cell = string | number | boolean | null;

/** Plain cells for Arrow: objects become JSON; a column mixing kinds (number here, text there) becomes text. */
function normalise(rows: Record<string, unknown>[]): { objects: Record<string, Cell>[]; columns: string[] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const objects = rows.map((r) => Object.fromEntries(columns.map((c) => {
    const v = r[c];
    return [c, v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : (v as Cell)];
  })));
  for (const c of columns) {
    const kinds = new Set(objects.map((o) => o[c]).filter((v) => v !== null).map((v) => typeof v));
    if (kinds.size > 1) for (const o of objects) if (o[c] !== null) o[c] = String(o[c]);
  }
  return { objects, columns };
}

function append(file: string, rows: Record<string, unknown>[]): void {
  const t = readTable(file);
  const old = t ? objects(t) : [];
  const n = normalise([...old, ...rows]);
  writeFileAtomic(file, aq.toArrowIPC(aq.from(n.objects, n.columns), { format: 'file' }));
}

/** Append a run (its record and rows) to the claim's history; returns the run's id. */
export function appendRun(record: RunRecord, extra: { code: string }, dir = resultsDir()): string {
  const run = `${record.date.replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
  const { verdict, rows, figures, params, ...meta } = record;
  append(rowsFile(record.id, dir), rows.map((r) => ({ run, ...r })));
  append(runsFile(record.id, dir), [{
    run, ...meta, code: extra.code, paramsKey: paramsKey(params), params: canonicalJson(params),
    seeds: ((params as { seeds?: number[] }).seeds ?? []).join(','), status: verdict.status, summary: verdict.summary,
    numbers: stringifyExact(verdict.numbers), verdict: stringifyExact(verdict), figures: JSON.stringify(figures), notebook: record.notebook ?? null,
  }]);
  return run;
}

/** The claim's runs, oldest first (an empty table when it has none). */
export function runsTable(id: string, dir = resultsDir()): Table {
  return readTable(runsFile(id, dir)) ?? aq.table({ run: [] });
}

/** Result rows of the claim's runs (all, or of the runs named). */
export function rowsTable(id: string, runs?: string[], dir = resultsDir()): Table {
  const t = readTable(rowsFile(id, dir)) ?? aq.table({ run: [] });
  return runs ? t.filter(aq.escape((d: { run: string }) => runs.includes(d.run))) : t;
}

/** A stored run as a record (rows from the rows file); null when there is no such run. */
export function storedRun(id: string, run: string, dir = resultsDir()): StoredRun | null {
  const r = objects(runsTable(id, dir)).find((o) => o.run === run);
  if (!r) return null;
  const rows = objects(rowsTable(id, [run], dir)).map(({ run: _, ...rest }) => rest) as ClaimResult['rows'];
  return {
    run: r.run, code: r.code, paramsKey: r.paramsKey, id, scale: r.scale, params: JSON.parse(r.params),
    verdict: r.verdict ? parseExact(r.verdict) as Verdict : legacyVerdict(r), rows, figures: JSON.parse(r.figures),
    backend: r.backend, commit: r.commit, date: r.date, durationSec: r.durationSec, ...(r.notebook ? { notebook: r.notebook } : {}),
  };
}

/** A run stored before verdicts were structured: its status, summary and numbers, no effects. */
function legacyVerdict(r: Record<string, any>): Verdict {
  return { status: r.status, summary: r.summary, numbers: parseExact(r.numbers) as Record<string, number>, headline: '', effects: [], premise: [], checks: [], reasons: [] };
}

/** The latest run with these parameters, code and backend: what a re-run would compute again. */
export function reusableRun(id: string, key: { params: unknown; code: string; backend: string; scale: string }, dir = resultsDir()): StoredRun | null {
  const pk = paramsKey(key.params);
  const match = objects(runsTable(id, dir)).filter((o) => o.paramsKey === pk && o.code === key.code && o.backend === key.backend && o.scale === key.scale);
  return match.length ? storedRun(id, String(match.at(-1)!.run), dir) : null;
}
