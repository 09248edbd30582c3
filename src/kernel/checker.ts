/**
 * The kernel's side of its type checker: a cell is sent to be checked before it runs, and once it runs,
 * added to the session the checker models.
 *
 * Where the checker runs (checkerPlan()): in the user's resident checker (./resident-checker.ts), a
 * process that outlives the kernels it serves and has a session warmed for the next kernel of a folder
 * before it asks, started by the first kernel that finds none listening (./resident.ts);
 * NOISELAB_KERNEL_RESIDENT=0 turns it off. Else in a process started from a startup snapshot of a warmed
 * checker (./snapshot-checker.ts; ready in a fraction of a second) where `npm run setup` built one for this
 * kernel, TypeScript and Node (./snapshot.ts); else on a worker thread (./typecheck-worker.ts; seconds of
 * warm-up). A resident or snapshot process that cannot be reached, is missing or stale, or fails (a corrupt
 * blob crashes its process, a resident is killed) leaves the checker on the worker thread, with the
 * session's cells sent to it again, and the kernel says so once on stderr. Either way the kernel's stderr
 * names the checker once it is ready.
 *
 * On by default; `NOISELAB_KERNEL_TYPECHECK=0` (or false/off/no) turns it off. A checker that cannot start
 * or stops (no TypeScript installed, a crash) leaves the kernel running cells unchecked: check() answers
 * null, and `problem` says why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CellDiagnostic } from './cell.js';
import { lineReader, type CheckerKind, type Reply, type Request, type WorkerData } from './checker-service.js';
import { residentOff, residentPlace, spawnResident, type ResidentPlace } from './resident.js';
import { findSnapshot } from './snapshot.js';

export type { CheckerKind } from './checker-service.js';

/** A cell's check as the kernel sees it. */
export interface CheckOutcome {
  diagnostics: CellDiagnostic[];
  /** ms the checker spent on the cell */
  checkMs: number;
  /** ms from the request to the answer: the check, and any wait for the checker's warm-up or earlier work */
  totalMs: number;
}

/** The checker's warm-up, as it reported it. */
export interface WarmUpTimes {
  /** loading TypeScript, ms (0 from a snapshot) */
  loadMs: number;
  /** the standard library and Node's types (from a snapshot: the checker's whole start), ms */
  warmMs: number;
  /** the checker's start to its first step's end, as the kernel saw it, ms */
  readyMs: number;
  /** where it runs */
  kind: CheckerKind;
}

/** One carrier of requests and replies: a worker thread or a snapshot-started child process. */
interface Carrier {
  kind: CheckerKind;
  post(m: Request): void;
  stop(): void;
}

/** Characters of a snapshot process's stderr kept until it is ready (a corrupt blob crashes with a long dump). */
const STDERR_KEEP = 2000;
/** How long a failed send waits for the snapshot process's exit to say why it went. */
const EXIT_GRACE_MS = 1000;
/** How long a kernel waits for a resident it started to listen, before it checks on a thread of its own. */
const RESIDENT_START_MS = 5000;
/** How often it tries to connect meanwhile. */
const RESIDENT_RETRY_MS = 25;

/**
 * Where the kernel's checker runs: the resident (where on), else a process from the startup snapshot
 * (where a current one is built), else a worker thread, with why it is not the snapshot's.
 */
export type CheckerPlan =
  | { kind: 'resident'; place: ResidentPlace }
  | { kind: 'snapshot'; blob: string; key: string }
  | { kind: 'worker'; problem: string };

/** The kernel's type checker: checks a cell before it runs, and models the session's cells that ran. */
export class TypeChecker {
  private carrier!: Carrier;
  private readonly pending = new Map<number, { resolve: (o: CheckOutcome | null) => void; at: number; source: string }>();
  /** the cells added so far, sent again to a worker that takes over from a failed snapshot process */
  private readonly added: string[] = [];
  private next = 1;
  private readonly data: WorkerData;
  /** why the checker is not available, once it is not */
  problem: string | null = null;
  /** the warm-up's figures, once its first step is done */
  warmUp: WarmUpTimes | null = null;
  /** the second warm-up step (the library's declarations), ms, once done */
  libraryMs: number | null = null;
  /** why the checker is on a worker thread rather than the resident or a snapshot's process, once it is */
  fallback: string | null = null;
  /** the first check that failed on the worker thread (its cell ran unchecked; said once on stderr) */
  checkFailed: string | null = null;

