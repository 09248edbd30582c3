/**
 * The submitting side: puts one job per claim x seed on the queue and gathers the seeds' results as
 * workers store them, so the caller can summarize each claim the way a local run does.
 *
 * It submits nothing twice: a seed whose result is stored is not enqueued, a job already queued is
 * left alone (equal ids), and a job that failed before is replaced by a fresh one. It loses nothing:
 * a job that vanished from Redis (one restarted without its AOF) is enqueued again. Parent/child
 * flows are deliberately not used: a flow re-added with the same ids can leave its parent waiting
 * for ever (BullMQ #2554), and a failed child holds its parent unless told otherwise (#3362); the
 * verdict needs nothing from Redis but the seeds' results, so the submitter summarizes, and running
 * the same command again resumes an interrupted sweep.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { claimCodeVersion } from './claims.js';
import { getResults, QUEUE_NAME, readRuns, type RunEvent, type SeedJob } from './jobs.js';
import { canonicalJson } from '../results/history.js';
import { connect, type RedisTarget } from './redis.js';
import { parseExact } from '../util/json-exact.js';

/**
 * A job's id: claim, seed and a hash of the parameters, code version and backend. Equal work gets
 * equal ids, so a duplicate submission is one job (BullMQ ignores an add whose id exists).
 */
export function jobId(j: Pick<SeedJob, 'claim' | 'seed' | 'params' | 'code' | 'backend'>): string {
  const h = createHash('sha256').update(canonicalJson({ params: j.params, code: j.code, backend: j.backend })).digest('hex').slice(0, 16);
  return `${j.claim}-s${j.seed}-${h}`;
}

export interface SweepOptions {
  /** the backend the seeds must run on (the submitter's) */
  backend: string;
  /** seconds a seed may run before its worker stops it (0: no limit) */
  timeoutSec: number;
  /** executions a throwing seed gets before it is reported failed */
  attempts: number;
  log?: (line: string) => void;
  /** milliseconds between looks for new results */
  pollMs?: number;
}

export interface ReExecution {
  seed: number;
  /** executions started (2 or more) */
  executions: number;
  /** why each execution after the first happened */
  why: string[];
}

/** What the queue did for one claim. */
export interface ClaimQueueReport {
  id: string;
  seeds: number;
  /** seeds whose results were already stored when submitted (not enqueued) */
  alreadyStored: number;
  /** seed executions started by workers (the run logs keep those of earlier submissions of the same jobs) */
  executions: number;
  reExecutions: ReExecution[];
  /** seeds whose executions stored different results (a determinism failure) */
  differing: number[];
  failed: { seed: number; error: string }[];
}

interface Tracked {
  seed: number;
  id: string;
  data: SeedJob;
  result?: string;
  error?: string;
  stored: boolean;
}

/** A claim's parameters: its seeds and whatever else its seed function reads. */
export type SweepParams = { seeds: number[]; [key: string]: unknown };

interface ClaimEntry {
  params: SweepParams;
  jobs: Tracked[];
  waiters: { resolve: (r: { perSeed: unknown[]; report: ClaimQueueReport }) => void; reject: (e: Error) => void }[];
  settled?: { perSeed: unknown[]; report: ClaimQueueReport } | Error;
  shown: number;
}

export class Sweep {
  private readonly claims = new Map<string, ClaimEntry>();
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private polling: Promise<void> | null = null;
  private readonly log: (line: string) => void;

  private constructor(private readonly redis: Redis, private readonly queue: Queue<SeedJob>, private readonly queueRedis: Redis, private readonly opts: SweepOptions) {
    this.log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
  }

  static async open(target: RedisTarget, opts: SweepOptions): Promise<Sweep> {
    const redis = connect(target, `noiselab-submit-${process.pid}`);
    const queueRedis = connect(target, `noiselab-submit-q-${process.pid}`);
    const queue = new Queue<SeedJob>(QUEUE_NAME, { connection: queueRedis });
    queue.on('error', () => {});
    await queue.waitUntilReady();
    return new Sweep(redis, queue, queueRedis, opts);
  }

