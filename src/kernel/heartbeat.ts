/**
 * The heartbeat, on a worker thread of the kernel (started by ./server.ts): it echoes every ping from its
 * own event loop, so a cell that runs synchronously on the kernel's thread does not silence it, and it
 * ends with the kernel's process. It tells the kernel once it is bound, or why it cannot be.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { bindRetrying, ZmtpSocket } from './zmtp.cjs';

if (isMainThread) throw new Error('heartbeat.js runs on the kernel\'s worker thread');
const socket = new ZmtpSocket('REP');
try {
  // the endpoint: the last of the worker's argv (appended to the kernel's)
  await bindRetrying(socket, process.argv.at(-1)!, 'heartbeat');
  parentPort!.postMessage({ bound: true });
} catch (e) {
  parentPort!.postMessage({ bound: false, reason: (e as Error).message });
  process.exit(1);
}
for await (const frames of socket) await socket.send(frames);
