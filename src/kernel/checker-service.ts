/**
 * The type checker's side of its conversation with the kernel (./checker.ts), whichever carries it: a
 * worker thread (./typecheck-worker.ts), a child process started from a startup snapshot of a warmed
 * checker (./snapshot-checker.ts), or a session of the resident checker (./resident-checker.ts). All
 * answer the same requests with the same replies.
 *
 * Warm-up in two steps: the standard library and Node's types (every cell needs them), at once; then
 * "noiselab" (most cells import it), once no request has come for a second. A cell that imports it before
 * then loads it with its own check; one that does not is not held up by it (the second step takes seconds
 * from cold, and cells sent one after another, as a runner sends them, would wait for it). A checker that
 * starts with those files already parsed (the snapshot's) takes both steps at once.
 */
import type { CellDiagnostic } from './cell.js';
import type { SessionChecker } from './typecheck.js';

/** What the kernel asks: check a cell (answered by `checked` or `failed` with its id), or add one that runs. */
export type Request = { type: 'check'; id: number; source: string } | { type: 'add'; source: string };

/** What the checker says: its warm-up's steps, a cell's check, or a failure (of a check, or of the checker). */
export type Reply =
  | {
    type: 'ready';
    /** loading TypeScript, ms (0 where it came in a snapshot) */
    loadMs: number;
    /** the first warm-up step, ms */
    warmMs: number;
    /** the kind of checker: on a worker thread, or in a process started from a snapshot */
    kind: CheckerKind;
    /** the snapshot's key (./snapshot.ts), for a snapshot checker */
    key?: string;
    /** for a snapshot checker: ms from its process's start to its main function (Node's start, the heap's deserialization) */
    startMs?: number;
    /** for a snapshot checker: CPU ms its process used until ready */
    cpuMs?: number;
    /** files the snapshot had parsed that were used, and those dropped as changed on disk since */
    preparsed?: { used: number; stale: number };
    /** for the resident checker: whether the session was given its spare, warmed before the kernel asked */
    spare?: boolean;
  }
  | { type: 'warm'; ms: number }
  | { type: 'checked'; id: number; diagnostics: CellDiagnostic[]; ms: number }
  | { type: 'failed'; id?: number; reason: string };

/**
 * Where the checker runs: a worker thread of the kernel, a child process started from a startup snapshot,
 * or the resident process that serves the user's kernels (./resident-checker.ts).
 */
export type CheckerKind = 'worker' | 'snapshot' | 'resident';

/** What the kernel tells the checker at its start. */
export interface WorkerData {
  cwd: string;
  kernelDir: string;
  /** modules kept in the program for the whole session (read at warm-up) */
  warm: string[];
  /** the checkout whose source cells import live (./live.ts): noiselab's types come from its src/ */
  live: string | null;
}

/** The two ends a checker talks through: a worker's parentPort, or a child process's IPC channel. */
export interface Port {
  send(reply: Reply): void;
  onRequest(handler: (request: Request) => void): void;
  /** whether the kernel is gone (a resident's session): its checker's remaining warm-up is skipped */
  closed?(): boolean;
}

/** How the checker starts: what it made, and the fields of its `ready` reply. */
export interface Started {
  checker: SessionChecker;
  ready: Omit<Extract<Reply, { type: 'ready' }>, 'type'>;
  /** whether the second warm-up step is done too (its modules were in the first) */
  warmed: boolean;
}

/** ms without a request before the second warm-up step starts */
const IDLE_MS = 1000;

/**
 * Serves the kernel's requests on `port` with the checker that `start` makes (requests that come while it
 * starts wait for it). A failure to start is sent as a `failed` reply without an id; the caller then ends.
 */
export function serveChecker(port: Port, warm: string[], start: () => Started): boolean {
  const queue: Request[] = [];
  let checker: SessionChecker | null = null;
  let warmed = warm.length === 0;
  let scheduled = false;
  let idle: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    if (scheduled || !checker) return;
    scheduled = true;
    setImmediate(pump);
  };
  const waitIdle = (): void => {
    clearTimeout(idle);
    if (!warmed) idle = setTimeout(warmLibrary, IDLE_MS);
  };
  const pump = (): void => {
    scheduled = false;
    const c = checker!;
    const m = queue.shift();
    if (m?.type === 'check') {
      try {
        port.send({ type: 'checked', id: m.id, ...c.check(m.source) });
      } catch (e) {
        port.send({ type: 'failed', id: m.id, reason: (e as Error).stack ?? String(e) });
      }
    } else if (m?.type === 'add') {
      try {
        c.add(m.source);
      } catch (e) {
        port.send({ type: 'failed', reason: (e as Error).stack ?? String(e) });
      }
    }
    if (queue.length) schedule();
    else waitIdle();
  };
  const warmLibrary = (): void => {
    if (warmed || queue.length || port.closed?.()) return;
    warmed = true;
    const started = performance.now();
    checker!.warmUp(warm);
    port.send({ type: 'warm', ms: performance.now() - started });
  };

  port.onRequest((m) => {
    clearTimeout(idle);
    queue.push(m);
    schedule();
  });
  try {
    const s = start();
    checker = s.checker;
    warmed ||= s.warmed;
    port.send({ type: 'ready', ...s.ready });
    if (queue.length) schedule();
    else waitIdle();
    return true;
  } catch (e) {
    port.send({ type: 'failed', reason: (e as Error).stack ?? String(e) });
    return false;
  }
}

/**
 * The resident checker's framing (./resident-checker.ts and the kernel's side): one JSON a line. Returns a
 * feeder of a stream's text that calls `line` with each complete, non-empty line, in order; `line` returning
 * false stops the feeder (the rest of the stream is not read).
 */
export function lineReader(line: (text: string) => boolean | void): (chunk: string) => void {
  let buffer = '';
  let stopped = false;
  return (chunk) => {
    if (stopped) return;
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (text && line(text) === false) {
        stopped = true;
        return;
      }
    }
  };
}
