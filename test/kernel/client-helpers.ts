/** A Jupyter client's end of a kernel's sockets (zeromq.js, as Jupyter's libzmq), for the front's and the launcher's tests. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as zmq from 'zeromq';
import type { Connection } from '../../src/kernel/front.cjs';
import { freePorts } from '../../src/notebook/kernel.js';
import { Session, type Message } from '../../src/notebook/protocol.cjs';
import { projectRoot } from '../../src/util/paths.js';

export const KERNEL_DIR = join(projectRoot(), 'dist', 'kernel');
/** sockets a test opened: its file closes them after each test */
export const open: { close(): void }[] = [];

/** Polls `ok` every 10 ms for up to 10 s (a shared machine can be slow; a fixed sleep would be flaky). */
export async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

export async function connection(): Promise<Connection> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
  return { transport: 'tcp', ip: '127.0.0.1', key: randomBytes(8).toString('hex'), signature_scheme: 'hmac-sha256', shell_port, iopub_port, stdin_port, control_port, hb_port };
}

/** A client's shell and iopub, as Jupyter's: every iopub message is kept, statuses also as `state:parent type`. */
export function clientOf(conn: Connection) {
  const session = new Session(conn.key);
  const shell = new zmq.Dealer({ linger: 0, reconnectInterval: 5 });
  const iopub = new zmq.Subscriber({ linger: 0, reconnectInterval: 5 });
  open.push(shell, iopub);
  shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
  iopub.connect(`tcp://127.0.0.1:${conn.iopub_port}`);
  iopub.subscribe();
  const statuses: string[] = [];
  const published: Message[] = [];
  void (async () => {
    for await (const f of iopub) {
      const m = session.deserialize(f);
      published.push(m);
      if (m.header.msg_type === 'status') statuses.push(`${m.content.execution_state}:${m.parent_header.msg_type ?? ''}`);
    }
  })().catch(() => undefined);
  const send = (type: string, content: object = {}) => {
    const m = session.message(type, content);
    void shell.send(session.serialize(m));
    return m;
  };
  const receive = async (): Promise<Message> => session.deserialize(await shell.receive());
  return { send, receive, statuses, published };
}
