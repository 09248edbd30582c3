/**
 * The README's claims table, generated from the committed verdicts of record (`noiselab report
 * --readme README.md`), so the front page states what the records say; a test fails when the two are
 * out of sync. Only the block between the two markers is replaced; the file is written atomically.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { countText, verdictTable, type ReportRow } from './markdown.js';

export const README_START = '<!-- claims:start (noiselab report --readme writes this table) -->';
export const README_END = '<!-- claims:end -->';

export function readmeTable(rows: ReportRow[]): string {
  const cells = rows.flatMap((r) => [r.ci, r.full]).filter((c) => c !== null);
  const backends = [...new Set(cells.map((c) => c!.backend))].join(', ');
  return [
    `${rows.length} claims; ${countText(rows, 'ci')}; ${countText(rows, 'full')} (backend ${backends || '-'}; the records in data/records, with their provenance).`,
    '',
    ...verdictTable(rows),
  ].join('\n');
}

/** The README's current claims block, or null when it has none. */
export function readmeBlock(src: string): string | null {
  const a = src.indexOf(README_START);
  const b = src.indexOf(README_END);
  return a < 0 || b < a ? null : src.slice(a + README_START.length, b).trim();
}

export function updateReadme(file: string, rows: ReportRow[]): void {
  const src = readFileSync(file, 'utf8');
  const a = src.indexOf(README_START);
  const b = src.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`${file}: no claims table block (a line '${README_START}' followed by '${README_END}')`);
  writeFileAtomic(file, `${src.slice(0, a + README_START.length)}\n${readmeTable(rows)}\n${src.slice(b)}`);
}
