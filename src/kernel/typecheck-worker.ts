/**
 * The kernel's type checker on a thread of its own (./checker.ts starts it): TypeScript takes seconds to
 * load and to read the library's declarations, and the kernel answers kernel_info, the control channel
 * and its cells' output meanwhile.
 *
 * Warm-up in two steps: the standard library and Node's types (every cell needs them), at once; then
 * "noiselab" (most cells import it), once no request has come for a second. A cell that imports it before
 * then loads it with its own check; one that does not is not held up by it (the second step takes seconds,
 * and cells sent one after another, as a runner sends them, would wait for it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTypeScript, SessionChecker } from './typecheck.js';

export type Request = { type: 'check'; id: number; source: string } | { type: 'add'; source: string };
export type Reply =
  | { type: 'ready'; loadMs: number; warmMs: number }
  | { type: 'warm'; ms: number }
  | { type: 'checked'; id: number; diagnostics: import('./cell.js').CellDiagnostic[]; ms: number }
  | { type: 'failed'; id?: number; reason: string };

export interface WorkerData {
  cwd: string;
  kernelDir: string;
  /** modules kept in the program for the whole session (read at warm-up) */
  warm: string[];
  /** the checkout whose source cells import live (./live.ts): noiselab's types come from its src/ */
  live: string | null;
}

const port = parentPort!;
const { cwd, kernelDir, warm, live } = workerData as WorkerData;
const queue: Request[] = [];
let checker: SessionChecker | null = null;
let warmed = warm.length === 0;
let scheduled = false;
let idle: NodeJS.Timeout | undefined;
/** ms without a request before the second warm-up step starts */
const IDLE_MS = 1000;

port.on('message', (m: Request) => {
  clearTimeout(idle);
  queue.push(m);
  schedule();
});

function schedule(): void {
  if (scheduled || !checker) return;
  scheduled = true;
  setImmediate(pump);
}

function pump(): void {
  scheduled = false;
  const c = checker!;
  const m = queue.shift();
  if (m?.type === 'check') {
    try {
      port.postMessage({ type: 'checked', id: m.id, ...c.check(m.source) } satisfies Reply);
    } catch (e) {
      port.postMessage({ type: 'failed', id: m.id, reason: (e as Error).stack ?? String(e) } satisfies Reply);
    }
  } else if (m?.type === 'add') {
    try {
      c.add(m.source);
    } catch (e) {
      port.postMessage({ type: 'failed', reason: (e as Error).stack ?? String(e) } satisfies Reply);
    }
  }
  if (queue.length) schedule();
  else waitIdle();
}

function waitIdle(): void {
  clearTimeout(idle);
  if (!warmed) idle = setTimeout(warmLibrary, IDLE_MS);
}

function warmLibrary(): void {
  if (warmed || queue.length) return;
  warmed = true;
  const started = performance.now();
  checker!.warmUp(warm);
  port.postMessage({ type: 'warm', ms: performance.now() - started } satisfies Reply);
}

try {
  const started = performance.now();
  const ts = loadTypeScript();
  const loaded = performance.now();
  checker = new SessionChecker(cwd, kernelDir, ts, live);
  checker.warmUp([]);
  port.postMessage({ type: 'ready', loadMs: loaded - started, warmMs: performance.now() - loaded } satisfies Reply);
  if (queue.length) schedule();
  else waitIdle();
} catch (e) {
  port.postMessage({ type: 'failed', reason: (e as Error).stack ?? String(e) } satisfies Reply);
  port.close();
}