  /** Enqueue every seed of these claims that has no stored result and is not queued already. */
  async submit(claims: { id: string; params: SweepParams }[]): Promise<void> {
    for (const c of claims) {
      const code = await claimCodeVersion(c.id, this.opts.backend);
      const jobs = c.params.seeds.map((seed): Tracked => {
        const data: SeedJob = { claim: c.id, seed, params: c.params, code, backend: this.opts.backend, timeoutSec: this.opts.timeoutSec };
        return { seed, id: jobId(data), data, stored: false };
      });
      const results = await getResults(this.redis, jobs.map((j) => j.id));
      let queued = 0;
      let fresh = 0;
      await Promise.all(jobs.map(async (j, i) => {
        if (results[i] !== null) {
          j.result = results[i]!;
          j.stored = true;
          return;
        }
        const state = await this.queue.getJobState(j.id);
        // a failed job gets a fresh one (new attempts, this submission's time limit)
        if (state === 'failed' || state === 'completed') await (await this.queue.getJob(j.id))?.remove();
        if (state === 'unknown' || state === 'failed' || state === 'completed') {
          await this.enqueue(j);
          fresh++;
        } else {
          queued++;
        }
      }));
      this.claims.set(c.id, { params: c.params, jobs, waiters: [], shown: -1 });
      const stored = jobs.filter((j) => j.stored).length;
      this.log(`queue: ${c.id}: ${jobs.length} seed(s): ${fresh} enqueued${queued ? `, ${queued} already queued` : ''}${stored ? `, ${stored} already stored (not enqueued)` : ''}`);
    }
    this.timer ??= setInterval(() => {
      this.polling ??= this.poll().catch((e) => this.log(`queue: ${(e as Error).message} (retrying)`)).finally(() => { this.polling = null; });
    }, this.opts.pollMs ?? 200);
  }

  private async enqueue(j: Tracked): Promise<void> {
    await this.queue.add(`${j.data.claim}/${j.seed}`, j.data, {
      jobId: j.id, attempts: this.opts.attempts, backoff: { type: 'fixed', delay: 1000 },
      // the result lives in its own key (queue/jobs.ts); a failed job stays for its reason
      removeOnComplete: true, removeOnFail: false,
    });
  }

  /** All seeds of a claim, in the order of its seeds, once every one is in; rejects naming failed seeds. */
  collect(id: string): Promise<{ perSeed: unknown[]; report: ClaimQueueReport }> {
    const e = this.claims.get(id);
    if (!e) return Promise.reject(new Error(`claim ${id} was not submitted`));
    return new Promise((resolve, reject) => {
      e.waiters.push({ resolve, reject });
      this.settle(id, e).catch(reject);
    });
  }

  private async poll(): Promise<void> {
    const checkStates = this.ticks++ % 5 === 0;
    for (const [id, e] of this.claims) {
      if (e.settled) continue;
      const open = e.jobs.filter((j) => j.result === undefined && j.error === undefined);
      const results = await getResults(this.redis, open.map((j) => j.id));
      open.forEach((j, i) => { if (results[i] !== null) j.result = results[i]!; });
      if (checkStates) {
        await Promise.all(open.filter((j) => j.result === undefined).map(async (j) => {
          const state = await this.queue.getJobState(j.id);
          if (state === 'failed') {
            const job = await this.queue.getJob(j.id);
            j.error = `${job?.failedReason ?? 'failed'} (after ${job?.attemptsMade ?? '?'} attempt(s))`;
          } else if (state === 'unknown' && (await getResults(this.redis, [j.id]))[0] === null) {
            this.log(`queue: ${id} seed ${j.seed}: its job is missing from Redis (restarted without its AOF?); enqueued again`);
            await this.enqueue(j);
          }
        }));
      }
      const done = e.jobs.filter((j) => j.result !== undefined).length;
      if (done !== e.shown) {
        e.shown = done;
        this.log(`queue: ${id} ${done}/${e.jobs.length} seeds done`);
      }
      await this.settle(id, e);
    }
  }

