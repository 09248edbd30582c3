/**
 * A Jupyter kernel in a child process, driven over zeromq: start (with a deadline), execute code and
 * stream its iopub messages, interrupt, shut down. The process is watched: if it exits, every waiting
 * call fails at once with KernelDiedError naming the exit code or signal and the end of its stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dealer, Socket, Subscriber } from 'zeromq';
import type { KernelSpec } from './kernelspec.js';
import { SendQueue, Session, type Message } from './protocol.cjs';

export class KernelStartError extends Error {}
export class KernelDiedError extends Error {
  constructor(readonly exit: string, readonly stderr: string) {
    super(`kernel died (${exit})${stderr ? `; its last stderr:\n${stderr}` : ''}`);
  }
}
export class CellTimeoutError extends Error {
  constructor(readonly seconds: number, readonly killed: boolean) {
    super(`cell timed out after ${seconds}s; ${killed ? 'the kernel did not answer the interrupt and was killed' : 'the kernel was interrupted'}`);
  }
}

export interface ExecuteReply {
  status: 'ok' | 'error' | 'abort';
  execution_count: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface ExecuteOutcome {
  reply: ExecuteReply;
  /** ISO times as nbclient records them in cell metadata "execution" */
  timing: Record<string, string>;
  /** the kernel's idle status never came: it dropped iopub messages, so outputs may be missing */
  iopubLost?: boolean;
}

export interface ExecuteOptions {
  /** seconds; the kernel is interrupted after this, and killed if it does not answer within interruptGrace */
  timeout?: number;
  interruptGrace?: number;
  /** seconds of iopub silence after the reply before the cell is taken as finished without its idle status */
  iopubTimeout?: number;
  /** every iopub message whose parent is this request, in order */
  onIopub?: (msg: Message) => void;
}

interface Pending {
  onIopub(msg: Message): void;
  onReply(msg: Message): void;
  fail(err: Error): void;
}

const STDERR_TAIL = 4000;
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const p of live) killGroup(p, 'SIGKILL'); });

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid!, signal);
  } catch {
    try { p.kill(signal); } catch { /* already gone */ }
  }
}

/** n ports free on 127.0.0.1 now (a kernel binds them next). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

/** Signs and sends messages on one socket, in order (SendQueue). */
class Sender {
  private readonly queue: SendQueue;
  constructor(socket: Dealer, private readonly session: Session) { this.queue = new SendQueue(socket); }
  send(msg: Message<object>): Promise<void> {
    return this.queue.send(this.session.serialize(msg));
  }
}

export class Kernel {
  readonly session: Session;
  info: Record<string, unknown> = {};
  private readonly pending = new Map<string, Pending>();
  private readonly shell: Dealer;
  private readonly control: Dealer;
  private readonly iopub: Subscriber;
  private readonly shellSend: Sender;
  private readonly controlSend: Sender;
  private stderr = '';
  private death: KernelDiedError | null = null;
  private deathListeners: ((e: KernelDiedError) => void)[] = [];
  private closed = false;

