/**
 * The heartbeat, on a worker thread of the kernel (started by ./server.ts): it echoes every ping from its
 * own event loop, so a cell that runs synchronously on the kernel's thread does not silence it, and it
 * ends with the kernel's process.
 */
import { isMainThread } from 'node:worker_threads';
import { ZmtpSocket } from './zmtp.cjs';

if (isMainThread) throw new Error('heartbeat.js runs on the kernel\'s worker thread');
const socket = new ZmtpSocket('REP');
// the endpoint: the last of the worker's argv (appended to the kernel's)
await socket.bind(process.argv.at(-1)!);
for await (const frames of socket) await socket.send(frames);
