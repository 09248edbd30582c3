/**
 * The kernel's type checker on a thread of its own (./checker.ts starts it where no current startup
 * snapshot of a warmed checker is there, ./snapshot.ts): TypeScript takes seconds to load and to read the
 * library's declarations, and the kernel answers kernel_info, the control channel and its cells' output
 * meanwhile. The requests, replies and warm-up steps are ./checker-service.ts's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveChecker, type Reply, type Request, type WorkerData } from './checker-service.js';
import { loadTypeScript, SessionChecker } from './typecheck.js';

export type { Reply, Request, WorkerData } from './checker-service.js';

const port = parentPort!;
const { cwd, kernelDir, warm, live } = workerData as WorkerData;
const served = serveChecker({ send: (m: Reply) => port.postMessage(m), onRequest: (h) => port.on('message', (m: Request) => h(m)) }, warm, () => {
  const started = performance.now();
  const ts = loadTypeScript();
  const loaded = performance.now();
  const checker = new SessionChecker(cwd, kernelDir, ts, live);
  checker.warmUp([]);
  return { checker, warmed: false, ready: { loadMs: loaded - started, warmMs: performance.now() - loaded, kind: 'worker' } };
});
if (!served) port.close();
