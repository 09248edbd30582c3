/**
 * The heartbeat, on a thread of its own: it echoes every ping even while a cell runs synchronously on
 * the kernel's main thread (a frontend that hears no echo takes the kernel for dead).
 */
import { workerData } from 'node:worker_threads';
import * as zmq from 'zeromq';

const socket = new zmq.Reply({ linger: 0 });
await socket.bind((workerData as { url: string }).url);
for await (const frames of socket) await socket.send(frames);
