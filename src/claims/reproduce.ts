/**
 * Run registered claims at a scale (through their notebooks when the kernel is there), store each
 * result (latest run per claim and scale, plus history), write the verdict of record (data/records)
 * when the run used the scale's own seeds, and rebuild the report (REPORT.md, results.csv, the site).
 * A claim whose parameters, code and backend match a stored run is not computed again unless `fresh`;
 * at full scale a claim whose record is current (same code version) is skipped, so an interrupted
 * full run resumes where it stopped. Smoke runs are never records, and a failed run replaces nothing.
 * With `queue`, the seeds of every claim to compute go on a BullMQ queue at once (queue/sweep.ts) and
 * run on `noiselab worker` processes anywhere; each claim is summarized here as its seeds come in, by
 * the same `summarize` as a local run, and recorded the same way.
 */
import { basename, join, relative } from 'node:path';
import { engineInfo, initEngine } from '../engine/backend.js';
import { buildSite, type SiteSummary } from '../report/site.js';
import { chromiumPath, FigureRenderer } from '../figures/render.js';
import { appendRun, codeVersion, reusableRun, type StoredRun } from '../results/history.js';
import { saveRecord, type RunRecord } from '../results/store.js';
import { provenance, readRecord, ROW_LIMIT, staleness, writeRecord } from '../results/records.js';
import { renameSync, rmSync } from 'node:fs';
import { gitCommit } from '../util/git.js';
import { resultsDir } from '../util/paths.js';
import { createProgress, formatDuration } from '../util/progress.js';
import { selectClaims } from './registry.js';
import { canRunNotebooks, notebookClaimResult, notebookPath, runClaimNotebook } from './notebook-claim.js';
import { paramsFor, runClaim } from './run.js';
import type { BaseParams, Claim, Scale } from './types.js';
import type { RedisTarget } from '../queue/redis.js';
import type { Sweep } from '../queue/sweep.js';

/** Options of `reproduce`: which claims (default all) at which scale, and how to run them. */
export interface ReproduceOptions {
  ids?: string[];
  scale: Scale;
  /** override the scale's seeds (the run is then not a verdict of record) */
  seeds?: number[];
  /** processes to spread each claim's seeds over */
  workers?: number;
  outDir?: string;
  /** run each claim through its notebook (default: when the noiselab kernel is registered) or in this process */
  notebooks?: boolean;
  /** compute again even when the history has a run with the same parameters, code and backend */
  fresh?: boolean;
  /** PNG copies of the figures, in the notebooks and the site (default: when Chromium is installed) */
  staticFigures?: boolean;
  /** seconds a notebook cell may run (0: no limit); default 3600, and no limit at full scale, whose experiment cell can run for hours on a busy machine */
  timeout?: number;
  /** run the seeds on the queue in this Redis (noiselab worker processes) instead of here */
  queue?: { target: RedisTarget; seedTimeoutSec: number; attempts: number };
  /** receives each progress line (default: written to stderr) */
  log?: (line: string) => void;
}

/** What `reproduce` did for one claim: computed, reused or skipped, the record written, or the error. */
export interface ReproduceOutcome {
  id: string;
  ok: boolean;
  /** the result came from the history, not a new computation */
  reused?: boolean;
  /** skipped: its full-scale record is current */
  skipped?: boolean;
  /** the verdict of record written (data/records/<ID>.<scale>.json) */
  recorded?: string;
  record?: RunRecord;
  error?: string;
}

