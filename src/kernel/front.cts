/**
 * The kernel's front: it binds the sockets of the connection file (./zmtp.cts) and answers kernel_info
 * before the rest of the kernel is loaded, then hands every message to the kernel (./server.ts) in order.
 *
 * CommonJS, with nothing but Node's modules and ../notebook/protocol.cts, so that the kernelspec's launcher
 * can `require` it before any ES module is loaded (a process's first ES import costs ~8 ms here, the
 * kernel's modules ~40 more, and Node's own start ~85 of the 100 the kernel has to answer in). The kernel
 * (./main.ts) takes the front the launcher started, or starts one itself (`node main.js <file>`).
 */
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { SendQueue, Session, type Message } from '../notebook/protocol.cjs';
import { bindRetrying, diagnostic, ZmtpSocket } from './zmtp.cjs';

export interface Connection {
  transport: string; ip: string; key: string; signature_scheme: string;
  shell_port: number; iopub_port: number; stdin_port: number; control_port: number; hb_port: number;
}

export type Channel = 'shell' | 'control';

/** Takes each request the front received, with the routing ids it came with, in order of arrival. */
export type Handler = (channel: Channel, msg: Message, ids: Buffer[]) => void;

const DELIMITER = '<IDS|MSG>';

export class KernelFront {
  readonly session: Session;
  readonly shell = new ZmtpSocket('ROUTER');
  readonly control = new ZmtpSocket('ROUTER');
  readonly stdin = new ZmtpSocket('ROUTER');
  readonly iopub = new ZmtpSocket('PUB');
  readonly out: { shell: SendQueue; control: SendQueue; iopub: SendQueue };
  /** settles when the sockets are bound (rejects, naming the endpoint, when one cannot be) */
  readonly bound: Promise<void>;
  /** whether the front answered a kernel_info itself (the kernel then starts its type checker at once) */
  answeredInfo = false;
  private handler: Handler | null = null;
  /** the front's kernel_info answers in flight, in order: the kernel's shell work starts after them */
  answering: Promise<void> = Promise.resolve();
  private infoAnswered: () => void = () => undefined;
  private readonly firstInfo = new Promise<void>((ok) => { this.infoAnswered = ok; });
  private readonly early: [Channel, Message, Buffer[]][] = [];
  private info: object | null = null;

  constructor(readonly conn: Connection, readonly kernelDir: string) {
    if (conn.signature_scheme && conn.signature_scheme !== 'hmac-sha256') {
      throw new Error(`signature_scheme ${conn.signature_scheme} is not supported (hmac-sha256 is)`);
    }
    this.session = new Session(conn.key ?? '');
    this.out = { shell: new SendQueue(this.shell), control: new SendQueue(this.control), iopub: new SendQueue(this.iopub) };
    // started by the launcher (./launcher.c), which bound the sockets: they are taken from it
    const early = process.env.NOISELAB_EARLY_FRONT === '1' && typeof process.send === 'function';
    delete process.env.NOISELAB_EARLY_FRONT;
    this.bound = early ? this.takeOver() : this.bind().then(() => this.serve());
    this.bound.catch(() => undefined); // reported by whoever awaits it (./main.ts)
  }

  /** The endpoint of a port: `tcp://ip:port`, or Jupyter's `ipc://ip-port`. */
  url(port: number): string {
    return this.conn.transport === 'ipc' ? `ipc://${this.conn.ip}-${port}` : `${this.conn.transport}://${this.conn.ip}:${port}`;
  }

  /** The sockets the front binds (or takes from the launcher), by name, each with its port. */
  private get bindable(): Record<string, { socket: ZmtpSocket; port: number }> {
    const c = this.conn;
    return {
      shell: { socket: this.shell, port: c.shell_port }, control: { socket: this.control, port: c.control_port },
      stdin: { socket: this.stdin, port: c.stdin_port }, iopub: { socket: this.iopub, port: c.iopub_port },
    };
  }

  /** Binds the sockets named (all by default), each tried again while its port is in use for a moment. */
  private async bind(names: string[] = Object.keys(this.bindable)): Promise<void> {
    const all = this.bindable;
    await Promise.all(names.map((name) => bindRetrying(all[name].socket, this.url(all[name].port), name)));
  }

  private serve(): void {
    void this.listen(this.control, 'control');
    void this.listen(this.shell, 'shell');
    if (!this.answeredInfo) void this.publish(null, 'status', { execution_state: 'starting' });
  }