  /**
   * @param live the checkout whose source cells import live (./live.ts), or null
   * @param plan where the checker runs (checkerPlan()); null for a worker thread
   */
  constructor(cwd: string, warm: string[] = ['noiselab'], live: string | null = null, plan: CheckerPlan | null = null) {
    this.data = { cwd, kernelDir: KERNEL_DIR, warm, live };
    if (plan?.kind === 'resident') this.carrier = this.startResident(plan.place);
    else if (plan?.kind === 'snapshot') this.carrier = this.startSnapshot(plan.blob, plan.key);
    else {
      if (plan) this.noteFallback(plan.problem);
      this.carrier = this.startWorker();
    }
  }

  /** The kind of checker in use now. */
  get kind(): CheckerKind {
    return this.carrier.kind;
  }

  private onReply(from: Carrier, m: Reply, started: number, key?: string): void {
    if (from !== this.carrier) return;
    if (m.type === 'ready') {
      if (key !== undefined && m.key !== key) {
        this.fallBack(from, `the snapshot process answered with key ${m.key}, not ${key}`);
        return;
      }
      this.warmUp = { loadMs: m.loadMs, warmMs: m.warmMs, readyMs: performance.now() - started, kind: m.kind };
      const pre = m.preparsed ? `, ${m.preparsed.used} files parsed in the snapshot${m.preparsed.stale ? `, ${m.preparsed.stale} changed since and read again` : ''}` : '';
      const spare = m.spare ? ', a session warmed before the kernel asked' : m.spare === false ? ', a new session' : '';
      log(`noiselab kernel: type checker ready (${KIND_NAMES[m.kind]}, ${this.warmUp.readyMs.toFixed(0)} ms${pre}${spare})`);
    } else if (m.type === 'warm') this.libraryMs = m.ms;
    else if (m.type === 'checked') this.settle(m.id, { diagnostics: m.diagnostics, checkMs: m.ms });
    else if (m.type === 'failed') {
      // a check that fails in the snapshot or resident process (files parsed elsewhere are a new way to
      // fail) is checked again on the worker thread: a cell never runs unchecked for it
      if (from.kind !== 'worker') this.fallBack(from, m.id !== undefined ? `a check failed in the ${KIND_NAMES[from.kind]}: ${m.reason}` : m.reason);
      else if (m.id !== undefined) {
        if (!this.checkFailed) log(`noiselab kernel: a cell's type check failed (${(this.checkFailed = m.reason.split('\n')[0])}); that cell runs unchecked`);
        this.settle(m.id, null);
      } else this.fail(m.reason);
    }
  }

  private startWorker(): Carrier {
    const started = performance.now();
    // its stdout and stderr are its own (the kernel's are a cell's output): they go to the kernel's log
    const worker = new Worker(new URL('./typecheck-worker.js', import.meta.url), { workerData: this.data, stdout: true, stderr: true });
    for (const stream of [worker.stdout, worker.stderr]) stream.on('data', (d: Buffer) => { try { writeSync(2, d); } catch { /* closed */ } });
    worker.unref();
    const carrier: Carrier = {
      kind: 'worker',
      post: (m) => worker.postMessage(m),
      stop: () => { void worker.terminate().catch(() => undefined); },
    };
    worker.on('message', (m: Reply) => this.onReply(carrier, m, started));
    worker.on('error', (e) => { if (carrier === this.carrier) this.fail(e.stack ?? e.message); });
    worker.on('exit', (code) => { if (carrier === this.carrier) this.fail(`the type checker's thread exited (code ${code})`); });
    return carrier;
  }

