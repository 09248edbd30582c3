/**
 * The kernel's front (src/kernel/front.cts): it binds the connection file's sockets and answers
 * kernel_info before the kernel's modules load (alone, from the kernelspec's launcher), keeps every other
 * request, in order, for the kernel, and outlasts a port that is in use for a moment.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { KernelFront, startFront } from '../../src/kernel/front.cjs';
import { Session, type Message } from '../../src/notebook/protocol.cjs';
import { tempDir } from '../helpers.js';
import { clientOf, connection, KERNEL_DIR, open, until } from './client-helpers.js';

afterEach(() => { for (const s of open.splice(0)) s.close(); });

describe('the kernel\'s front', () => {
  it('answers kernel_info alone, before the kernel loads (as the kernelspec\'s launcher starts it), with the TypeScript and Node versions', async () => {
    const conn = await connection();
    const dir = tempDir();
    const file = join(dir, 'kernel.json');
    writeFileSync(file, JSON.stringify(conn));
    // nothing but the front: main.js is never imported
    const proc = spawn(process.execPath, ['-e', `require(${JSON.stringify(join(KERNEL_DIR, 'front.cjs'))}).startFront(process.argv.at(-1), ${JSON.stringify(KERNEL_DIR)})`, file], { stdio: 'ignore' });
    try {
      const c = clientOf(conn);
      const replies: Message[] = [];
      void (async () => { for (;;) replies.push(await c.receive()); })().catch(() => undefined);
      for (let i = 0; i < 100 && !replies.length; i++) {
        c.send('kernel_info_request');
        await new Promise((ok) => setTimeout(ok, 200));
      }
      const reply = replies[0];
      expect(reply.header.msg_type).toBe('kernel_info_reply');
      const info = reply.content as { status: string; protocol_version: string; language_info: { name: string; version: string }; banner: string };
      const typescript = (await import('typescript')).version;
      expect(info).toMatchObject({ status: 'ok', protocol_version: '5.3', language_info: { name: 'typescript', version: typescript } });
      expect(info.banner).toContain(`Node ${process.version}`);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('keeps every request for the kernel, in order of arrival, and answers kernel_info itself only when nothing waits before it', async () => {
    const conn = await connection();
    const front = new KernelFront(conn, KERNEL_DIR);
    open.push(front.shell, front.control, front.stdin, front.iopub);
    await front.bound;
    const c = clientOf(conn);
    // the front answers these: nothing waits before them (asked until iopub, subscribed late, shows their status)
    const replies: string[] = [];
    void (async () => { for (;;) replies.push((await c.receive()).header.msg_type); })().catch(() => undefined);
    let asked = 0;
    for (let i = 0; i < 100 && !c.statuses.includes('idle:kernel_info_request'); i++) {
      c.send('kernel_info_request');
      asked++;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    // shell and iopub are not ordered with each other: the replies to the last requests may still be on the way
    await until(() => replies.length === asked);
    expect(c.statuses).toContain('busy:kernel_info_request');
    expect(c.statuses).toContain('idle:kernel_info_request');
    expect(replies.length).toBeGreaterThan(0);
    expect(new Set(replies)).toEqual(new Set(['kernel_info_reply']));
    expect(front.answeredInfo).toBe(true);
    const answered = replies.length;
    const sent = [c.send('execute_request', { code: '1' }), c.send('kernel_info_request'), c.send('execute_request', { code: '2' })];
    const waiting = () => (front as unknown as { early: unknown[] }).early.length;
    await until(() => waiting() === 3);
    const taken: string[] = [];
    front.handOver((channel, msg) => taken.push(`${channel}:${msg.header.msg_id}`));
    expect(taken).toEqual(sent.map((m) => `shell:${m.header.msg_id}`));
    const later = c.send('complete_request', { code: 'x', cursor_pos: 1 });
    await until(() => taken.length === 4);
    expect(taken.at(-1)).toBe(`shell:${later.header.msg_id}`);
    expect(replies.length, 'the kernel_info that waited behind an execute_request is the kernel\'s to answer').toBe(answered);
  });

  it('binds a port that was in use a moment ago; names the socket and port when one stays in use', async () => {
    const conn = await connection();
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(conn.iopub_port, '127.0.0.1', ok));
    setTimeout(() => holder.close(), 300);
    const front = new KernelFront(conn, KERNEL_DIR);
    open.push(front.shell, front.control, front.stdin, front.iopub);
    await expect(front.bound).resolves.toBeUndefined();

    const held = await connection();
    const keeper = createServer();
    await new Promise<void>((ok) => keeper.listen(held.control_port, '127.0.0.1', ok));
    try {
      const stuck = new KernelFront(held, KERNEL_DIR);
      open.push(stuck.shell, stuck.control, stuck.stdin, stuck.iopub);
      await expect(stuck.bound).rejects.toThrow(`cannot bind the control socket to tcp://127.0.0.1:${held.control_port}`);
    } finally {
      keeper.close();
    }
  }, 30_000);

  it('drops a signed message without a header and serves on', async () => {
    const conn = await connection();
    const front = new KernelFront(conn, KERNEL_DIR);
    open.push(front.shell, front.control, front.stdin, front.iopub);
    await front.bound;
    const shell = new zmq.Dealer({ linger: 0 });
    open.push(shell);
    shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
    const frames = ['null', '{}', '{}', '{}'];
    const hmac = createHmac('sha256', conn.key);
    for (const f of frames) hmac.update(f);
    await shell.send(['<IDS|MSG>', hmac.digest('hex'), ...frames]);
    const session = new Session(conn.key);
    const asked = session.message('kernel_info_request', {});
    await shell.send(session.serialize(asked));
    const reply = session.deserialize(await shell.receive());
    expect(reply.parent_header.msg_id).toBe(asked.header.msg_id);
  });

  it('names a connection file it cannot read', () => {
    expect(() => startFront(join(tempDir(), 'missing.json'), KERNEL_DIR)).toThrow(/cannot read the connection file .*missing\.json/);
  });
});