  /**
   * Takes the sockets from the launcher's copy (./launcher.c) over Node's IPC channel: the session it
   * answered in (its id is the kernel's from then on), then each listener and connection, a state and a
   * handle. What it got is adopted even if the copy ends partway; a socket whose listener did not come is
   * bound here.
   */
  private takeOver(): Promise<void> {
    return new Promise<void>((ok, fail) => {
      const states = new Map<number, SocketState>();
      const handles = new Map<number, object>();
      let begun: { session: string; answered: boolean } | null = null;
      let ended = false;
      const end = (complete: boolean) => {
        if (ended) return;
        ended = true;
        process.off('message', message);
        process.off('disconnect', lost);
        if (complete) process.disconnect();
        this.adopt(states, handles, begun, complete).then(ok, fail);
      };
      const lost = () => end(false);
      const message = (m: LauncherMessage, handle?: object) => {
        if (m?.noiselab === 'begin') begun = m;
        else if (m?.noiselab === 'state') states.set(m.n, m);
        else if (m?.noiselab === 'fd' && handle) handles.set(m.n, handle);
        else if (m?.noiselab === 'done') end(true);
      };
      process.on('message', message);
      process.on('disconnect', lost);
      if (!process.connected) return lost();
      process.send!({ noiselab: 'take' }, undefined, undefined, (e) => { if (e) lost(); });
    });
  }

  private async adopt(states: Map<number, SocketState>, handles: Map<number, object>,
    begun: { session: string; answered: boolean } | null, complete: boolean): Promise<void> {
    const all = this.bindable;
    const listening = new Set<string>();
    for (const [n, handle] of handles) {
      const s = states.get(n);
      if (!s || !(s.channel in all)) { (handle as { close?: () => void }).close?.(); continue; }
      const { socket, port } = all[s.channel];
      if (s.listener) {
        await socket.adoptListener(handle, this.url(port));
        listening.add(s.channel);
      } else {
        socket.adoptPeer(new Socket({ handle, readable: true, writable: true } as object), {
          greeted: s.greeted!, ready: s.ready!, id: Buffer.from(s.id!, 'hex'),
          subscriptions: s.subscriptions!.map((t) => Buffer.from(t, 'hex')), pending: Buffer.from(s.pending!, 'base64'),
        });
      }
    }
    const missing = Object.keys(all).filter((c) => !listening.has(c));
    if (!complete) diagnostic(`noiselab kernel: the launcher ended while passing the sockets on; ${missing.length ? `binding ${missing.join(', ')} here` : 'all were passed'}`);
    await this.bind(missing);
    if (begun) {
      this.session.continue(begun.session);
      if (begun.answered) {
        this.answeredInfo = true;
        this.infoAnswered();
      }
    }
    this.serve();
    // the launcher's kernel_info comes from LAUNCHER_INFO_FILE: kept as this kernel would answer
    setImmediate(() => refreshKernelInfo(this.kernelDir, this.kernelInfo()));
  }

  private async listen(socket: ZmtpSocket, channel: Channel): Promise<void> {
    for await (const frames of socket) {
      let msg: Message;
      const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
      try {
        msg = this.session.deserialize(frames);
      } catch (e) {
        diagnostic(`noiselab kernel: dropped a message on ${channel}: ${(e as Error).message}`);
        continue;
      }
      const ids = frames.slice(0, Math.max(at, 0));
      try {
        if (this.handler) this.handler(channel, msg, ids);
        // before the kernel is loaded: kernel_info is answered here, unless requests wait before it on its channel
        else if (msg.header.msg_type === 'kernel_info_request' && !this.early.some(([c]) => c === channel)) {
          this.answering = this.answering.then(() => this.answerInfo(channel, msg, ids)).catch((e: Error) => diagnostic(`noiselab kernel: kernel_info: ${e.message}`));
        } else this.early.push([channel, msg, ids]);
      } catch (e) {
        // one request's failure is reported, and the channel served on
        diagnostic(`noiselab kernel: a ${msg.header.msg_type} on ${channel} failed: ${(e as Error).stack}`);
      }
    }
  }

  private async answerInfo(channel: Channel, msg: Message, ids: Buffer[]): Promise<void> {
    this.answeredInfo = true;
    await this.publish(msg, 'status', { execution_state: 'busy' });
    await this.reply(channel, ids, msg, 'kernel_info_reply', this.kernelInfo());
    await this.publish(msg, 'status', { execution_state: 'idle' });
    // NOISELAB_KERNEL_TIMING=1: when, for startup measurements
    if (process.env.NOISELAB_KERNEL_TIMING === '1') diagnostic(`noiselab kernel: kernel_info answered ${(process.uptime() * 1000).toFixed(1)} ms after the process started`);
    this.infoAnswered();
  }

  /**
   * Settles when the kernel's modules may load: once the first kernel_info is answered (a client asks at
   * once; loading them meanwhile would hold that answer up by tens of ms), at the latest `waitMs` after
   * the sockets are bound, or when they cannot be (the kernel then reports why).
   */
  loadable(waitMs = 50): Promise<void> {
    const late = this.bound.then(() => new Promise<void>((ok) => setTimeout(ok, waitMs)), () => undefined);
    return Promise.race([this.firstInfo, late]);
  }

