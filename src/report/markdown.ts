/** The reproduction report: a markdown table of verdicts and a CSV of the same rows. */
import { headlineEffect, type Effect } from '../claims/kit/verdict.js';
import type { Claim } from '../claims/types.js';
import type { RunRecord } from '../results/store.js';

export interface ReportRow {
  id: string;
  claim: string;
  status: string;
  summary: string;
  /** the verdict's headline effect (absent for runs stored before verdicts were structured) */
  headline: Effect | null;
  scale: string;
  seeds: number;
  runtimeSec: number | null;
  backend: string;
  commit: string;
  date: string;
}

export function reportRows(claims: Claim<any>[], records: Map<string, RunRecord | null>): ReportRow[] {
  return claims.map((c) => {
    const r = records.get(c.id) ?? null;
    return {
      id: c.id,
      claim: c.claim,
      status: r ? r.verdict.status : 'not run',
      summary: r ? r.verdict.summary : '',
      headline: r?.verdict.effects?.length ? headlineEffect(r.verdict) : null,
      scale: r?.scale ?? '',
      seeds: r ? ((r.params as { seeds?: number[] }).seeds?.length ?? 0) : 0,
      runtimeSec: r ? Math.round(r.durationSec * 10) / 10 : null,
      backend: r?.backend ?? '',
      commit: r?.commit ?? '',
      date: r?.date ?? '',
    };
  });
}

const cell = (s: string | number | null) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report as markdown; with `images` (claim id -> paths relative to the report) a figures section per claim follows the table. */
export function markdownReport(rows: ReportRow[], opts: { title?: string; images?: Map<string, string[]> } = {}): string {
  const title = opts.title ?? 'noiselab reproduction report';
  const counts = rows.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
  const lines = [
    `# ${title}`,
    '',
    `${rows.length} claims: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}.`,
    '',
    '| id | claim | verdict | evidence | scale | seeds | runtime (s) | backend | commit | date |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.id, r.claim, `**${r.status}**`, r.summary, r.scale, r.seeds, r.runtimeSec, r.backend, r.commit, r.date.slice(0, 10)].map(cell).join(' | ')} |`),
    '',
  ];
  const withImages = rows.filter((r) => opts.images?.get(r.id)?.length);
  if (withImages.length) lines.push('## Figures', '');
  for (const r of withImages) {
    lines.push(`### ${r.id}: ${r.claim}`, '', ...opts.images!.get(r.id)!.map((f, i) => `![${r.id} figure ${i + 1}](${encodeURI(f)})`), '');
  }
  return lines.join('\n');
}

export function csvReport(rows: ReportRow[]): string {
  const cols = Object.keys(rows[0] ?? { id: '' }) as (keyof ReportRow)[];
  const q = (v: unknown) => {
    const s = String(v ?? '');
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => q(r[c])).join(','))].join('\n') + '\n';
}
