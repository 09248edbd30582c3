/**
 * A queue worker: takes seed jobs from BullMQ and runs each in a sandbox process (queue/sandbox.ts),
 * `concurrency` at a time, the machine's cores shared among them.
 *
 * The guards, each against a way BullMQ alone can run a seed twice or lose one:
 * - seeds run outside the worker's event loop, so lock renewal never waits for the CPU (#2857);
 * - a job whose result is already stored completes without running (a re-delivery after its first
 *   execution finished), and a running job whose result appears (another execution finished first
 *   after this one's lock had expired) stops its seed;
 * - results are written once (SET NX, queue/jobs.ts), every execution is logged;
 * - a stall (a worker gone) puts the job back up to MAX_STALLS times, which do not count against its
 *   attempts: BullMQ fails a job that stalls more than maxStalledCount without its retry rules
 *   (#651), and a killed or restarted worker should cost a re-run, not a failure;
 * - a time limit per seed, enforced here by killing the sandbox: BullMQ has no job timeout (#136);
 * - a worker whose code differs from the submitter's refuses the job instead of computing other numbers.
 */
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { claimCodeVersion, resolveClaim } from './claims.js';
import { logRun, putResult, QUEUE_NAME, resultKey, type RunOutcome, type SeedJob } from './jobs.js';
import { connect, shownUrl, type RedisTarget } from './redis.js';
import { SeedSandbox, SeedTimeout } from './sandbox.js';
import { stringifyExact } from '../util/json-exact.js';

/** Stalls (a worker died or lost Redis past the lock) a job survives before it is failed. */
export const MAX_STALLS = 5;

export interface WorkerOptions {
  target: RedisTarget;
  /** seeds at once (default: the cores) */
  concurrency?: number;
  /** seconds a job stays claimed by a silent worker before another may take it (default 30) */
  lockSec?: number;
  log?: (line: string) => void;
  /** run seeds in this process instead of sandboxes (the bench's measure of the queue alone) */
  inline?: boolean;
}

export interface SeedWorker {
  name: string;
  /** stop taking jobs, let the running ones finish, then leave */
  close(): Promise<void>;
  /** leave now: running seeds are killed (their jobs go to another worker when their locks expire) */
  abort(): Promise<void>;
}

/** Sandboxes kept warm between seeds, one per slot, each on the backend its last job wanted. */
class SandboxPool {
  private idle: SeedSandbox[] = [];
  private busy = new Set<SeedSandbox>();
  constructor(private readonly slots: number, private readonly threads: number) {}
  take(backend: string): SeedSandbox {
    const i = this.idle.findIndex((s) => s.backend === backend);
    if (i < 0 && this.idle.length + this.busy.size >= this.slots) this.idle.shift()?.kill();
    const s = i >= 0 ? this.idle.splice(i, 1)[0] : new SeedSandbox(backend, this.threads);
    this.busy.add(s);
    return s;
  }
  give(s: SeedSandbox): void {
    this.busy.delete(s);
    this.idle.push(s);
  }
  /** kill every sandbox, idle or running (a running seed's job then fails here or stalls) */
  killAll(): void {
    for (const s of [...this.idle, ...this.busy]) s.kill();
  }
}

