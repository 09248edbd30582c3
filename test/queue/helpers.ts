/**
 * What the queue's tests share: `noiselab worker` processes (each the leader of its own process group,
 * carrying a marker in its environment that its sandboxes inherit, so that the process table can be
 * searched for anything left behind), a submitter on the fixture claims, and the fixture's record of
 * which seed started in which process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sweep, type SweepOptions } from '../../src/queue/sweep.js';
import { parseRedisUrl } from '../../src/queue/redis.js';
import { redisServerPath } from './redis-server.js';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'noiselab.js');
export const FIXTURE = join(import.meta.dirname, 'fixtures', 'claims.mjs');
/** CI installs redis-server (npm run setup); elsewhere the queue tests skip without it */
export const haveRedis = redisServerPath() !== null;

// the submitter in the test process finds the fixture claims the way the workers do
process.env.NOISELAB_EXTRA_CLAIMS = FIXTURE;

export class WorkerProcess {
  readonly proc: ChildProcess;
  readonly mark = randomBytes(6).toString('hex');
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  constructor(url: string, args: string[] = [], env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, [BIN, 'worker', url, ...args], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NOISELAB_EXTRA_CLAIMS: FIXTURE, NOISELAB_FAULT_MARK: this.mark, ...env },
    });
    for (const s of [this.proc.stdout!, this.proc.stderr!]) s.on('data', (d) => { this.out += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get log(): string {
    return this.out;
  }

  /** Resolves when the log matches; rejects after `ms` with the log so far. */
  async waitFor(re: RegExp, ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    while (!re.test(this.out)) {
      if (this.proc.exitCode !== null) throw new Error(`worker exited (${this.proc.exitCode}) before ${re}: ${this.out}`);
      if (Date.now() > until) throw new Error(`worker log did not match ${re} within ${ms} ms: ${this.out}`);
      await sleep(50);
    }
  }

  ready(): Promise<void> {
    return this.waitFor(/taking seeds from/);
  }

  /** SIGKILL to the worker's whole process group (the worker and its sandboxes, as a crash or OOM kill of the group would). */
  killGroup(): void {
    try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  /** Live processes carrying this worker's marker (itself and its sandboxes). */
  survivors(): number[] {
    return marked(this.mark);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a pid is a live process (a zombie, dead but not yet reaped, counts as dead). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of live processes whose environment holds NOISELAB_FAULT_MARK=<mark>. */
export function marked(mark: string): number[] {
  const needle = `NOISELAB_FAULT_MARK=${mark}`;
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return alive(Number(pid)) && readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

/** The fixture's log of seed starts in `dir`: one { seed, pid } per execution, in order. */
export function starts(dir: string): { seed: number; pid: number }[] {
  const f = join(dir, 'started');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [seed, pid] = l.split(' ').map(Number);
    return { seed, pid };
  });
}

export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A submitter on the test Redis; its log lines are kept. */
export async function openSweep(url: string, opts: Partial<SweepOptions> = {}): Promise<Sweep & { lines: string[] }> {
  const lines: string[] = [];
  const s = await Sweep.open(parseRedisUrl('--queue', url), { backend: 'native', timeoutSec: 60, attempts: 3, pollMs: 100, log: (l) => lines.push(l), ...opts });
  return Object.assign(s, { lines });
}