/**
 * Runs the selected claims at a scale, stores each result and its history, writes the verdicts of record, and
 * rebuilds the report; returns one outcome per claim (a failed claim is an outcome with `error`, not a throw).
 */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceOutcome[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const dir = opts.outDir ?? resultsDir();
  await initEngine({ quiet: true });
  const backend = engineInfo()!.choice;
  const claims = await selectClaims(opts.ids);
  const viaNotebooks = !opts.queue && (opts.notebooks ?? canRunNotebooks());
  const renderer = (opts.staticFigures ?? true) && chromiumPath() ? new FigureRenderer() : undefined;
  const code = codeVersion();
  const outcomes: ReproduceOutcome[] = [];
  log(`noiselab reproduce: ${claims.length} claim(s) at scale '${opts.scale}' on ${backend}, ${opts.queue ? `seeds on the queue at ${opts.queue.target.url}` : viaNotebooks ? 'through their notebooks' : 'in this process'}`);
  // what each claim needs: nothing (a current full record), its stored run, or a computation
  const plans = claims.map((claim) => {
    const params = paramsFor(claim, opts.scale, opts.seeds);
    const ofRecord = opts.scale !== 'smoke' && !opts.seeds;
    try {
      const current = opts.scale === 'full' && ofRecord && !opts.fresh ? readRecord(claim.id, 'full') : null;
      if (current && staleness(current, claim.slug).length === 0) return { claim, params, ofRecord, current };
      const stored = opts.fresh ? null : reusableRun(claim.id, { params, code, backend, scale: opts.scale }, dir);
      return { claim, params, ofRecord, stored };
    } catch (e) {
      return { claim, params, ofRecord, error: e instanceof Error ? e.message : String(e) };
    }
  });
  let sweep: Sweep | undefined;
  let submittedAt = performance.now();
  const progress = createProgress('claims', claims.length);
  let site: SiteSummary;
  try {
    if (opts.queue) {
      const { Sweep } = await import('../queue/sweep.js');
      sweep = await Sweep.open(opts.queue.target, { backend, timeoutSec: opts.queue.seedTimeoutSec, attempts: opts.queue.attempts, log });
      await sweep.submit(plans.filter((p) => !p.error && !p.current && !p.stored).map((p) => ({ id: p.claim.id, params: p.params })));
      submittedAt = performance.now();
    }
    for (const [i, { claim, params, ofRecord, current, stored, error: planError }] of plans.entries()) {
      try {
        if (planError) throw new Error(planError);
        if (current) {
          outcomes.push({ id: claim.id, ok: true, skipped: true });
          log(`[${i + 1}/${claims.length}] ${claim.id} full record is current (${current.verdict.status}, ${current.provenance.date.slice(0, 16)}); skipped (--fresh recomputes)`);
          progress.update(i + 1, claim.id);
          continue;
        }
        const record = stored ? toRecord(stored) : await compute(claim, params, { ...opts, dir, backend, viaNotebooks, renderer, sweep, submittedAt, log });
        saveRecord(record, dir);
        if (!stored) appendRun(record, { code }, dir);
        const recorded = ofRecord && !stored && record.verdict.effects.length ? writeRecord({
          id: claim.id, scale: opts.scale, seeds: params.seeds, params: record.params, verdict: record.verdict,
          rows: record.rows.length <= ROW_LIMIT ? record.rows : null,
          provenance: await provenance(claim.id, claim.slug, opts.scale, { backend, threads: null, runtimeSec: record.durationSec }),
        }) : undefined;
        outcomes.push({ id: claim.id, ok: true, record, reused: Boolean(stored), recorded });
        log(`[${i + 1}/${claims.length}] ${claim.id} ${record.verdict.status} ${stored ? `(stored run of ${record.date.slice(0, 16)}, same code and parameters; --fresh recomputes)` : `in ${formatDuration(record.durationSec)}`}: ${record.verdict.summary}`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        outcomes.push({ id: claim.id, ok: false, error });
        log(`[${i + 1}/${claims.length}] ${claim.id} ERROR: ${error}`);
      }
      progress.update(i + 1, claim.id);
    }
    progress.finish();
    site = await buildSite({ resultsDir: dir, renderer });
  } finally {
    await sweep?.close();
    await renderer?.close();
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  const counts = outcomes.reduce<Record<string, number>>((m, o) => (o.record && (m[o.record.verdict.status] = (m[o.record.verdict.status] ?? 0) + 1), m), {});
  log(`${outcomes.length} claim(s): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}${failed ? `, ${failed} failed` : ''}; ` +
    `${outcomes.filter((o) => o.reused).length} reused from the history`);
  log(`report: ${site.report}, table: ${join(dir, 'results.csv')}, site: ${site.index}`);
  return outcomes;
}

function toRecord(run: StoredRun): RunRecord {
  const { run: _run, code: _code, paramsKey: _key, ...record } = run;
  return record;
}

type ComputeContext = ReproduceOptions & { dir: string; backend: string; viaNotebooks: boolean; renderer?: FigureRenderer; sweep?: Sweep; submittedAt: number; log: (line: string) => void };

async function compute<P extends BaseParams>(claim: Claim<P, any>, params: P, ctx: ComputeContext): Promise<RunRecord> {
  const t0 = performance.now();
  const base = { id: claim.id, scale: ctx.scale, backend: ctx.backend, commit: gitCommit() };
  if (ctx.sweep) {
    // the same summary as runClaim's, of the same seeds' results, computed on other machines
    const { describeReport } = await import('../queue/sweep.js');
    const { perSeed, report } = await ctx.sweep.collect(claim.id).catch((e) => {
      if (e.report) ctx.log(describeReport(e.report));
      throw e;
    });
    ctx.log(describeReport(report));
    const result = claim.summarize(params, perSeed);
    return { ...base, params, verdict: result.verdict, rows: result.rows, figures: result.figures, date: new Date().toISOString(), durationSec: (performance.now() - ctx.submittedAt) / 1000 };
  }
  if (ctx.viaNotebooks) {
    // per scale, and moved into place only when the run completed: a failed run replaces no notebook
    const notebook = join(ctx.dir, 'notebooks', ctx.scale, basename(notebookPath(claim)));
    const partial = notebook.replace(/\.ipynb$/, `.partial-${process.pid}.ipynb`);
    try {
      const timeout = ctx.timeout ?? (ctx.scale === 'full' ? 0 : 3600);
      const r = await runClaimNotebook(claim, { scale: ctx.scale, seeds: ctx.seeds, workers: ctx.workers ?? 1, output: partial, staticFigures: ctx.renderer, timeout });
      const result = notebookClaimResult(r);
      renameSync(partial, notebook);
      return {
        ...base, params: r.shown!.params, verdict: result.verdict, rows: result.rows, figures: result.figures,
        date: new Date().toISOString(), durationSec: r.run.durationSec, notebook: relative(ctx.dir, notebook),
      };
    } finally {
      rmSync(partial, { force: true });
    }
  }
  const seedProgress = createProgress(`${claim.id} seeds`, params.seeds.length);
  const result = await runClaim(claim, params, { workers: ctx.workers, onSeed: (done) => seedProgress.update(done) });
  seedProgress.finish();
  return { ...base, params, verdict: result.verdict, rows: result.rows, figures: result.figures, date: new Date().toISOString(), durationSec: (performance.now() - t0) / 1000 };
}