  private async settle(id: string, e: ClaimEntry): Promise<void> {
    if (!e.settled && e.jobs.every((j) => j.result !== undefined || j.error !== undefined)) {
      const report = await this.report(id, e);
      e.settled = report.failed.length
        ? Object.assign(new Error(`${id}: ${report.failed.length} of ${e.jobs.length} seed(s) failed on the queue: ${report.failed.map((f) => `seed ${f.seed}: ${f.error}`).join('; ')}`), { report })
        : { perSeed: e.jobs.map((j) => parseExact(j.result!)), report };
    }
    const settled = e.settled;
    if (!settled) return;
    for (const w of e.waiters.splice(0)) settled instanceof Error ? w.reject(settled) : w.resolve(settled);
  }

  /** Executions and their reasons, from the jobs' run logs. */
  async report(id: string, e = this.claims.get(id)!): Promise<ClaimQueueReport> {
    const runs = await readRuns(this.redis, e.jobs.map((j) => j.id));
    const live = await this.liveWorkers();
    const out: ClaimQueueReport = { id, seeds: e.jobs.length, alreadyStored: e.jobs.filter((j) => j.stored).length, executions: 0, reExecutions: [], differing: [], failed: [] };
    for (const j of e.jobs) {
      const events = runs.get(j.id) ?? [];
      const starts = events.filter((x): x is Extract<RunEvent, { ev: 'start' }> => x.ev === 'start');
      out.executions += starts.length;
      if (events.some((x) => x.ev === 'end' && x.outcome === 'different')) out.differing.push(j.seed);
      if (j.error !== undefined) out.failed.push({ seed: j.seed, error: j.error });
      if (starts.length > 1) out.reExecutions.push({ seed: j.seed, executions: starts.length, why: starts.slice(1).map((s, i) => whyAgain(starts[i], s, events, live)) });
    }
    return out;
  }

  /** Names of the workers connected to Redis now (their connections are named), or null if Redis will not say. */
  private async liveWorkers(): Promise<Set<string> | null> {
    try {
      const list = (await this.redis.client('LIST')) as string;
      return new Set([...list.matchAll(/\bname=noiselab-worker-(\S+)/g)].map((m) => m[1]));
    } catch {
      return null; // CLIENT is often disabled on managed Redis
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await this.queue.close().catch(() => {});
    for (const c of [this.redis, this.queueRedis]) await c.quit().catch(() => c.disconnect());
  }
}

/** Why execution `next` happened after `prev` started; `live`: the workers connected now (null: unknown). */
function whyAgain(prev: Extract<RunEvent, { ev: 'start' }>, next: Extract<RunEvent, { ev: 'start' }>, events: RunEvent[], live: Set<string> | null): string {
  const end = events.find((x): x is Extract<RunEvent, { ev: 'end' }> => x.ev === 'end' && x.run === prev.run);
  const after = `${((next.at - prev.at) / 1000).toFixed(1)} s after ${prev.worker} had started it`;
  if (end?.outcome === 'error' || end?.outcome === 'timeout') return `retry after an error on ${prev.worker}: ${end.error ?? end.outcome}`;
  if (!end && live && !live.has(prev.worker)) return `${prev.worker} stopped mid-job (killed, or gone); taken again by ${next.worker} ${after}, once its lock had expired`;
  if (end || live) return `ran again on ${next.worker} while ${prev.worker} was still running it (its lock expired: Redis unreachable or restarted, or the worker too slow to renew it); ${after}; the result is stored once`;
  return `${prev.worker} lost its lock mid-job (killed, cut off from Redis, or stalled); taken again by ${next.worker} ${after}`;
}

/** One line per claim: executions, re-executions and why. */
export function describeReport(r: ClaimQueueReport): string {
  const parts = [`${r.id}: ${r.seeds} seed(s) on the queue, ${r.executions} execution(s)`];
  if (r.alreadyStored) parts.push(`${r.alreadyStored} already stored`);
  if (!r.reExecutions.length) parts.push('no re-execution');
  for (const x of r.reExecutions) parts.push(`seed ${x.seed} ran ${x.executions} times: ${x.why.join('; ')}`);
  if (r.differing.length) parts.push(`DIFFERENT results from repeated executions of seeds ${r.differing.join(', ')} (the first is kept)`);
  if (r.failed.length) parts.push(`${r.failed.length} failed`);
  return parts.join('; ');
}
