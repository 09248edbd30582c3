/**
 * The queue's figure (`npm run bench -- queue`): on a private redis-server (AOF, appendfsync always,
 * as the tests and the README's setup), throughput with 1, 2 and 4 `noiselab worker` processes (one
 * seed at a time each) for 1-second jobs, and the queue's overhead per job for 10-ms jobs, with the
 * seeds in warm sandbox processes (what a sweep pays) and run inside the worker (the queue alone:
 * BullMQ, Redis, the result and run-log writes), the latter also with appendfsync everysec.
 *
 * The 1-s jobs sleep: they measure how well the queue keeps workers fed, not the cores (seeds that
 * compute scale with the machines' cores, which a queue does not change). Each measure starts from
 * warm workers: a first round lets every worker start its sandbox.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { startWorker } from '../src/queue/worker.js';
import { parseRedisUrl } from '../src/queue/redis.js';
import { openSweep, WorkerProcess } from '../test/queue/helpers.js';
import { LocalRedis } from '../test/queue/redis-server.js';

export interface QueueBench {
  cores: number;
  /** 1-s jobs: jobs per second with `workers` worker processes */
  throughput: { workers: number; jobs: number; wallSec: number; perSec: number }[];
  /** 10-ms jobs on one worker: ms per job beyond the job's own 10 ms */
  overhead: { mode: string; jobs: number; submitMs: number; wallSec: number; perJobMs: number }[];
}

const log = (l: string) => process.stderr.write(`bench: ${l}\n`);

/** Submit `seeds` jobs of claim `id` and wait for all; returns wall seconds and the submission's ms. */
async function round(url: string, id: 'Q1', seeds: number, ms: number): Promise<{ wallSec: number; submitMs: number }> {
  const sweep = await openSweep(url, { pollMs: 20 });
  // a fresh nonce: fresh job ids, nothing already stored
  const params = { seeds: Array.from({ length: seeds }, (_, i) => i + 1), ms, nonce: randomBytes(6).toString('hex') };
  const t0 = performance.now();
  await sweep.submit([{ id, params }]);
  const submitMs = performance.now() - t0;
  const { report } = await sweep.collect(id);
  const wallSec = (performance.now() - t0) / 1000;
  await sweep.close();
  if (report.executions !== seeds) log(`note: ${report.executions} executions for ${seeds} jobs`);
  return { wallSec, submitMs };
}

export async function benchQueue(): Promise<QueueBench> {
  const redis = await LocalRedis.start();
  const workers: WorkerProcess[] = [];
  const out: QueueBench = { cores: availableParallelism(), throughput: [], overhead: [] };
  try {
    for (const k of [1, 2, 4]) {
      while (workers.length < k) workers.push(new WorkerProcess(redis.url, ['--concurrency', '1']));
      await Promise.all(workers.map((w) => w.ready()));
      await round(redis.url, 'Q1', k, 10); // warm: every idle worker takes one and starts its sandbox
      const jobs = 12;
      log(`${k} worker(s), ${jobs} 1-s jobs ...`);
      const { wallSec } = await round(redis.url, 'Q1', jobs, 1000);
      out.throughput.push({ workers: k, jobs, wallSec, perSec: jobs / wallSec });
    }
    for (const w of workers.splice(1)) { w.killGroup(); await w.exited; }
    const jobs = 200;
    log(`1 worker, ${jobs} 10-ms jobs in its sandbox ...`);
    await round(redis.url, 'Q1', 2, 10);
    const s = await round(redis.url, 'Q1', jobs, 10);
    out.overhead.push({ mode: 'seeds in its warm sandbox process', jobs, submitMs: s.submitMs, wallSec: s.wallSec, perJobMs: (s.wallSec * 1000) / jobs - 10 });
    workers[0].killGroup();
    await workers[0].exited;
    workers.length = 0;
    log(`1 worker, ${jobs} 10-ms jobs run inside it ...`);
    out.overhead.push({ mode: 'seeds run inside the worker (the queue alone)', jobs, ...await inlineRound(redis, jobs) });
  } finally {
    for (const w of workers) w.killGroup();
    await Promise.all(workers.map((w) => w.exited));
    await redis.stop();
  }
  log(`1 worker, ${200} 10-ms jobs run inside it, appendfsync everysec ...`);
  const everysec = await LocalRedis.start('everysec');
  try {
    out.overhead.push({ mode: 'the same, Redis with appendfsync everysec', jobs: 200, ...await inlineRound(everysec, 200) });
  } finally {
    await everysec.stop();
  }
  return out;
}

/** 10-ms jobs on a worker in this process that runs them itself: the queue's own cost. */
async function inlineRound(redis: LocalRedis, jobs: number): Promise<{ submitMs: number; wallSec: number; perJobMs: number }> {
  const inline = await startWorker({ target: parseRedisUrl('redis', redis.url), concurrency: 1, inline: true, log: () => {} });
  try {
    await round(redis.url, 'Q1', 2, 10);
    const r = await round(redis.url, 'Q1', jobs, 10);
    return { ...r, perJobMs: (r.wallSec * 1000) / jobs - 10 };
  } finally {
    await inline.close();
  }
}

export function queueMarkdown(b: QueueBench): string[] {
  const f = (x: number, d = 2) => x.toFixed(d);
  return [
    `## Queue: throughput and overhead (BullMQ on a local redis-server, AOF with appendfsync always; ${b.cores} cores; worker processes taking one seed at a time)`, '',
    '| workers | 1-s jobs | wall (s) | jobs/s | of the ideal (one job/s per worker) |',
    '|---|---|---|---|---|',
    ...b.throughput.map((t) => `| ${t.workers} | ${t.jobs} | ${f(t.wallSec)} | ${f(t.perSec)} | ${(100 * t.perSec / t.workers).toFixed(0)}% |`),
    '',
    '| 10-ms jobs, 1 worker | jobs | submitting them (ms) | wall (s) | overhead per job (ms) |',
    '|---|---|---|---|---|',
    ...b.overhead.map((o) => `| ${o.mode} | ${o.jobs} | ${f(o.submitMs, 0)} | ${f(o.wallSec)} | ${f(o.perJobMs, 1)} |`),
  ];
}
