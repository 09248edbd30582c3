/**
 * The queue with a real redis-server and `noiselab worker` processes: a queued run gives the same
 * rows and verdict as a local one, bit for bit; 1, 2 and 4 workers each take every job once and
 * share them; a duplicate submission runs nothing twice, and a re-delivered job whose result is
 * stored completes without running.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { claimCodeVersion } from '../../src/queue/claims.js';
import { QUEUE_NAME, readRuns, type SeedJob } from '../../src/queue/jobs.js';
import { jobId } from '../../src/queue/sweep.js';
import { parseExact, stringifyExact } from '../../src/util/json-exact.js';
import { BIN, haveRedis, openSweep, sleep, starts, WorkerProcess } from './helpers.js';
import { LocalRedis } from './redis-server.js';

/** `noiselab <args>` to completion. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.skipIf(!haveRedis && !process.env.CI)('queue (redis-server on a free port)', () => {
  let redis: LocalRedis;
  const workers: WorkerProcess[] = [];
  const worker = (args: string[] = []) => {
    const w = new WorkerProcess(redis.url, ['--concurrency', '1', ...args]);
    workers.push(w);
    return w;
  };

  beforeAll(async () => { redis = await LocalRedis.start(); });
  afterAll(async () => {
    for (const w of workers) w.killGroup();
    await Promise.all(workers.map((w) => w.exited));
    await redis?.stop();
  });

  it('a queued and a local run of the same claim and seeds give bit-identical rows and verdicts', async () => {
    const [local, queued] = [tempDir(), tempDir()];
    const common = ['--claim', 'A13', '--scale', 'smoke', '--no-static-figures'];
    // local: the seeds one after the other in the submitting process (no serialization at all);
    // queued: in a worker's sandbox, on all the cores, the results through Redis as exact JSON
    const l = await cli(['reproduce', ...common, '--in-process', '--workers', '1', '--out', local]);
    expect(l.status, l.stderr).toBe(0);
    const w = worker();
    await w.ready();
    const q = await cli(['reproduce', ...common, '--queue', redis.url, '--out', queued]);
    expect(q.status, `${q.stderr}\n--- worker:\n${w.log}`).toBe(0);
    const read = (dir: string) => parseExact(readFileSync(join(dir, 'A13.smoke.json'), 'utf8')) as { rows: unknown[]; verdict: unknown; params: unknown };
    const [a, b] = [read(local), read(queued)];
    expect(a.rows.length).toBeGreaterThan(0);
    expect(stringifyExact(b.params)).toBe(stringifyExact(a.params));
    expect(stringifyExact(b.rows)).toBe(stringifyExact(a.rows));
    expect(stringifyExact(b.verdict)).toBe(stringifyExact(a.verdict));
    // progress per claim as seeds finish, and the executions
    expect(q.stderr).toMatch(/queue: A13 2\/2 seeds done/);
    expect(q.stderr).toMatch(/A13: 2 seed\(s\) on the queue, 2 execution\(s\); no re-execution/);
    expect(q.stderr).toMatch(/seeds on the queue at redis:\/\/127\.0\.0\.1/);
  }, 240_000);

  it('1, 2 and 4 workers: every job runs exactly once and every worker takes some', async () => {
    while (workers.length < 1) worker();
    for (const k of [1, 2, 4]) {
      while (workers.length < k) worker();
      await Promise.all(workers.map((w) => w.ready()));
      const dir = tempDir();
      const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
      const params = { seeds, ms: 300, dir };
      const sweep = await openSweep(redis.url);
      await sweep.submit([{ id: 'Q1', params }]);
      const { perSeed, report } = await sweep.collect('Q1');
      await sweep.close();
      expect(perSeed.map((r) => (r as { seed: number }).seed)).toEqual(seeds);
      expect(report).toMatchObject({ executions: 8, reExecutions: [], failed: [] });
      expect(starts(dir).map((s) => s.seed).sort((x, y) => x - y)).toEqual(seeds);
      const c = new Redis(redis.url);
      const code = await claimCodeVersion('Q1', 'native');
      const runs = await readRuns(c, seeds.map((seed) => jobId({ claim: 'Q1', seed, params, code, backend: 'native' })));
      c.disconnect();
      const by = new Set([...runs.values()].flat().map((e) => e.worker));
      expect(by.size, `${k} worker(s) ran ${[...by].join(', ')}`).toBe(k);
    }
  }, 120_000);

  it('a duplicate submission runs nothing twice; stored seeds are not enqueued again; a re-delivered job does not run', async () => {
    while (workers.length < 2) worker();
    await Promise.all(workers.map((w) => w.ready()));
    const dir = tempDir();
    const seeds = [1, 2, 3, 4, 5, 6];
    const params = { seeds, ms: 200, dir };
    const [s1, s2] = await Promise.all([openSweep(redis.url), openSweep(redis.url)]);
    await Promise.all([s1.submit([{ id: 'Q1', params }]), s2.submit([{ id: 'Q1', params }])]);
    const [r1, r2] = await Promise.all([s1.collect('Q1'), s2.collect('Q1')]);
    expect(stringifyExact(r2.perSeed)).toBe(stringifyExact(r1.perSeed));
    expect(starts(dir).map((s) => s.seed).sort((x, y) => x - y)).toEqual(seeds); // each seed ran once
    expect(r1.report).toMatchObject({ executions: 6, reExecutions: [] });
    await Promise.all([s1.close(), s2.close()]);

    const s3 = await openSweep(redis.url);
    await s3.submit([{ id: 'Q1', params }]);
    expect(s3.lines[0]).toBe('queue: Q1: 6 seed(s): 0 enqueued, 6 already stored (not enqueued)');
    expect((await s3.collect('Q1')).report.alreadyStored).toBe(6);
    await s3.close();

    // BullMQ delivers at least once: the same job again after its result is stored completes without running
    const code = await claimCodeVersion('Q1', 'native');
    const data: SeedJob = { claim: 'Q1', seed: 1, params, code, backend: 'native', timeoutSec: 60 };
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue<SeedJob>(QUEUE_NAME, { connection: conn });
    await q.add('again', data, { jobId: jobId(data), removeOnComplete: true });
    const until = Date.now() + 20_000;
    while ((await q.getJobState(jobId(data))) !== 'unknown' && Date.now() < until) await sleep(100);
    await q.close();
    conn.disconnect();
    expect(workers.some((w) => /Q1 seed 1: its result is already stored .* completed without running/.test(w.log))).toBe(true);
    expect(starts(dir)).toHaveLength(6);
  }, 120_000);
});
