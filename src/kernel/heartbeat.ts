/**
 * The heartbeat, in a small process of its own (`fork`ed by the kernel): it echoes every ping even while
 * a cell runs synchronously on the kernel's thread, and exits when its IPC channel to the kernel closes,
 * however the kernel ended. (A worker thread cannot hold the socket: zeromq in a worker aborts the
 * whole process when a cell calls process.exit.)
 */
import * as zmq from 'zeromq';

process.on('disconnect', () => process.exit(0));
const socket = new zmq.Reply({ linger: 0 });
await socket.bind(process.argv[2]);
for await (const frames of socket) await socket.send(frames);
