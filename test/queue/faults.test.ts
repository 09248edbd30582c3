/**
 * The queue under the faults of the issue, each with a real redis-server and real `noiselab worker`
 * processes: a worker SIGKILLed mid-job (its process group, and the worker alone), Redis killed and
 * restarted, a seed that throws, a seed that never returns, SIGTERM, and a seed that holds the CPU
 * for longer than its lock. Short locks (1-2 s) keep each test to seconds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { tempDir } from '../helpers.js';
import { recordReliability } from '../reliability/record.js';
import { describeReport, jobId, type ClaimQueueReport } from '../../src/queue/sweep.js';
import { alive, haveRedis, openSweep, sleep, starts, waitUntil, WorkerProcess } from './helpers.js';
import { LocalRedis } from './redis-server.js';
import { readRuns, type RunEvent } from '../../src/queue/jobs.js';
import { claimCodeVersion } from '../../src/queue/claims.js';

const Q1 = (seed: number) => ({ seed, value: Math.sqrt(seed) / 3, inf: -Infinity, nan: NaN });

describe.skipIf(!haveRedis && !process.env.CI)('queue faults (redis-server on a free port)', () => {
  let redis: LocalRedis;
  let workers: WorkerProcess[] = [];
  const worker = (args: string[] = []) => {
    const w = new WorkerProcess(redis.url, ['--concurrency', '1', '--lock', '2', ...args]);
    workers.push(w);
    return w;
  };
  const outcomes: Record<string, boolean> = {};

  beforeAll(async () => { redis = await LocalRedis.start(); });
  afterEach(async () => {
    for (const w of workers) w.killGroup();
    await Promise.all(workers.map((w) => w.exited));
    workers = [];
    const c = new Redis(redis.url);
    await c.flushall();
    c.disconnect();
  });
  afterAll(async () => {
    await redis?.stop();
    for (const [check, ok] of Object.entries(outcomes)) recordReliability(`queue: ${check}`, 1, ok ? 1 : 0);
  });

  it('a worker killed with SIGKILL (its process group) mid-job: another takes the job once its lock expires; nothing lost', async () => {
    const dir = tempDir();
    const w1 = worker();
    await w1.ready();
    const sweep = await openSweep(redis.url);
    const params = { seeds: [1], firstMs: 60_000, ms: 10, dir };
    await sweep.submit([{ id: 'Q1', params }]);
    await waitUntil('seed 1 to start', () => starts(dir).length === 1);
    const w2 = worker();
    await w2.ready();
    await sweep.submit([{ id: 'Q3', params: { seeds: [1, 2], dir } }]); // queued behind it
    const killedAt = Date.now();
    w1.killGroup();
    await w1.exited;
    const a = await sweep.collect('Q1');
    expect(a.perSeed).toEqual([Q1(1)]);
    expect((await sweep.collect('Q3')).perSeed).toEqual([{ seed: 1, value: 1.5 }, { seed: 2, value: 2.5 }]);
    const code = await claimCodeVersion('Q1', 'native');
    const runs = await runLog(jobId({ claim: 'Q1', seed: 1, params, code, backend: 'native' }));
    const retaken = runs.filter((e) => e.ev === 'start')[1];
    const recoverySec = (retaken.at - killedAt) / 1000;
    // lock 2 s, stalled check every 1 s; a loaded machine adds its delays
    expect(recoverySec).toBeGreaterThan(0.5);
    expect(recoverySec).toBeLessThan(15);
    expect(a.report).toMatchObject({ executions: 2, failed: [] });
    expect(a.report.reExecutions[0].why[0]).toMatch(/stopped mid-job .* taken again by .*once its lock had expired/);
    expect(w1.survivors()).toEqual([]);
    outcomes['a worker SIGKILLed mid-job (process group): job re-run elsewhere, nothing lost'] = true;
    console.log(`recovery after a killed worker: ${recoverySec.toFixed(1)} s (lock 2 s); ${describeReport(a.report)}`);
    await sweep.close();
  }, 60_000);

  it('a worker killed alone with SIGKILL takes its seed process with it (the sandbox dies with its worker)', async () => {
    const dir = tempDir();
    const w = worker();
    await w.ready();
    const sweep = await openSweep(redis.url);
    // a seed holding the CPU, as tfjs does: its process cannot notice its parent's death on its own event loop
    await sweep.submit([{ id: 'Q2', params: { seeds: [1], ms: 60_000, dir } }]);
    await waitUntil('the seed to start', () => starts(dir).length === 1);
    const seedPid = starts(dir)[0].pid;
    expect(alive(seedPid)).toBe(true);
    process.kill(w.pid, 'SIGKILL'); // the worker only: its sandbox is in its process group but gets no signal
    await w.exited;
    const t0 = Date.now();
    await waitUntil('the orphaned seed process to die', () => !alive(seedPid), 5000);
    outcomes['no seed process survives its SIGKILLed worker'] = true;
    console.log(`orphaned seed process gone ${Date.now() - t0} ms after its worker`);
    expect(w.survivors()).toEqual([]);
    await sweep.close();
  }, 60_000);

  it('Redis killed and restarted: workers reconnect by themselves, no job lost, re-executions counted and reported', async () => {
    const dir = tempDir();
    // 3 long first executions on 4 slots: once Redis is back and the expired locks put the jobs back,
    // the free slot runs them again while the first executions still run (the trap: a seed run twice)
    const [w1, w2] = [worker(['--concurrency', '2']), worker(['--concurrency', '2'])];
    await Promise.all([w1.ready(), w2.ready()]);
    const sweep = await openSweep(redis.url);
    const seeds = [1, 2, 3];
    await sweep.submit([{ id: 'Q1', params: { seeds, firstMs: 8000, ms: 100, dir } }]);
    await waitUntil('the seeds to start', () => starts(dir).length === 3);
    await redis.kill();
    await sleep(3000); // longer than the 2-s lock: the running jobs' locks expire while Redis is down
    await redis.up();
    const t0 = Date.now();
    const { perSeed, report } = await sweep.collect('Q1');
    expect(perSeed).toEqual(seeds.map(Q1));
    // every execution that started is counted (the fixture logs each start itself), each re-execution has its reason
    expect(report.executions).toBe(starts(dir).length);
    expect(report.reExecutions.reduce((n, r) => n + r.executions - 1, 0)).toBe(starts(dir).length - seeds.length);
    expect(report.reExecutions.length, describeReport(report)).toBeGreaterThan(0);
    for (const r of report.reExecutions) for (const why of r.why) expect(why).toMatch(/ran again on .* while .* was still running it \(its lock expired/);
    expect(report.differing).toEqual([]);
    // the AOF kept the jobs: the submitter had none to enqueue again
    expect(sweep.lines.filter((l) => /missing from Redis/.test(l))).toEqual([]);
    // and both workers work on after the restart without being restarted themselves
    await sweep.submit([{ id: 'Q3', params: { seeds: [1, 2, 3, 4], dir } }]);
    const after = await sweep.collect('Q3');
    expect(after.perSeed).toEqual([1, 2, 3, 4].map((seed) => ({ seed, value: seed + 0.5 })));
    expect(w1.proc.exitCode).toBeNull();
    expect(w2.proc.exitCode).toBeNull();
    outcomes['Redis SIGKILLed and restarted (AOF): workers reconnect, no job lost'] = true;
    console.log(`after a Redis restart (down 3 s, lock 2 s): all seeds in ${((Date.now() - t0) / 1000).toFixed(1)} s after it was back; ${describeReport(report)}`);
    await sweep.close();
  }, 90_000);

  it('a seed that throws is retried, then reported failed with its error; a transient failure recovers', async () => {
    const dir = tempDir();
    const w = worker(['--concurrency', '2']);
    await w.ready();
    const sweep = await openSweep(redis.url, { attempts: 3 });
    await sweep.submit([{ id: 'Q3', params: { seeds: [1, 2, 3], throwing: [2], flaky: [3], dir } }]);
    const err = await sweep.collect('Q3').then(() => null, (e: Error & { report: ClaimQueueReport }) => e);
    expect(err?.message).toMatch(/Q3: 1 of 3 seed\(s\) failed on the queue: seed 2: Q3 seed 2: seed 2 diverged \(planted\) \(after 3 attempt\(s\)\)/);
    const count = (seed: number) => starts(dir).filter((s) => s.seed === seed).length;
    expect([count(1), count(2), count(3)]).toEqual([1, 3, 2]);
    expect(err!.report.failed).toEqual([{ seed: 2, error: expect.stringMatching(/diverged/) }]);
    expect(err!.report.reExecutions.map((r) => [r.seed, r.executions])).toEqual([[2, 3], [3, 2]]);
    for (const r of err!.report.reExecutions) for (const why of r.why) expect(why).toMatch(/^retry after an error on .*planted/);
    outcomes['a throwing seed: retried, then failed with its error'] = true;
    await sweep.close();
  }, 60_000);

  it('a seed past its time limit is stopped by its worker, reported failed without retries, and the worker goes on', async () => {
    const dir = tempDir();
    const w = worker();
    await w.ready();
    const sweep = await openSweep(redis.url, { timeoutSec: 1.5, attempts: 3 });
    await sweep.submit([{ id: 'Q4', params: { seeds: [1, 2], hang: [1], dir } }]);
    const err = await sweep.collect('Q4').then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/seed 1: Q4 seed 1: seed ran past its time limit of 1.5 s and was stopped \(after 1 attempt\(s\)\)/);
    const [hung, next] = [starts(dir).find((s) => s.seed === 1)!, starts(dir).find((s) => s.seed === 2)!];
    expect(starts(dir).filter((s) => s.seed === 1)).toHaveLength(1);
    expect(alive(hung.pid)).toBe(false);
    expect(next.pid).not.toBe(hung.pid); // seed 2 ran in a fresh sandbox
    expect(w.proc.exitCode).toBeNull();
    outcomes['a seed past its time limit: stopped by the worker'] = true;
    await sweep.close();
  }, 60_000);

  it('SIGTERM: the worker finishes its running seed, takes no other, and leaves', async () => {
    const dir = tempDir();
    const w = worker();
    await w.ready();
    const sweep = await openSweep(redis.url);
    await sweep.submit([{ id: 'Q1', params: { seeds: [1, 2], ms: 2000, dir } }]);
    await waitUntil('seed 1 to start', () => starts(dir).length === 1);
    w.proc.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(w.log).toMatch(/SIGTERM: finishing the running seeds/);
    expect(starts(dir)).toHaveLength(1); // it took no other seed
    const w2 = worker();
    await w2.ready();
    const { perSeed, report } = await sweep.collect('Q1');
    expect(perSeed).toEqual([Q1(1), Q1(2)]);
    expect(report).toMatchObject({ executions: 2, reExecutions: [] });
    const runs = await runLog(jobId({ claim: 'Q1', seed: 1, params: { seeds: [1, 2], ms: 2000, dir }, code: await claimCodeVersion('Q1', 'native'), backend: 'native' }));
    const end = runs.find((e) => e.ev === 'end')!;
    expect(end).toMatchObject({ outcome: 'ok' });
    expect(exit.at).toBeGreaterThanOrEqual(end.at);
    outcomes['SIGTERM: the worker finishes its seed and leaves'] = true;
    await sweep.close();
  }, 60_000);

  it('a seed holding the CPU for longer than the lock keeps its lock (seeds run outside the worker event loop)', async () => {
    const dir = tempDir();
    // a 3 s lock (renewed every 1.5 s) and a seed of 7.5 s: 2.5x the lock, with slack for a loaded machine
    const busy = worker(['--lock', '3']);
    await busy.ready();
    const sweep = await openSweep(redis.url);
    await sweep.submit([{ id: 'Q2', params: { seeds: [1], ms: 7500, dir } }]);
    await waitUntil('the seed to start', () => starts(dir).length === 1);
    const thief = worker(['--lock', '3']); // would take the job if its lock lapsed
    const { perSeed, report } = await sweep.collect('Q2');
    expect(perSeed).toEqual([{ seed: 1, value: 2, spun: true }]);
    expect(report).toMatchObject({ executions: 1, reExecutions: [] });
    expect(busy.log).not.toMatch(/could not renew the lock/);
    void thief;
    outcomes['a CPU-bound seed 2.5x its lock keeps its lock'] = true;
    await sweep.close();
  }, 60_000);

  async function runLog(id: string): Promise<RunEvent[]> {
    const c = new Redis(redis.url);
    try {
      return (await readRuns(c, [id])).get(id)!;
    } finally {
      c.disconnect();
    }
  }
});