export async function startWorker(opts: WorkerOptions): Promise<SeedWorker> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const concurrency = opts.concurrency ?? availableParallelism();
  const lockMs = Math.round((opts.lockSec ?? 30) * 1000);
  const name = `${hostname()}:${process.pid}`;
  const redis = connect(opts.target, `noiselab-worker-${name}`);
  const pool = new SandboxPool(concurrency, Math.max(1, Math.floor(availableParallelism() / concurrency)));
  let quietUntil = 0;

  const processor = async (job: Job<SeedJob>) => {
    const d = job.data;
    const id = job.id!;
    const what = `${d.claim} seed ${d.seed}`;
    if (await redis.exists(resultKey(id))) {
      await logRun(redis, id, { ev: 'had-result', worker: name, at: Date.now() });
      log(`${what}: its result is already stored (an earlier execution finished); completed without running`);
      return { ran: false };
    }
    let mine: string;
    try {
      mine = await claimCodeVersion(d.claim, d.backend);
    } catch (e) {
      throw new UnrecoverableError(`worker ${name} cannot run ${what}: ${(e as Error).message}`);
    }
    if (mine !== d.code) {
      throw new UnrecoverableError(`worker ${name} has code version ${mine} for claim ${d.claim}, the submitter ${d.code}: ` +
        'check out the submitter\'s commit on the worker, rebuild (npm run build), restart it, and submit again');
    }
    const run = randomUUID().slice(0, 8);
    const t0 = Date.now();
    await logRun(redis, id, { ev: 'start', run, worker: name, at: t0, attempt: job.attemptsMade + 1 });
    log(`${what}: started (attempt ${job.attemptsMade + 1}, run ${run})`);
    const end = (outcome: RunOutcome, error?: string) => logRun(redis, id, { ev: 'end', run, worker: name, at: Date.now(), outcome, error });
    const sandbox = opts.inline ? null : pool.take(d.backend);
    let superseded = false;
    // another execution of this job (after this one's lock expired) may finish first: stop ours then
    let looking = false; // one look at a time: while Redis is down they would pile up
    const watch = setInterval(() => {
      if (looking) return;
      looking = true;
      redis.exists(resultKey(id)).then((n) => { if (n && !superseded) { superseded = true; sandbox?.kill(); } }, () => {}).finally(() => { looking = false; });
    }, 1000);
    try {
      const { text, leaked } = sandbox
        ? await sandbox.run({ id: d.claim, params: d.params, seed: d.seed }, d.timeoutSec * 1000)
        : { text: stringifyExact(await (await resolveClaim(d.claim)).seed(d.params, d.seed)), leaked: 0 };
      const outcome = await putResult(redis, id, text);
      await end(outcome);
      if (outcome === 'different') log(`${what}: WARNING: another execution stored a different result (the seed is not deterministic); the first one is kept`);
      if (leaked) {
        log(`${what}: left ${leaked} tensors behind; its sandbox is replaced`);
        sandbox?.kill();
      }
      log(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s${outcome === 'ok' ? '' : ` (${outcome}: another execution stored its result first)`}`);
      return { ran: true };
    } catch (e) {
      const msg = (e as Error).message;
      if (superseded) {
        await end('superseded');
        log(`${what}: stopped: another execution stored its result first`);
        return { ran: false };
      }
      if (e instanceof SeedTimeout) {
        await end('timeout', msg);
        log(`${what}: ${msg}`);
        // a seed is deterministic: one that ran past its limit would again
        throw new UnrecoverableError(`${what}: ${msg}`);
      }
      await end('error', msg);
      log(`${what}: failed: ${msg}`);
      throw new Error(`${what}: ${msg}`);
    } finally {
      clearInterval(watch);
      if (sandbox) pool.give(sandbox);
    }
  };

  // BullMQ duplicates this one for its blocking reads and closes the duplicate; ours we close ourselves
  const bullConnection = connect(opts.target, `noiselab-bullmq-${name}`);
  const worker = new Worker<SeedJob>(QUEUE_NAME, processor, {
    connection: bullConnection,
    name, concurrency, lockDuration: lockMs, stalledInterval: Math.max(250, Math.round(lockMs / 2)), maxStalledCount: MAX_STALLS,
    autorun: false,
  });
  worker.on('error', (e: Error & { code?: string }) => {
    const outage = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection is closed/.test(`${e.code ?? ''} ${e.message}`);
    if (!outage) return log(`worker ${name}: ${e.message}`);
    if (Date.now() < quietUntil) return; // one line per 10 s while Redis is away
    quietUntil = Date.now() + 10_000;
    log(`worker ${name}: Redis unreachable (${e.code ?? e.message}); reconnecting by itself, running seeds go on`);
  });
  worker.on('lockRenewalFailed', (ids: string[]) => log(`worker ${name}: could not renew the lock of ${ids.join(', ')}: another worker may run them too; their results are written once`));
  await worker.waitUntilReady();
  void worker.run();
  log(`worker ${name}: taking seeds from ${shownUrl(opts.target)} (queue ${QUEUE_NAME}), ${concurrency} at a time, lock ${lockMs / 1000} s`);

  let closing: Promise<void> | null = null;
  return {
    name,
    close: () => (closing ??= (async () => {
      await worker.close();
      pool.killAll();
      for (const c of [redis, bullConnection]) await c.quit().catch(() => c.disconnect());
    })()),
    abort: async () => {
      // connections first, so the killed seeds' jobs are not failed but left to stall and go elsewhere
      await worker.close(true).catch(() => {});
      for (const c of [redis, bullConnection]) c.disconnect();
      pool.killAll();
    },
  };
}