  private constructor(readonly spec: KernelSpec, private readonly proc: ChildProcess, private readonly runtimeDir: string, key: string,
    zmq: typeof import('zeromq')) {
    this.session = new Session(key);
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    this.shellSend = new Sender(this.shell, this.session);
    this.controlSend = new Sender(this.control, this.session);
    live.add(proc);
    const keep = (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL); };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      const how = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ', e.g. out of memory' : ''}` : `exit code ${code}`;
      this.death = new KernelDiedError(how, this.stderr.trim());
      for (const p of this.pending.values()) p.fail(this.death);
      this.pending.clear();
      for (const l of this.deathListeners) l(this.death);
    });
  }

  /** Launches the kernel of `spec` in `cwd` and waits until it answers on shell and iopub. */
  static async start(spec: KernelSpec, opts: { cwd: string; startTimeout: number; env?: Record<string, string> }): Promise<Kernel> {
    const zmq = await import('zeromq'); // loaded here: the library's users who never run a notebook do not pay for it
    const runtimeDir = mkdtempSync(join(tmpdir(), 'noiselab-kernel-'));
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const key = randomBytes(16).toString('hex');
    const connectionFile = join(runtimeDir, 'kernel.json');
    writeFileSync(connectionFile, JSON.stringify({
      transport: 'tcp', ip: '127.0.0.1', shell_port: shell, iopub_port: iopub, stdin_port: stdin,
      control_port: control, hb_port: hb, key, signature_scheme: 'hmac-sha256', kernel_name: spec.name,
    }), { mode: 0o600 });
    const argv = spec.argv.map((a) => a.replaceAll('{connection_file}', connectionFile).replaceAll('{resource_dir}', spec.dir));
    const proc = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd, env: { ...process.env, ...spec.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    const spawned = await new Promise<Error | null>((ok) => {
      proc.once('spawn', () => ok(null));
      proc.once('error', (e) => ok(e));
    });
    if (spawned) {
      rmSync(runtimeDir, { recursive: true, force: true });
      throw new KernelStartError(`cannot start kernel '${spec.name}': ${argv[0]}: ${spawned.message} (kernelspec in ${spec.dir})`);
    }
    const kernel = new Kernel(spec, proc, runtimeDir, key, zmq);
    kernel.connect({ shell, iopub, control });
    try {
      await kernel.withDeadline(kernel.waitReady(), opts.startTimeout,
        () => new KernelStartError(`kernel '${spec.name}' did not answer within ${opts.startTimeout}s of starting${kernel.stderr ? `; its stderr:\n${kernel.stderr.trim()}` : ''}`));
    } catch (e) {
      await kernel.kill();
      if (e instanceof KernelDiedError) throw new KernelStartError(`kernel '${spec.name}' exited while starting: ${e.message}`);
      throw e;
    }
    return kernel;
  }

  private connect(ports: { shell: number; iopub: number; control: number }): void {
    const at = (p: number) => `tcp://127.0.0.1:${p}`;
    this.shell.connect(at(ports.shell));
    this.control.connect(at(ports.control));
    this.iopub.connect(at(ports.iopub));
    this.iopub.subscribe();
    const route = (socket: Socket & AsyncIterable<Buffer[]>, kind: 'reply' | 'iopub') => void (async () => {
      try {
        for await (const frames of socket) {
          let msg: Message;
          try { msg = this.session.deserialize(frames); } catch { continue; }
          const p = this.pending.get(msg.parent_header.msg_id ?? '');
          if (p) (kind === 'iopub' ? p.onIopub(msg) : p.onReply(msg));
        }
      } catch { /* socket closed */ }
    })();
    route(this.shell, 'reply');
    route(this.control, 'reply');
    route(this.iopub, 'iopub');
  }

  /** kernel_info until the reply arrives on shell and its status on iopub (iopub drops what precedes subscription). */
  private async waitReady(): Promise<void> {
    for (;;) {
      let sawStatus = false;
      const msg = this.session.message('kernel_info_request', {});
      const reply = new Promise<Message>((ok, fail) => this.pending.set(msg.header.msg_id, {
        onIopub: (m) => { if (m.header.msg_type === 'status') sawStatus = true; },
        onReply: ok, fail,
      }));
      await this.shellSend.send(msg);
      const got = await Promise.race([reply, sleep(500).then(() => null)]);
      if (got) {
        this.info = got.content;
        await sleep(20);
        if (sawStatus) { this.pending.delete(msg.header.msg_id); return; }
      }
      this.pending.delete(msg.header.msg_id);
    }
  }

  /** Runs `code`; resolves when the reply and the kernel's idle status for it have both arrived. */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    if (this.death) throw this.death;
    const msg = this.session.message('execute_request', {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
    });
    const timing: Record<string, string> = {};
    let reply: ExecuteReply | null = null;
    let idle = false;
    // A kernel can lose iopub messages, the idle status among them: a PUB socket drops what exceeds its
    // high-water mark, and tslab's zeromq refuses a send while one is pending (EBUSY, in long synchronous
    // stretches). Once the reply is in, iopub silence for iopubTimeout seconds ends the cell.
    let quiet: NodeJS.Timeout | undefined;
    const done = new Promise<ExecuteOutcome>((ok, fail) => {
      const finish = (lost = false) => {
        if (!reply || (!idle && !lost)) return;
        clearTimeout(quiet);
        this.pending.delete(msg.header.msg_id);
        ok({ reply, timing, ...(lost ? { iopubLost: true } : {}) });
      };
      const waitQuiet = () => {
        clearTimeout(quiet);
        if (reply && !idle) quiet = setTimeout(() => finish(true), (opts.iopubTimeout ?? 4) * 1000);
      };
      this.pending.set(msg.header.msg_id, {
        onIopub: (m) => {
          const state = m.header.msg_type === 'status' ? (m.content as { execution_state: string }).execution_state : null;
          if (state === 'busy') timing['iopub.status.busy'] = m.header.date;
          else if (m.header.msg_type === 'execute_input') timing['iopub.execute_input'] = m.header.date;
          else if (state === 'idle') { timing['iopub.status.idle'] = m.header.date; idle = true; finish(); }
          else opts.onIopub?.(m);
          waitQuiet();
        },
        onReply: (m) => {
          timing['shell.execute_reply'] = m.header.date;
          reply = m.content as unknown as ExecuteReply;
          finish();
          waitQuiet();
        },
        fail: (e) => { clearTimeout(quiet); fail(e); },
      });
    });
    await this.shellSend.send(msg);
    if (!opts.timeout) return done;
    const timeout = opts.timeout;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((ok) => { timer = setTimeout(() => ok('timeout'), timeout * 1000); });
    try {
      const first = await Promise.race([done, timedOut]);
      if (first !== 'timeout') return first;
    } finally {
      clearTimeout(timer);
    }
    await this.interrupt();
    const answered = await Promise.race([done.then(() => true, () => false), sleep((opts.interruptGrace ?? 5) * 1000).then(() => false)]);
    if (!answered) await this.kill();
    throw new CellTimeoutError(timeout, !answered);
  }

  async interrupt(): Promise<void> {
    if (this.death) return;
    if (this.spec.interrupt_mode === 'message') {
      await this.controlSend.send(this.session.message('interrupt_request', {}));
    } else {
      killGroup(this.proc, 'SIGINT');
    }
  }

  /** Called once with the death error if the process exits (also after shutdown). */
  onDeath(listener: (e: KernelDiedError) => void): void {
    if (this.death) listener(this.death);
    else this.deathListeners.push(listener);
  }

  get alive(): boolean {
    return !this.death;
  }

  /** Asks the kernel to shut down, waits `grace` seconds for it to exit, then kills its process group. */
  async shutdown(grace = 3): Promise<void> {
    if (!this.death) {
      const exited = new Promise<void>((ok) => this.onDeath(() => ok()));
      await this.controlSend.send(this.session.message('shutdown_request', { restart: false })).catch(() => undefined);
      await Promise.race([exited, sleep(grace * 1000)]);
    }
    await this.kill();
  }

  async kill(): Promise<void> {
    if (!this.death) {
      const exited = new Promise<void>((ok) => this.onDeath(() => ok()));
      killGroup(this.proc, 'SIGKILL');
      await exited;
    } else {
      killGroup(this.proc, 'SIGKILL'); // children the kernel left behind
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    rmSync(this.runtimeDir, { recursive: true, force: true });
  }

  private async withDeadline<T>(p: Promise<T>, seconds: number, onTimeout: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const died = new Promise<never>((_, fail) => this.onDeath(fail));
    const late = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(onTimeout()), seconds * 1000); });
    try {
      return await Promise.race([p, died, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms).unref());
}
