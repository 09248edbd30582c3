/** Result rows as arquero tables, and per-group summaries (mean, sd, n) of their numeric columns. */
import * as aq from 'arquero';
import type { ClaimResult } from '../claims/types.js';

export type Table = ReturnType<typeof aq.from>;

export function resultTable(rows: ClaimResult['rows']): Table {
  return aq.from(rows);
}

/** Mean, standard deviation and count of every numeric column, per value of `by` (e.g. 'arm'). */
export function summaryTable(rows: ClaimResult['rows'], by: string): Table {
  if (!rows.length) throw new Error('summaryTable: no rows');
  if (!(by in rows[0])) throw new Error(`summaryTable: no column '${by}' (columns: ${Object.keys(rows[0]).join(', ')})`);
  const numeric = Object.keys(rows[0]).filter((k) => k !== by && k !== 'seed' && rows.every((r) => typeof r[k] === 'number' || r[k] === null));
  const spec: Record<string, string> = { n: 'd => op.count()' };
  for (const k of numeric) {
    spec[`${k}_mean`] = `d => op.mean(d[${JSON.stringify(k)}])`;
    spec[`${k}_sd`] = `d => op.stdev(d[${JSON.stringify(k)}])`;
  }
  return aq.from(rows).groupby(by).rollup(spec);
}
