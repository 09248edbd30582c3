/**
 * The kernel's side of its type checker (./typecheck-worker.ts, on a worker thread): a cell is sent to be
 * checked before it runs, and once it runs, added to the session the checker models.
 *
 * On by default; `NOISELAB_KERNEL_TYPECHECK=0` (or false/off/no) turns it off. A checker that cannot start
 * or stops (no TypeScript installed, a crash) leaves the kernel running cells unchecked: check() answers
 * null, and `problem` says why.
 */
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CellDiagnostic } from './cell.js';
import type { Reply, Request, WorkerData } from './typecheck-worker.js';

export interface CheckOutcome {
  diagnostics: CellDiagnostic[];
  /** ms the checker spent on the cell */
  checkMs: number;
  /** ms from the request to the answer: the check, and any wait for the checker's warm-up or earlier work */
  totalMs: number;
}

export interface WarmUpTimes {
  /** loading TypeScript, ms */
  loadMs: number;
  /** the standard library and Node's types, ms */
  warmMs: number;
  /** the worker's start to its first step's end, as the kernel saw it, ms */
  readyMs: number;
}

export class TypeChecker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (o: CheckOutcome | null) => void; at: number }>();
  private next = 1;
  /** why the checker is not available, once it is not */
  problem: string | null = null;
  /** the warm-up's figures, once its first step is done */
  warmUp: WarmUpTimes | null = null;
  /** the second warm-up step (the library's declarations), ms, once done */
  libraryMs: number | null = null;

  /** @param live the checkout whose source cells import live (./live.ts), or null */
  constructor(cwd: string, warm: string[] = ['noiselab'], live: string | null = null) {
    const started = performance.now();
    const workerData: WorkerData = { cwd, kernelDir: fileURLToPath(new URL('.', import.meta.url)), warm, live };
    // its stdout and stderr are its own (the kernel's are a cell's output): they go to the kernel's log
    this.worker = new Worker(new URL('./typecheck-worker.js', import.meta.url), { workerData, stdout: true, stderr: true });
    for (const stream of [this.worker.stdout, this.worker.stderr]) stream.on('data', (d: Buffer) => { try { writeSync(2, d); } catch { /* closed */ } });
    this.worker.unref();
    this.worker.on('message', (m: Reply) => {
      if (m.type === 'ready') this.warmUp = { loadMs: m.loadMs, warmMs: m.warmMs, readyMs: performance.now() - started };
      else if (m.type === 'warm') this.libraryMs = m.ms;
      else if (m.type === 'checked') this.settle(m.id, { diagnostics: m.diagnostics, checkMs: m.ms });
      else if (m.type === 'failed') {
        if (m.id !== undefined) this.settle(m.id, null);
        else this.fail(m.reason);
      }
    });
    this.worker.on('error', (e) => this.fail(e.stack ?? e.message));
    this.worker.on('exit', (code) => this.fail(`the type checker's thread exited (code ${code})`));
  }

  /** The cell's type errors (none: it may run), or null where the checker is not available. */
  check(source: string): Promise<CheckOutcome | null> {
    if (this.problem) return Promise.resolve(null);
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, at: performance.now() });
      this.post({ type: 'check', id, source });
    });
  }

  /** The cell runs: what it declares is in view of later cells. */
  add(source: string): void {
    if (!this.problem) this.post({ type: 'add', source });
  }

  private post(m: Request): void {
    try {
      this.worker.postMessage(m);
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private settle(id: number, outcome: Omit<CheckOutcome, 'totalMs'> | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(outcome && { ...outcome, totalMs: performance.now() - p.at });
  }

  private fail(reason: string): void {
    if (this.problem) return;
    this.problem = reason.split('\n')[0];
    writeSync(2, `noiselab kernel: type checker unavailable, cells run unchecked: ${reason}\n`);
    for (const id of [...this.pending.keys()]) this.settle(id, null);
    void this.worker.terminate().catch(() => undefined);
  }
}

/**
 * The kernel's checker for a notebook in `cwd` (noiselab's types from `live`'s source where cells import
 * it live), or null where NOISELAB_KERNEL_TYPECHECK turns it off.
 */
export function startTypeChecker(cwd: string, live: string | null = null): TypeChecker | null {
  if (/^(0|false|off|no)$/i.test(process.env.NOISELAB_KERNEL_TYPECHECK ?? '')) return null;
  return new TypeChecker(cwd, ['noiselab'], live);
}
