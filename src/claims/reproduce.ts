/** Run registered claims at a scale, store each result, and rewrite the report. */
import { join } from 'node:path';
import { engineInfo, initEngine } from '../engine/backend.js';
import { csvReport, markdownReport, reportRows } from '../report/markdown.js';
import { loadRecord, saveRecord, type RunRecord } from '../results/store.js';
import { writeFileAtomic } from '../util/fs.js';
import { gitCommit } from '../util/git.js';
import { resultsDir } from '../util/paths.js';
import { createProgress, formatDuration } from '../util/progress.js';
import { loadClaims } from './registry.js';
import { paramsFor, runClaim } from './run.js';
import type { Claim, Scale } from './types.js';

export interface ReproduceOptions {
  ids?: string[];
  scale: Scale;
  /** override the scale's seeds */
  seeds?: number[];
  /** processes to spread each claim's seeds over */
  workers?: number;
  outDir?: string;
  log?: (line: string) => void;
}

export interface ReproduceOutcome {
  id: string;
  ok: boolean;
  record?: RunRecord;
  error?: string;
}

export async function reproduce(opts: ReproduceOptions): Promise<ReproduceOutcome[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const dir = opts.outDir ?? resultsDir();
  await initEngine({ quiet: true });
  const backend = engineInfo()!.choice;
  const all = await loadClaims();
  const wanted = opts.ids?.map((id) => id.toUpperCase());
  const unknown = wanted?.filter((id) => !all.some((c) => c.id === id)) ?? [];
  if (unknown.length) throw new Error(`--claim: unknown claim ${unknown.join(', ')}; registered: ${all.map((c) => c.id).join(', ')}`);
  const claims = wanted ? all.filter((c) => wanted.includes(c.id)) : all;
  const commit = gitCommit();
  const outcomes: ReproduceOutcome[] = [];
  log(`noiselab reproduce: ${claims.length} claim(s) at scale '${opts.scale}' on ${backend}`);
  for (const [i, claim] of claims.entries()) {
    const params = paramsFor(claim, opts.scale, opts.seeds);
    const t0 = performance.now();
    try {
      const progress = createProgress(`${claim.id} seeds`, params.seeds.length);
      const result = await runClaim(claim, params, { workers: opts.workers, onSeed: (done) => progress.update(done) });
      progress.finish();
      const record: RunRecord = {
        id: claim.id, scale: opts.scale, params, verdict: result.verdict, rows: result.rows, figures: result.figures,
        backend, commit, date: new Date().toISOString(), durationSec: (performance.now() - t0) / 1000,
      };
      saveRecord(record, dir);
      outcomes.push({ id: claim.id, ok: true, record });
      log(`[${i + 1}/${claims.length}] ${claim.id} ${result.verdict.status} in ${formatDuration(record.durationSec)}: ${result.verdict.summary}`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      outcomes.push({ id: claim.id, ok: false, error });
      log(`[${i + 1}/${claims.length}] ${claim.id} ERROR: ${error}`);
    }
  }
  writeReport(all, dir);
  log(`report: ${join(dir, 'REPORT.md')}, table: ${join(dir, 'results.csv')}`);
  return outcomes;
}

/** Rewrite REPORT.md and results.csv from every claim's latest stored record. */
export function writeReport(claims: Claim<any>[], dir = resultsDir()): void {
  const records = new Map(claims.map((c) => [c.id, loadRecord(c.id, dir)] as const));
  const rows = reportRows(claims, records);
  writeFileAtomic(join(dir, 'REPORT.md'), markdownReport(rows));
  writeFileAtomic(join(dir, 'results.csv'), csvReport(rows));
}
