/**
 * `reproduce --check`: a claim run twice with the same seeds on the same backend must give the same
 * result table bit for bit (and the same verdict numbers); run with other seeds it must give other
 * raw numbers, so the check cannot pass by an experiment that ignores its seed.
 */
import { runClaim } from './run.js';
import type { BaseParams, Claim, ClaimResult } from './types.js';

type Row = ClaimResult['rows'][number];

export interface Difference {
  /** 'rows' or 'verdict numbers' */
  table: string;
  row: number;
  column: string;
  a: unknown;
  b: unknown;
}

export interface DeterminismCheck {
  id: string;
  /** the first difference between the two same-seed runs, or null when they are identical */
  difference: Difference | null;
  rows: number;
  columns: number;
  /** numeric columns whose values changed when the seeds changed (besides the seed column itself) */
  seedSensitiveColumns: string[];
  ok: boolean;
}

/** Bitwise equality of cells: numbers by Object.is (NaN equals NaN, 0 differs from -0), the rest by value. */
const same = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? Object.is(a, b) : JSON.stringify(a) === JSON.stringify(b));

export function firstDifference(a: Row[], b: Row[], table = 'rows'): Difference | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!a[i] || !b[i]) return { table, row: i, column: '(row count)', a: a.length, b: b.length };
    for (const col of new Set([...Object.keys(a[i]), ...Object.keys(b[i])])) {
      if (!same(a[i][col], b[i][col])) return { table, row: i, column: col, a: a[i][col], b: b[i][col] };
    }
  }
  return null;
}

/** Columns holding numbers that differ between two tables of the same shape (ignoring `seed`). */
export function changedColumns(a: Row[], b: Row[]): string[] {
  const cols = new Set<string>();
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const [col, v] of Object.entries(a[i])) {
      if (col !== 'seed' && typeof v === 'number' && !same(v, b[i][col])) cols.add(col);
    }
  }
  return [...cols];
}

export async function checkDeterminism<P extends BaseParams>(claim: Claim<P, any>, params: P, opts: { workers?: number; seedOffset?: number } = {}): Promise<DeterminismCheck> {
  const run = (p: P) => runClaim(claim, p, { workers: opts.workers });
  const a = await run(params);
  const b = await run(params);
  const other = await run({ ...params, seeds: params.seeds.map((s) => s + (opts.seedOffset ?? 1000)) });
  const difference = firstDifference(a.rows, b.rows) ?? firstDifference([a.verdict.numbers], [b.verdict.numbers], 'verdict numbers');
  const seedSensitiveColumns = changedColumns(a.rows, other.rows);
  return {
    id: claim.id, difference, rows: a.rows.length, columns: new Set(a.rows.flatMap((r) => Object.keys(r))).size,
    seedSensitiveColumns, ok: difference === null && seedSensitiveColumns.length > 0,
  };
}

export function describeCheck(c: DeterminismCheck): string {
  if (c.difference) {
    const d = c.difference;
    return `${c.id} DIFFERS between two runs with the same seeds: ${d.table} row ${d.row}, column '${d.column}': ${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}`;
  }
  if (!c.seedSensitiveColumns.length) return `${c.id} IGNORES ITS SEEDS: other seeds gave the same ${c.rows} rows`;
  return `${c.id} identical twice (${c.rows} rows x ${c.columns} columns, bit for bit); other seeds change ${c.seedSensitiveColumns.length} column(s)`;
}
