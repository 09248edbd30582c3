/**
 * The reproduction report's rows: per claim, its verdict of record at ci and at full scale (from the
 * committed records in data/records, with staleness against the checkout), as markdown (REPORT.md,
 * the README's table), CSV and JSON (`noiselab claims --json`).
 */
import { fmt, headlineEffect, type Effect } from '../claims/kit/verdict.js';
import type { Claim } from '../claims/types.js';
import { staleness, type ClaimRecord } from '../results/records.js';

export interface VerdictCell {
  status: string;
  headline: Effect | null;
  summary: string;
  seeds: number;
  runtimeSec: number;
  backend: string;
  commit: string | null;
  date: string;
  /** what changed since the record was computed (code, lockfile, native, data); empty when current */
  stale: string[];
}

export interface ReportRow {
  id: string;
  paper: string;
  claim: string;
  ci: VerdictCell | null;
  full: VerdictCell | null;
}

function cellOf(rec: ClaimRecord | undefined, slug: string): VerdictCell | null {
  if (!rec) return null;
  const v = rec.verdict;
  return {
    status: v.status, headline: v.effects?.length ? headlineEffect(v) : null, summary: v.summary, seeds: rec.seeds.length,
    runtimeSec: rec.provenance.runtimeSec, backend: rec.provenance.backend, commit: rec.provenance.commit, date: rec.provenance.date,
    stale: staleness(rec, slug),
  };
}

export function reportRows(claims: Claim<any>[], records: ClaimRecord[]): ReportRow[] {
  const find = (id: string, scale: string) => records.find((r) => r.id === id && r.scale === scale);
  return claims.map((c) => ({ id: c.id, paper: c.paper, claim: c.claim, ci: cellOf(find(c.id, 'ci'), c.slug), full: cellOf(find(c.id, 'full'), c.slug) }));
}

const cell = (s: string | number | null | undefined) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const effectText = (e: Effect): string => `${fmt(e.estimate, e.digits)} [${fmt(e.lo, e.digits)}, ${fmt(e.hi, e.digits)}]${e.unit ? ` ${e.unit}` : ''}`;

/** "**reproduced**", "**not reproduced** (stale: code)", or "not run". */
export function statusText(c: VerdictCell | null): string {
  if (!c) return 'not run';
  return `**${c.status}**${c.stale.length ? ` (stale: ${c.stale.join(', ')})` : ''}`;
}

/** "3 reproduced, 1 inconclusive" over the rows' verdicts at a scale. */
export function countText(rows: ReportRow[], scale: 'ci' | 'full'): string {
  const run = rows.filter((r) => r[scale]);
  if (!run.length) return `none run at ${scale}`;
  const counts = run.reduce<Record<string, number>>((m, r) => ((m[r[scale]!.status] = (m[r[scale]!.status] ?? 0) + 1), m), {});
  return `${run.length} at ${scale}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`;
}

/** The verdicts table: id, claim, ci verdict, full verdict, the headline effect (of full where run, else ci). */
export function verdictTable(rows: ReportRow[]): string[] {
  return [
    '| id | claim | ci | full | headline effect [95% interval] |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const of = r.full?.headline ? { scale: 'full', e: r.full.headline } : r.ci?.headline ? { scale: 'ci', e: r.ci.headline } : null;
      return `| ${cell(r.id)} | ${cell(r.claim)} | ${statusText(r.ci)} | ${statusText(r.full)} | ${of ? `${cell(of.e.label)}: ${cell(effectText(of.e))} (${of.scale})` : ''} |`;
    }),
  ];
}

/** The report as markdown; with `images` (claim id -> paths relative to the report) a figures section per claim follows. */
export function markdownReport(rows: ReportRow[], opts: { title?: string; images?: Map<string, string[]> } = {}): string {
  const title = opts.title ?? 'noiselab reproduction report';
  const lines = [`# ${title}`, '', `${rows.length} claims; ${countText(rows, 'ci')}; ${countText(rows, 'full')}.`, '', ...verdictTable(rows), ''];
  const withImages = rows.filter((r) => opts.images?.get(r.id)?.length);
  if (withImages.length) lines.push('## Figures', '');
  for (const r of withImages) {
    lines.push(`### ${r.id}: ${r.claim}`, '', ...opts.images!.get(r.id)!.map((f, i) => `![${r.id} figure ${i + 1}](${encodeURI(f)})`), '');
  }
  return lines.join('\n');
}

/** One line per claim and scale run. */
export function csvReport(rows: ReportRow[]): string {
  const cols = ['id', 'scale', 'status', 'stale', 'effect', 'estimate', 'lo', 'hi', 'seeds', 'runtimeSec', 'backend', 'commit', 'date', 'claim'];
  const q = (v: unknown) => {
    const s = String(v ?? '');
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.flatMap((r) => (['ci', 'full'] as const).filter((s) => r[s]).map((s) => {
    const c = r[s]!;
    return [r.id, s, c.status, c.stale.join(' '), c.headline?.label, c.headline?.estimate, c.headline?.lo, c.headline?.hi, c.seeds, c.runtimeSec, c.backend, c.commit, c.date, r.claim].map(q).join(',');
  }));
  return [cols.join(','), ...lines].join('\n') + '\n';
}
