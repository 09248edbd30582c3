/**
 * The kernel's native launcher (src/kernel/launcher.c): it binds the sockets and answers kernel_info within
 * milliseconds, becomes the kernel (the process Jupyter started), and its forked copy passes every socket
 * and what it did not answer to the kernel, in order. Whatever it does not expect leaves the kernel to Node.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelInfo, LAUNCHER_INFO_FILE, refreshKernelInfo, type Connection } from '../../src/kernel/front.cjs';
import { findKernelSpec } from '../../src/notebook/kernelspec.js';
import type { Message } from '../../src/notebook/protocol.cjs';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';
import { clientOf, connection, KERNEL_DIR, open, until } from './client-helpers.js';

const LAUNCHER = join(KERNEL_DIR, 'launcher');
const running: ChildProcess[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const p of running.splice(0)) p.kill('SIGKILL');
});

/** Starts `argv` ({connection_file} replaced) on a new connection file, as Jupyter does; stderr is kept. */
function start(conn: Connection, argv: string[], env: Record<string, string> = {}) {
  const dir = tempDir();
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify(conn));
  const proc = spawn(argv[0], argv.slice(1).map((a) => a.replaceAll('{connection_file}', file)), {
    cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NOISELAB_KERNEL_HOME: join(KERNEL_DIR, 'main.js'), NOISELAB_KERNEL_TIMING: '1', NOISELAB_KERNEL_TYPECHECK: '0', ...env },
  });
  running.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return { proc, file, stderr: () => stderr };
}

/** The processes whose command line names `file` (the kernel's connection file). */
function holding(file: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(file)) pids.push(Number(pid));
    } catch { /* gone */ }
  }
  return pids;
}

/** Asks kernel_info every 20 ms until the first reply (the client connects as soon as the port is bound). */
async function firstInfo(c: ReturnType<typeof clientOf>): Promise<Message> {
  let reply: Message | null = null;
  void c.receive().then((m) => { reply = m; }, () => undefined);
  for (let i = 0; i < 500 && !reply; i++) {
    c.send('kernel_info_request');
    await new Promise((ok) => setTimeout(ok, 20));
  }
  expect(reply).not.toBeNull();
  return reply!;
}

const kernelArgv = () => findKernelSpec('noiselab').argv;