  /**
   * The kernel takes over: it gets the requests that waited, in order, then every later one. It starts its
   * shell work after `answering` (the front's kernel_info replies in flight).
   */
  handOver(handler: Handler): void {
    this.handler = handler;
    for (const [channel, msg, ids] of this.early.splice(0)) handler(channel, msg, ids);
  }

  reply(channel: Channel, ids: Buffer[], parent: Message, type: string, content: object): Promise<void> {
    const msg = this.session.message(type, content);
    msg.parent_header = parent.header;
    return this.out[channel].send([...ids, ...this.session.serialize(msg)]);
  }

  publish(parent: Message | null, type: string, content: object, metadata: object = {}): Promise<void> {
    const msg = this.session.message(type, content);
    if (parent) msg.parent_header = parent.header;
    msg.metadata = metadata as Record<string, unknown>;
    return this.out.iopub.send(this.session.serialize(msg));
  }

  /** kernel_info_reply's content (./launcher.c answers with the same, from LAUNCHER_INFO_FILE). */
  kernelInfo(): object {
    return (this.info ??= kernelInfo(this.kernelDir));
  }
}

/** A socket the launcher's copy passes on: a listener, or a connection as it left it (./launcher.c). */
interface SocketState {
  n: number; channel: string; listener?: boolean;
  greeted?: boolean; ready?: boolean; id?: string; subscriptions?: string[]; pending?: string;
}

/** What the launcher's copy sends over the IPC channel, in this order (./launcher.c). */
type LauncherMessage =
  | { noiselab: 'begin'; session: string; answered: boolean }
  | ({ noiselab: 'state' } & SocketState)
  | { noiselab: 'fd'; n: number }
  | { noiselab: 'done' };

/** kernel_info_reply's content: the versions of noiselab, TypeScript (the checker), esbuild (the compiler) and Node. */
export function kernelInfo(kernelDir: string): object {
  const req = createRequire(join(kernelDir, 'x.js'));
  const version = (pkg: string) => {
    try { return (req(`${pkg}/package.json`) as { version: string }).version; } catch { return 'not installed'; }
  };
  let own = 'unknown';
  try { own = (JSON.parse(readFileSync(join(kernelDir, '..', '..', 'package.json'), 'utf8')) as { version: string }).version; } catch { /* not in a checkout */ }
  const typescript = version('typescript');
  return {
    status: 'ok', protocol_version: '5.3', implementation: 'noiselab', implementation_version: own,
    language_info: {
      name: 'typescript', version: typescript, mimetype: 'text/typescript',
      file_extension: '.ts', codemirror_mode: { name: 'javascript', typescript: true }, pygments_lexer: 'typescript',
    },
    banner: `noiselab kernel ${own}: TypeScript ${typescript} (type-checked; compiled by esbuild ${version('esbuild')}) on Node ${process.version}`,
    help_links: [],
  };
}

/**
 * The launcher's kernel_info answer, in the kernel's folder. Its presence tells the launcher that this kernel
 * takes the sockets over as it passes them on; the version in its name is that hand-over's (`takeOver`, and
 * hand_over in ./launcher.c): a change to either side's messages names a new version in both.
 */
export const LAUNCHER_INFO_FILE = 'kernel-info.v1.json';

/**
 * Writes the launcher's kernel_info answer where it differs from `info` (setup writes it; a kernel rewrites it
 * after an upgrade of what it names). Atomic: a launcher never reads half of one.
 */
export function refreshKernelInfo(kernelDir: string, info: object = kernelInfo(kernelDir)): void {
  const file = join(kernelDir, LAUNCHER_INFO_FILE);
  const text = `${JSON.stringify(info)}\n`;
  // another version's file would tell a launcher of that version that this kernel speaks its hand-over
  try {
    for (const f of readdirSync(kernelDir)) if (/^kernel-info(\.v\d+)?\.json$/.test(f) && f !== LAUNCHER_INFO_FILE) unlinkSync(join(kernelDir, f));
  } catch { /* a folder it cannot list or write: said below, if the write fails too */ }
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch { /* not written yet */ }
  try {
    writeFileSync(`${file}.${process.pid}.tmp`, text);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch (e) {
    diagnostic(`noiselab kernel: cannot write ${file}: ${(e as Error).message}`);
  }
}

let started: KernelFront | null = null;

/**
 * The front for `connectionFile`, started once per process: by the kernelspec's launcher, then taken by
 * ./main.ts (the same module instance: an ES import of a CommonJS file shares require's cache).
 * @param kernelDir the kernel's folder (dist/kernel): versions are read from its package and dependencies
 */
export function startFront(connectionFile: string, kernelDir: string): KernelFront {
  if (started) return started;
  let conn: Connection;
  try {
    conn = JSON.parse(readFileSync(connectionFile, 'utf8')) as Connection;
  } catch (e) {
    throw new Error(`cannot read the connection file ${connectionFile}: ${(e as Error).message}`);
  }
  started = new KernelFront(conn, kernelDir);
  return started;
}
