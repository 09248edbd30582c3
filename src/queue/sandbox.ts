/**
 * The sandbox a worker runs seeds in: a child process (claims/seed-worker.ts over IPC) that stays up
 * between seeds. Seeds never run on the worker's own event loop, which must stay free to renew its
 * job locks: a busy CPU there lets locks expire and jobs run twice (BullMQ #2857). The child dies with
 * the worker (queue/parent-watch), and a seed past its time limit is stopped by killing the child,
 * the only way to stop synchronous tfjs code; the next seed gets a fresh one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringifyExact } from '../util/json-exact.js';

/** The seed process entry: compiled JS beside this module, or the TypeScript source through tsx. */
function seedCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  const js = self.replace(/queue[/\\]sandbox\.(js|ts)$/, 'claims/seed-worker.js');
  if (self.endsWith('.js') && existsSync(js)) return [js];
  return ['--import', 'tsx', self.replace(/queue[/\\]sandbox\.ts$/, 'claims/seed-worker.ts')];
}

export class SeedTimeout extends Error {}

/** Every sandbox still alive: killed when the worker exits by any way that runs 'exit' handlers. */
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });

type Reply = { ok: true; result: string; leaked: number } | { ok: false; error: string; stack?: string };

/** Seconds a seed process has to load the engine and the claim before its seed starts (not the seed's own limit). */
export const SEED_START_ALLOWANCE_S = 120;

export class SeedSandbox {
  private child: ChildProcess | null = null;
  private stderr = '';
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  /** called when the running seed's own work begins (the seed process says so) */
  private onStarted: (() => void) | null = null;

  /** `backend`: NOISELAB_BACKEND for the seeds; `threads`: NOISELAB_THREADS. */
  constructor(readonly backend: string, private readonly threads: number) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): ChildProcess {
    const env = { ...process.env, NOISELAB_BACKEND: this.backend, NOISELAB_THREADS: String(this.threads), NOISELAB_PARENT_PID: String(process.pid) };
    const child = spawn(process.execPath, seedCommand(), { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    live.add(child);
    this.stderr = '';
    child.stderr!.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    child.on('message', (m: Reply | { started: true }) => {
      // a killed process's messages still in the pipe are not the next seed's
      if (this.child !== child) return;
      if ('started' in m) { this.onStarted?.(); return; }
      const p = this.pending;
      this.pending = null;
      p?.resolve(m);
    });
    child.on('error', (e) => {
      if (this.child !== child) return;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (this.child !== child) return; // stopped by kill(), which answered its seed already
      this.child = null;
      const p = this.pending;
      this.pending = null;
      const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
      p?.reject(new Error(`seed process ${signal ? `killed by ${signal}` : `exited with ${code}`}${tail ? `: ${tail}` : ''}`));
    });
    return child;
  }

  /**
   * Run one seed; resolves with its measurements as exact JSON text. Rejects with the seed's own
   * error, with SeedTimeout after `timeoutMs` of the seed's own work (0: none; the process is killed), or
   * when `stop` is called (the process is killed). The limit counts from the seed's start: a fresh
   * process's load of the engine and the claim (seconds on a loaded machine) has SEED_START_ALLOWANCE_S
   * of its own.
   */
  async run(job: { id: string; params: unknown; seed: number }, timeoutMs: number): Promise<{ text: string; leaked: number }> {
    if (this.pending) throw new Error('sandbox busy: one seed at a time');
    const child = this.child ?? (this.child = this.start());
    const reply = new Promise<Reply>((resolve, reject) => { this.pending = { resolve, reject }; });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (timeoutMs <= 0) return;
      const arm = (ms: number, error: () => Error) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // rejected before kill() rejects the reply, so the race reports the timeout
          reject(error());
          this.kill();
        }, ms);
      };
      // a load that slow is the machine's, not the seed's: an error the queue retries, not a SeedTimeout
      arm(SEED_START_ALLOWANCE_S * 1000, () => new Error(`the seed process did not start the seed within ${SEED_START_ALLOWANCE_S} s (loading the engine and the claim) and was stopped`));
      this.onStarted = () => arm(timeoutMs, () => new SeedTimeout(`seed ran past its time limit of ${timeoutMs / 1000} s and was stopped`));
    });
    reply.catch(() => {}); // when the timeout wins, the reply's rejection has no reader
    timedOut.catch(() => {});
    try {
      child.send({ job: stringifyExact(job) });
      const r = await Promise.race([reply, timedOut]);
      if (!r.ok) throw Object.assign(new Error(r.error), { stack: r.stack ?? r.error });
      return { text: r.result, leaked: r.leaked };
    } finally {
      clearTimeout(timer);
      this.onStarted = null;
    }
  }

  /** Stop the process now (a running seed's run() rejects); the next run() starts a new one. */
  kill(): void {
    const p = this.pending;
    this.pending = null;
    this.child?.kill('SIGKILL');
    this.child = null;
    p?.reject(new Error('seed process stopped'));
  }
}