  private startSnapshot(blob: string, key: string): Carrier {
    const started = performance.now();
    let child: ChildProcess;
    let ready = false;
    let stderr = '';
    const carrier: Carrier = {
      kind: 'snapshot',
      post: (m) => {
        try { child.send(m, (e) => { if (e) lost(`cannot send to the snapshot process: ${e.message}`); }); } catch (e) { lost((e as Error).message); }
      },
      stop: () => { ready = true; child.kill(); },
    };
    child = spawn(process.execPath, ['--snapshot-blob', blob, JSON.stringify(this.data)], {
      cwd: this.data.cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // the kernel's NODE_OPTIONS (a loader, say) are not the checker's
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    // a send that fails means the process is going: its exit, due within moments, says why (its code and
    // first line of stderr) better than the failed send does; the send's reason stands if no exit comes
    let losing = false;
    const lost = (reason: string) => {
      if (losing) return;
      losing = true;
      const wait = setTimeout(() => this.fallBack(carrier, reason), EXIT_GRACE_MS);
      wait.unref();
      child.once('close', () => clearTimeout(wait));
    };
    const kill = () => { child.kill(); };
    process.on('exit', kill);
    child.unref();
    child.channel?.unref();
    for (const stream of [child.stdout!, child.stderr!]) {
      (stream as unknown as { unref?(): void }).unref?.();
      stream.on('data', (d: Buffer) => {
        if (ready) { try { writeSync(2, d); } catch { /* closed */ } } else stderr = (stderr + d.toString()).slice(-STDERR_KEEP);
      });
    }
    child.on('message', (m: Reply) => {
      if (m.type === 'ready') ready = true;
      this.onReply(carrier, m, started, key);
    });
    child.on('error', (e) => this.fallBack(carrier, `the snapshot process: ${e.message}`));
    // 'close', not 'exit': by then its stderr has been read, so the reason can quote it
    child.on('close', (code, signal) => {
      process.off('exit', kill);
      const firstLine = stderr.trim().split('\n').find(Boolean) ?? '';
      this.fallBack(carrier, `the snapshot process exited (${signal ?? `code ${code}`})${firstLine ? `: ${firstLine}` : ''}`);
    });
    return carrier;
  }

  /**
   * The resident checker (./resident-checker.ts): connected to, or started where none listens (then tried
   * again until it does, for up to RESIDENT_START_MS). Requests wait meanwhile. A resident that cannot be
   * reached, or that goes, leaves the session to a worker thread, as a failed snapshot process does.
   */
  private startResident(place: ResidentPlace): Carrier {
    const started = performance.now();
    let socket: Socket | null = null;
    let waiting: Request[] | null = [];
    let stopped = false;
    const send = (s: Socket, m: unknown) => { s.write(`${JSON.stringify(m)}\n`); };
    const carrier: Carrier = {
      kind: 'resident',
      post: (m) => { if (waiting) waiting.push(m); else if (socket) send(socket, m); },
      stop: () => { stopped = true; socket?.destroy(); },
    };
    const attempt = () => {
      if (stopped) return;
      const s = createConnection(place.socket);
      s.once('connect', () => {
        socket = s;
        s.unref();
        s.setEncoding('utf8');
        send(s, { type: 'hello', data: this.data });
        for (const m of waiting!) send(s, m);
        waiting = null;
        s.on('data', lineReader((line) => {
          let reply: Reply;
          try { reply = JSON.parse(line) as Reply; } catch { this.fallBack(carrier, `the resident sent what is not JSON: ${line.slice(0, 80)}`); return false; }
          this.onReply(carrier, reply, started);
        }));
        s.on('close', () => this.fallBack(carrier, `the resident went (its log: ${place.log})`));
      });
      s.on('error', (e) => {
        if (socket) return; // connected: its close says it
        try { spawnOnce(place); } catch (err) { this.fallBack(carrier, `cannot start the resident: ${(err as Error).message}`); return; }
        if (performance.now() - started > RESIDENT_START_MS) this.fallBack(carrier, `the resident did not listen within ${RESIDENT_START_MS / 1000} s (${e.message}; its log: ${place.log})`);
        else setTimeout(attempt, RESIDENT_RETRY_MS).unref();
      });
    };
    attempt();
    return carrier;
  }

  /** The snapshot process failed: a worker thread takes over, with the session's cells and the checks waiting. */
  private fallBack(from: Carrier, reason: string): void {
    if (from !== this.carrier || this.problem) return;
    from.stop();
    this.noteFallback(reason, from.kind);
    this.warmUp = null;
    this.carrier = this.startWorker();
    for (const source of this.added) this.post({ type: 'add', source });
    for (const [id, p] of [...this.pending].sort((a, b) => a[0] - b[0])) this.post({ type: 'check', id, source: p.source });
  }

  private noteFallback(reason: string, from: CheckerKind = 'snapshot'): void {
    if (this.fallback) return;
    this.fallback = reason.split('\n')[0];
    if (from === 'resident') log(`noiselab kernel: type checker on a worker thread, not the resident (${this.fallback})`);
    else {
      const off = /NOISELAB_KERNEL_SNAPSHOT turns it off/.test(this.fallback);
      log(`noiselab kernel: type checker on a worker thread, not from a snapshot (${this.fallback})${off ? '' : '; `npm run setup` builds the snapshot'}`);
    }
  }

  /** The cell's type errors (none: it may run), or null where the checker is not available. */
  check(source: string): Promise<CheckOutcome | null> {
    if (this.problem) return Promise.resolve(null);
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, at: performance.now(), source });
      this.post({ type: 'check', id, source });
    });
  }

  /** The cell runs: what it declares is in view of later cells. */
  add(source: string): void {
    if (this.problem) return;
    this.added.push(source);
    this.post({ type: 'add', source });
  }

  private post(m: Request): void {
    const carrier = this.carrier;
    try {
      carrier.post(m);
    } catch (e) {
      if (carrier.kind === 'snapshot') this.fallBack(carrier, (e as Error).message);
      else this.fail((e as Error).message);
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
    log(`noiselab kernel: type checker unavailable, cells run unchecked: ${reason}`);
    for (const id of [...this.pending.keys()]) this.settle(id, null);
    this.carrier.stop();
  }
}

