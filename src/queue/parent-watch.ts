/**
 * A seed process dies with the process that started it. A worker killed with SIGKILL cannot kill its
 * children, and an orphaned seed is re-parented to init and keeps burning a core (the prototype
 * saw one 45 s later). The seed's own main thread cannot watch for that: it is busy computing, often
 * for seconds without yielding. So a worker thread, whose event loop runs beside it, polls the parent
 * pid and kills this process the moment it changes (no native code, no Linux-only prctl).
 */
import { Worker } from 'node:worker_threads';

const WATCH = `
const { workerData } = require('node:worker_threads');
const check = () => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); };
check();
setInterval(check, workerData.everyMs);
`;

/** Start watching; `parent` is the pid that must stay our parent (default: the current one). */
export function dieWithParent(parent = process.ppid, everyMs = 100): void {
  // NOISELAB_PARENT_PID closes the race where the parent dies before this runs: we were already orphaned
  const expected = Number(process.env.NOISELAB_PARENT_PID) || parent;
  const w = new Worker(WATCH, { eval: true, workerData: { parent: expected, everyMs } });
  w.unref();
}
