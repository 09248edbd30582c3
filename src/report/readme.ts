/**
 * The README's claims table, regenerated from the latest results (`noiselab report --readme README.md`)
 * so the numbers a reader sees on the front page are the ones a run measured. Only the block between
 * the two markers is replaced; the file is written atomically.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import type { ReportRow } from './markdown.js';

export const README_START = '<!-- claims:start (noiselab report --readme writes this table) -->';
export const README_END = '<!-- claims:end -->';

const cell = (s: unknown) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function readmeTable(rows: ReportRow[]): string {
  const run = rows.filter((r) => r.status !== 'not run');
  const dates = run.map((r) => r.date.slice(0, 10)).sort();
  const backends = [...new Set(run.map((r) => r.backend))].join(', ');
  const scales = [...new Set(run.map((r) => r.scale))].join(', ');
  return [
    `${run.length} of ${rows.length} claims run (scale ${scales || '-'}, backend ${backends || '-'}, ${dates[0] ?? '-'}${dates.length && dates.at(-1) !== dates[0] ? ` to ${dates.at(-1)}` : ''}): ` +
      `${run.filter((r) => r.status === 'reproduced').length} reproduced, ${run.filter((r) => r.status === 'not reproduced').length} not reproduced.`,
    '',
    '| id | claim | verdict | evidence (the verdict\'s own summary) |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.id)} | ${cell(r.claim)} | ${r.status === 'not run' ? 'not run' : `**${cell(r.status)}**`} | ${cell(r.summary)} |`),
  ].join('\n');
}

export function updateReadme(file: string, rows: ReportRow[]): void {
  const src = readFileSync(file, 'utf8');
  const a = src.indexOf(README_START);
  const b = src.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`${file}: no claims table block (a line '${README_START}' followed by '${README_END}')`);
  writeFileAtomic(file, `${src.slice(0, a + README_START.length)}\n${readmeTable(rows)}\n${src.slice(b)}`);
}