function log(line: string): void {
  try { writeSync(2, `${line}\n`); } catch { /* closed */ }
}

const KERNEL_DIR = fileURLToPath(new URL('.', import.meta.url));

const KIND_NAMES: Record<CheckerKind, string> = { worker: 'worker thread', snapshot: 'snapshot process', resident: 'resident process' };

let plan: CheckerPlan | undefined;

/** Where this kernel's checker runs (decided once; ./resident.ts and ./snapshot.ts say where each is). */
export function checkerPlan(): CheckerPlan {
  if (plan) return plan;
  const resident = residentPlace(KERNEL_DIR);
  if ('socket' in resident) return (plan = { kind: 'resident', place: resident });
  if (!residentOff()) log(`noiselab kernel: no resident type checker (${resident.problem})`);
  const snapshot = findSnapshot(KERNEL_DIR);
  return (plan = 'blob' in snapshot ? { kind: 'snapshot', ...snapshot } : { kind: 'worker', problem: snapshot.problem });
}

const typecheckOff = () => /^(0|false|off|no)$/i.test(process.env.NOISELAB_KERNEL_TYPECHECK ?? '');

/** residents this process started (by socket), and how the start went: one start each, whoever asks first */
const spawned = new Map<string, Error | null>();

function spawnOnce(place: ResidentPlace): void {
  if (!spawned.has(place.socket)) {
    try {
      spawnResident(KERNEL_DIR, place, process.env, (why) => log(`noiselab kernel: ${why}`));
      spawned.set(place.socket, null);
    } catch (e) {
      spawned.set(place.socket, e as Error);
    }
  }
  // a start that failed in prestartChecker is reported by the check that needs it
  const failed = spawned.get(place.socket);
  if (failed) throw failed;
}

/**
 * Where this kernel will check on a resident and none listens, starts it now, before the kernel's own
 * modules load (./main.ts): it starts on the other core meanwhile, ~0.1 s sooner than the kernel's first
 * check would start it. A failure here is left to that check, which reports it.
 */
export function prestartChecker(): void {
  if (typecheckOff()) return;
  const p = checkerPlan();
  if (p.kind !== 'resident') return;
  const probe = createConnection(p.place.socket);
  probe.once('connect', () => probe.destroy());
  probe.once('error', () => { try { spawnOnce(p.place); } catch { /* the check says why */ } });
}

/**
 * The kernel's checker for a notebook in `cwd` (noiselab's types from `live`'s source where cells import
 * it live), where checkerPlan() says, or null where NOISELAB_KERNEL_TYPECHECK turns it off.
 */
export function startTypeChecker(cwd: string, live: string | null = null): TypeChecker | null {
  if (typecheckOff()) return null;
  return new TypeChecker(cwd, ['noiselab'], live, checkerPlan());
}
