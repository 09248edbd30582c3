/** Result rows as arquero tables, and per-group summaries (mean, sd, n) of their numeric columns. */
import * as aq from 'arquero';
import type { ClaimResult } from '../claims/types.js';
import { displayBundle } from '../util/display.js';

/** An arquero table. */
export type Table = ReturnType<typeof aq.from>;

/** A claim's result rows as an arquero table. */
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

/** One value of a result row (undefined where the row lacks the column). */
export type TableCell = ClaimResult['rows'][number][string] | undefined;

/** A cell as a reader wants it: integers as they are, other numbers to 4 significant digits, nothing for missing values. */
export function formatCell(v: TableCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  return String(v);
}

const escHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Rows (or an arquero table) as HTML and as aligned text, the first `limit` rows. */
export function renderTable(data: ClaimResult['rows'] | Table, opts: { limit?: number } = {}): { html: string; text: string; shown: number; total: number } {
  const rows = (Array.isArray(data) ? data : (data as Table).objects()) as Record<string, TableCell>[];
  const limit = opts.limit ?? 50;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const shown = rows.slice(0, limit);
  const cells = shown.map((r) => cols.map((c) => formatCell(r[c])));
  const numeric = cols.map((c) => shown.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'));
  const more = rows.length > limit ? `${rows.length - limit} more rows (of ${rows.length})` : '';
  const html = `<table class="noiselab-table"><thead><tr>${cols.map((c) => `<th>${escHtml(c)}</th>`).join('')}</tr></thead><tbody>` +
    cells.map((r) => `<tr>${r.map((v, i) => `<td${numeric[i] ? ' style="text-align:right"' : ''}>${escHtml(v)}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>${more ? `<p>${more}</p>` : ''}`;
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  const text = [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), ...(more ? [more] : [])].join('\n');
  return { html, text, shown: shown.length, total: rows.length };
}

/** Show rows (or an arquero table) in a notebook as a table, with a text fallback; prints the text elsewhere. */
export function showTable(data: ClaimResult['rows'] | Table, opts: { limit?: number } = {}): void {
  const t = renderTable(data, opts);
  if (!displayBundle({ 'text/plain': t.text, 'text/html': t.html })) console.log(t.text);
}