describe('the kernel\'s launcher', () => {
  it('is what the kernelspec setup registered starts: a copy in the kernelspec\'s folder, with this checkout as the fallback', () => {
    expect(existsSync(LAUNCHER)).toBe(true);
    const [launcher, fallback] = kernelArgv();
    expect(launcher).toBe(join(findKernelSpec('noiselab').dir, 'launcher'));
    expect(readFileSync(launcher).equals(readFileSync(LAUNCHER)), 'the copy is the one setup built').toBe(true);
    expect(fallback).toBe(join(KERNEL_DIR, 'main.js'));
    expect(JSON.parse(readFileSync(join(KERNEL_DIR, LAUNCHER_INFO_FILE), 'utf8'))).toEqual(kernelInfo(KERNEL_DIR));
  });

  it('outlives the checkout that wrote the kernelspec: with it gone, Node\'s script says what to do', () => {
    const checkout = tempDir();
    mkdirSync(join(checkout, 'dist', 'kernel'), { recursive: true });
    copyFileSync(LAUNCHER, join(checkout, 'dist', 'kernel', 'launcher'));
    const spec = join(tempDir(), 'noiselab', 'kernel.json');
    mkdirSync(dirname(spec));
    const w = spawnSync(process.execPath, [join(projectRoot(), 'scripts', 'write-kernelspec.mjs'), 'noiselab', spec, join(checkout, 'dist', 'kernel', 'main.js')]);
    expect(w.status).toBe(0);
    rmSync(checkout, { recursive: true });
    const argv = (JSON.parse(readFileSync(spec, 'utf8')) as { argv: string[] }).argv;
    expect(argv[0]).toBe(join(dirname(spec), 'launcher'));
    const dir = tempDir();
    writeFileSync(join(dir, 'kernel.json'), '{}');
    const r = spawnSync(argv[0], argv.slice(1).map((a) => a.replaceAll('{connection_file}', join(dir, 'kernel.json'))), { cwd: dir, encoding: 'utf8', env: { ...process.env, NOISELAB_KERNEL_HOME: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/noiselab kernel not found: .*run npm run setup in a noiselab checkout/);
  });

  it('is left out of a kernelspec whose folder cannot run it; the info file of another hand-over version is removed', () => {
    const checkout = tempDir();
    mkdirSync(join(checkout, 'dist', 'kernel'), { recursive: true });
    writeFileSync(join(checkout, 'dist', 'kernel', 'launcher'), 'not a program\n');
    const spec = join(tempDir(), 'noiselab', 'kernel.json');
    mkdirSync(dirname(spec));
    const w = spawnSync(process.execPath, [join(projectRoot(), 'scripts', 'write-kernelspec.mjs'), 'noiselab', spec, join(checkout, 'dist', 'kernel', 'main.js')], { encoding: 'utf8' });
    expect(w.status).toBe(0);
    expect(w.stderr).toContain('the kernel\'s launcher does not run from');
    expect((JSON.parse(readFileSync(spec, 'utf8')) as { argv: string[] }).argv[0]).toBe(process.execPath);
    expect(existsSync(join(dirname(spec), 'launcher'))).toBe(false);

    const kernel = tempDir();
    writeFileSync(join(kernel, 'kernel-info.v0.json'), '{}');
    writeFileSync(join(kernel, 'kernel-info.json'), '{}');
    refreshKernelInfo(kernel, { protocol_version: '5.3' });
    expect(readdirSync(kernel)).toEqual([LAUNCHER_INFO_FILE]);
  });

  it('answers kernel_info signed, within ms of the start, then becomes the kernel: the same process, the same session, its copy gone', async () => {
    const conn = await connection();
    const k = start(conn, kernelArgv());
    const c = clientOf(conn);
    const info = await firstInfo(c);
    expect(info.header.msg_type).toBe('kernel_info_reply');
    expect(info.content).toEqual(kernelInfo(KERNEL_DIR));
    await until(() => /kernel_info answered [\d.]+ ms after the process started \(by its launcher\)/.test(k.stderr()));
    const ms = Number(/kernel_info answered ([\d.]+) ms/.exec(k.stderr())![1]);
    console.log(`the launcher answered kernel_info ${ms} ms after the process started`);
    // busy and idle for it on iopub, as any kernel publishes them (iopub may have subscribed after the first)
    c.send('kernel_info_request');
    await until(() => c.statuses.includes('idle:kernel_info_request'));

    const asked = c.send('execute_request', { code: 'process.pid', silent: false, store_history: true, user_expressions: {}, allow_stdin: false });
    let reply = await c.receive();
    while (reply.parent_header.msg_id !== asked.header.msg_id) reply = await c.receive();
    expect(reply.content).toMatchObject({ status: 'ok' });
    await until(() => c.published.some((m) => m.header.msg_type === 'execute_result'));
    const result = c.published.find((m) => m.header.msg_type === 'execute_result')!;
    expect((result.content as { data: Record<string, string> }).data['text/plain']).toBe(String(k.proc.pid));
    expect(reply.header.session, 'the kernel continues the session its launcher answered in').toBe(info.header.session);
    expect(holding(k.file), 'no process but the kernel holds the connection file (the launcher\'s copy has ended)').toEqual([k.proc.pid]);
  }, 60_000);

  it('leaves to the kernel what it does not answer, in order: a kernel_info behind an execute_request is answered after it', async () => {
    const conn = await connection();
    const k = start(conn, kernelArgv());
    const c = clientOf(conn);
    // sent at once: the client queues them until it is connected, and they arrive together
    const first = c.send('execute_request', { code: '1 + 1', silent: false, store_history: true, user_expressions: {}, allow_stdin: false });
    const second = c.send('kernel_info_request');
    const replies = [await c.receive(), await c.receive()];
    expect(replies.map((r) => r.parent_header.msg_id)).toEqual([first.header.msg_id, second.header.msg_id]);
    expect(replies[0].content).toMatchObject({ status: 'ok' });
    expect(k.stderr()).not.toContain('by its launcher');
  }, 60_000);

  it('leaves the kernel to Node where the kernel found does not take sockets over (no info file), or a port is in use for a moment', async () => {
    // the notebook's folder holds a kernel of its own without the info file (an older checkout's): a stand-in
    // that binds the shell port itself, which it could not if the launcher held it
    const conn = await connection();
    const nb = tempDir();
    mkdirSync(join(nb, 'node_modules', 'noiselab', 'dist', 'kernel'), { recursive: true });
    writeFileSync(join(nb, 'node_modules', 'noiselab', 'dist', 'kernel', 'main.js'), `const c = JSON.parse(require('fs').readFileSync(process.argv.at(-1), 'utf8'));
const s = require('net').createServer().listen(c.shell_port, '127.0.0.1', () => { console.error('stand-in bound the shell port'); process.exit(0); });
s.on('error', (e) => { console.error('stand-in: ' + e.code); process.exit(3); });\n`);
    const file = join(nb, 'kernel.json');
    writeFileSync(file, JSON.stringify(conn));
    const r = spawnSync(kernelArgv()[0], kernelArgv().slice(1).map((a) => a.replaceAll('{connection_file}', file)), { cwd: nb, encoding: 'utf8' });
    expect(r.stderr).toContain('stand-in bound the shell port');
    expect(r.status).toBe(0);

    // the control port held for 300 ms: the launcher cannot bind it, and Node binds it once free
    const busy = await connection();
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(busy.control_port, '127.0.0.1', ok));
    setTimeout(() => holder.close(), 300);
    const b = start(busy, kernelArgv());
    expect((await firstInfo(clientOf(busy))).header.msg_type).toBe('kernel_info_reply');
    await until(() => b.stderr().includes('kernel_info answered'));
    expect(b.stderr()).not.toContain('by its launcher');

    // a connection file it cannot read: Node's kernel says which, and exits 1
    const dir = tempDir();
    const gone = spawn(LAUNCHER, [...kernelArgv().slice(1, -1), join(dir, 'missing.json')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    gone.stderr.on('data', (d: Buffer) => { said += d.toString(); });
    expect(await new Promise((ok) => gone.once('exit', ok))).toBe(1);
    expect(said).toMatch(/cannot read the connection file .*missing\.json/);
  }, 60_000);

  it('binds the sockets in the kernel when the launcher\'s copy ends before passing them on', async () => {
    const conn = await connection();
    // Node held up for 1.5 s before the kernel's first line, while the copy is killed
    const dir = tempDir();
    writeFileSync(join(dir, 'hold.cjs'), 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);\n');
    const k = start(conn, kernelArgv(), { NODE_OPTIONS: `--require ${join(dir, 'hold.cjs')}` });
    const c = clientOf(conn);
    expect((await firstInfo(c)).header.msg_type).toBe('kernel_info_reply');
    await until(() => k.stderr().includes('by its launcher'));
    const copy = holding(k.file).filter((pid) => pid !== k.proc.pid);
    expect(copy).toHaveLength(1);
    process.kill(copy[0], 'SIGKILL');
    await until(() => k.stderr().includes('the launcher ended while passing the sockets on; binding shell, control, stdin, iopub here'));
    // the client reconnects to the kernel's own sockets, and is answered by it
    const asked = c.send('execute_request', { code: '6 * 7', silent: false, store_history: true, user_expressions: {}, allow_stdin: false });
    let reply = await c.receive();
    while (reply.parent_header.msg_id !== asked.header.msg_id) reply = await c.receive();
    expect(reply.content).toMatchObject({ status: 'ok' });
  }, 60_000);

  it('ends its copy, releasing the ports, when what it became exits before taking them', async () => {
    const conn = await connection();
    // a "kernel" that never takes the sockets: a shell that sleeps 2 s
    const k = start(conn, [LAUNCHER, join(KERNEL_DIR, 'main.js'), '/bin/sh', '-c', 'sleep 2', '{connection_file}']);
    expect((await firstInfo(clientOf(conn))).header.msg_type).toBe('kernel_info_reply');
    await until(() => k.stderr().includes('by its launcher'));
    // a peer it stops reading (64 bytes that are not a ZMTP greeting) that hangs up: the copy waits, it does not spin on the hang-up
    const [copy] = holding(k.file).filter((pid) => pid !== k.proc.pid);
    const cpu = () => readFileSync(`/proc/${copy}/stat`, 'latin1').split(') ')[1].split(' ').slice(11, 13).reduce((a, t) => a + Number(t), 0);
    const before = cpu();
    // (reset: poll reports a hang-up whatever events were asked for)
    const http: Socket = connect(conn.shell_port, '127.0.0.1', () => http.write(`GET / HTTP/1.0\r\nX-Pad: ${'a'.repeat(64)}\r\n\r\n`, () => setTimeout(() => http.resetAndDestroy(), 100)));
    http.on('error', () => undefined);
    await new Promise((ok) => setTimeout(ok, 1000));
    expect(cpu() - before, 'clock ticks of CPU the copy used in 1 s after the hang-up').toBeLessThan(20);
    await new Promise((ok) => k.proc.once('exit', ok));
    await until(() => holding(k.file).length === 0);
    const probe = createServer();
    await new Promise<void>((ok, fail) => { probe.once('error', fail); probe.listen(conn.shell_port, '127.0.0.1', ok); });
    probe.close();
  }, 30_000);
});
