/**
 * noiselab's Jupyter kernel for TypeScript: the messaging protocol (5.3) over ZMTP (./zmtp.cts), one session of
 * cells compiled by ./compile.ts and run in this process. Each cell is type-checked first (./checker.ts,
 * on a worker thread): a cell with type errors does not run, and its error (TSError) names its lines.
 *
 * Nothing is lost: every message goes through one queue per socket, each send awaited before the next
 * (in order), and a cell's outputs are flushed before its result, its
 * reply and its idle status.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { runInThisContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Message, Session } from '../notebook/protocol.cjs';
import { CellSyntaxError, CellTypeError, IMPORT_HOOK } from './cell.js';
import { checkerPlan, startTypeChecker, type TypeChecker } from './checker.js';
import type { CompiledCell } from './compile.js';
import { installKernelHook, type Comm } from './display.js';
import { liveLibrary, liveTarget, registerLiveHooks, type LiveLibrary } from './live.js';
import { resultBundle } from './result.js';
import type { KernelFront } from './front.cjs';
import { diagnostic, type ZmtpSocket } from './zmtp.cjs';

/** What an interrupted cell throws, as Python's KeyboardInterrupt does. */
export class Interrupted extends Error {
  override name = 'KeyboardInterrupt';
  constructor() { super('interrupted'); }
}

const STREAM_FLUSH_BYTES = 1 << 16;
const CHECKER_DELAY_MS = 300;

export class KernelServer {
  private readonly session: Session;
  private readonly stdin: ZmtpSocket;
  private readonly out: KernelFront['out'];
  private executionCount = 0;
  private readonly history: [number, number, string][] = [];
  private parent: Message | null = null;
  /** the running request's identities and whether its frontend accepts input requests */
  private stdinTarget: { ids: Buffer[]; allowed: boolean } = { ids: [], allowed: false };
  private pendingInput: ((value: string) => void) | null = null;
  private readonly commTargets = new Map<string, (comm: Comm, data: unknown) => void>();
  private readonly comms = new Map<string, Comm>();
  private abort = new AbortController();
  private interruptRunning: (() => void) | null = null;
  private streams: { name: 'stdout' | 'stderr'; text: string }[] = [];
  private flushTimer: NodeJS.Immediate | null = null;
  private shellWork: Promise<unknown> = Promise.resolve();
  private abortQueued = false;
  /** checks each cell's types before it runs (./checker.ts); null where turned off */
  private checker: TypeChecker | null = null;
  private checkerStarted = false;
  private uncheckedNoted = false;
  /** the checkout whose source cells import live (./live.ts); null where the build is imported */
  private liveLib: LiveLibrary | null | undefined;

  /** @param front the bound sockets (./front.cts), which may have answered kernel_info already */
  constructor(private readonly front: KernelFront, private readonly cwd: string) {
    this.session = front.session;
    this.stdin = front.stdin;
    this.out = front.out;
  }

  async start(): Promise<void> {
    await this.front.bound;
    // the heartbeat answers from a thread of its own, so a long synchronous cell does not silence it
    // (its failure is said on the process's stderr: process.stderr is the running cell's from here on)
    const hb = new Worker(new URL('./heartbeat.js', import.meta.url), { argv: [this.front.url(this.front.conn.hb_port)], stdout: true });
    hb.on('message', (m: { bound: boolean; reason?: string }) => {
      if (!m.bound) diagnostic(`noiselab kernel: no heartbeat (${m.reason}): a frontend that watches it will take the kernel for dead`);
    });
    hb.on('error', (e) => diagnostic(`noiselab kernel: the heartbeat failed: ${e.message}`));
    hb.unref();
    this.captureOutput();
    const self = this;
    installKernelHook({
      display: (data, opts) => this.display(data, opts),
      clearOutput: (wait = false) => {
        if (this.streams.length) void this.flushStreams();
        void this.publish(this.parent, 'clear_output', { wait });
      },
      get signal() { return self.abort.signal; },
      input: (prompt, opts) => this.input(prompt, Boolean(opts?.password)),
      registerCommTarget: (name, handler) => { this.commTargets.set(name, handler); },
      openComm: (targetName, data = {}) => {
        const comm = this.newComm(randomUUID(), targetName);
        void this.publish(this.parent, 'comm_open', { comm_id: comm.id, target_name: targetName, data });
        return comm;
      },
    });
    (globalThis as Record<string, unknown>)[IMPORT_HOOK] = (spec: string) => this.importFor(spec);
    // CommonJS `require`, resolving from the notebook's folder, as in a script there
    (globalThis as Record<string, unknown>).require ??= createRequire(join(this.cwd, 'notebook.cjs'));
    process.on('SIGINT', () => this.interrupt());
    void this.serveStdin();
    this.shellWork = this.front.answering;
    this.front.handOver((channel, msg, ids) => this.take(channel, msg, ids));
    if (this.front.answeredInfo) this.startChecker();

    // load the compiler now, but after the sockets serve: kernel_info does not wait for it
    // a checker from a startup snapshot (./snapshot.ts) runs in a process of its own and is ready in a
    // fraction of the worker's warm-up: started at once, so that the first cell waits as little as it can
    setImmediate(() => {
      void compiler();
      if (checkerPlan().kind !== 'worker') this.startChecker();
    });
    // the type checker's thread takes seconds of CPU to warm up: started once the first kernel_info is
    // answered (a frontend asks at once), so that it does not slow that answer where cores are few; at the
    // latest after CHECKER_DELAY_MS, or with the first cell
    setTimeout(() => this.startChecker(), CHECKER_DELAY_MS).unref();
  }

  private startChecker(): void {
    if (this.checkerStarted) return;
    this.checkerStarted = true;
    this.checker = startTypeChecker(this.cwd, this.live()?.root ?? null);
  }

  private live(): LiveLibrary | null {
    if (this.liveLib === undefined) this.liveLib = liveLibrary(this.cwd);
    return this.liveLib;
  }

  // ---- sockets

  private async serveStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        let msg: Message;
        try { msg = this.session.deserialize(frames); } catch { continue; }
        if (msg.header.msg_type === 'input_reply') this.pendingInput?.(String((msg.content as { value?: string }).value ?? ''));
      }
    } catch { /* closed */ }
  }

  /** Asks the frontend for a line of input (input_request on stdin), as Python's input() does. */
  private async input(prompt: string, password: boolean): Promise<string> {
    if (!this.stdinTarget.allowed) throw new Error('input(): this frontend does not accept input requests (allow_stdin is false), e.g. a headless run');
    if (this.pendingInput) throw new Error('input(): another input request is waiting for its reply');
    await this.flushStreams();
    const req = this.session.message('input_request', { prompt, password });
    if (this.parent) req.parent_header = this.parent.header;
    const reply = new Promise<string>((ok) => { this.pendingInput = ok; });
    await this.stdin.send([...this.stdinTarget.ids, ...this.session.serialize(req)]);
    try {
      return await reply;
    } finally {
      this.pendingInput = null;
    }
  }

  /** A request from the front: control's at once, shell's one after another. */
  private take(channel: 'shell' | 'control', msg: Message, ids: Buffer[]): void {
    const failed = (e: unknown) => diagnostic(`noiselab kernel: a ${msg.header.msg_type} on ${channel} failed: ${(e as Error).stack ?? e}`);
    if (channel === 'control') {
      this.handle(msg, ids, channel).catch(failed);
    } else if (this.abortQueued && msg.header.msg_type === 'execute_request') {
      // an abort after an error applies to the requests already queued
      this.shellWork = this.shellWork.then(() => this.abortRequest(msg, ids)).catch(failed);
    } else {
      this.shellWork = this.shellWork.then(() => this.handle(msg, ids, channel)).catch(failed);
    }
  }

  private reply(channel: 'shell' | 'control', ids: Buffer[], parent: Message, type: string, content: object): Promise<void> {
    return this.front.reply(channel, ids, parent, type, content);
  }

  private publish(parent: Message | null, type: string, content: object, metadata: object = {}): Promise<void> {
    return this.front.publish(parent, type, content, metadata);
  }

  private async handle(msg: Message, ids: Buffer[], channel: 'shell' | 'control'): Promise<void> {
    const type = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    const replyType = type.replace(/_request$/, '_reply');
    if (type === 'execute_request') return this.execute(msg, ids);
    await this.publish(msg, 'status', { execution_state: 'busy' });
    try {
      switch (type) {
        case 'kernel_info_request':
          await this.reply(channel, ids, msg, replyType, this.front.kernelInfo());
          this.startChecker();
          break;
        case 'shutdown_request':
          await this.reply(channel, ids, msg, replyType, { status: 'ok', restart: Boolean(content.restart) });
          await this.publish(msg, 'status', { execution_state: 'idle' });
          await this.out.iopub.drained();
          // the reply and the idle status leave before the process does
          await Promise.all([this.front.shell, this.front.control, this.front.iopub, this.front.stdin].map((s) => s.shutdown()));
          process.exit(0);
          break;
        case 'interrupt_request':
          this.interrupt();
          await this.reply(channel, ids, msg, replyType, { status: 'ok' });
          break;
        case 'is_complete_request':
          await this.reply(channel, ids, msg, replyType, await this.isComplete(String(content.code ?? '')));
          break;
        case 'complete_request':
          await this.reply(channel, ids, msg, replyType, this.complete(String(content.code ?? ''), Number(content.cursor_pos ?? 0)));
          break;
        case 'inspect_request':
          await this.reply(channel, ids, msg, replyType, this.inspectAt(String(content.code ?? ''), Number(content.cursor_pos ?? 0)));
          break;
        case 'history_request':
          await this.reply(channel, ids, msg, replyType, { status: 'ok', history: this.historyFor(content) });
          break;
        case 'comm_info_request': {
          const comms = Object.fromEntries([...this.comms.values()].filter((c) => !content.target_name || c.targetName === content.target_name)
            .map((c) => [c.id, { target_name: c.targetName }]));
          await this.reply(channel, ids, msg, replyType, { status: 'ok', comms });
          break;
        }
        case 'comm_open': {
          const handler = this.commTargets.get(String(content.target_name));
          // no handler for the target: close it, as the protocol asks
          if (!handler) { await this.publish(msg, 'comm_close', { comm_id: content.comm_id, data: {} }); break; }
          this.parent = msg;
          const comm = this.newComm(String(content.comm_id), String(content.target_name));
          try { handler(comm, content.data); } catch (e) { process.stderr.write(`comm target ${comm.targetName}: ${(e as Error).stack}\n`); }
          break;
        }
        case 'comm_msg': {
          const comm = this.comms.get(String(content.comm_id));
          this.parent = msg;
          try { comm?.onMsg?.(content.data, { metadata: msg.metadata, buffers: msg.buffers }); } catch (e) { process.stderr.write(`comm ${comm?.targetName}: ${(e as Error).stack}\n`); }
          break;
        }
        case 'comm_close': {
          const comm = this.comms.get(String(content.comm_id));
          this.comms.delete(String(content.comm_id));
          try { comm?.onClose?.(content.data); } catch (e) { process.stderr.write(`comm ${comm?.targetName}: ${(e as Error).stack}\n`); }
          break;
        }
        default:
          if (type.endsWith('_request')) await this.reply(channel, ids, msg, replyType, { status: 'error', ename: 'NotImplemented', evalue: `${type} is not supported`, traceback: [] });
      }
    } finally {
      await this.publish(msg, 'status', { execution_state: 'idle' });
    }
  }

  // ---- execution

  private async abortRequest(msg: Message, ids: Buffer[]): Promise<void> {
    await this.publish(msg, 'status', { execution_state: 'busy' });
    await this.reply('shell', ids, msg, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
    await this.publish(msg, 'status', { execution_state: 'idle' });
  }

  private async execute(msg: Message, ids: Buffer[]): Promise<void> {
    const content = msg.content as { code: string; silent?: boolean; store_history?: boolean; stop_on_error?: boolean };
    const silent = Boolean(content.silent);
    const store = content.store_history !== false && !silent;
    if (store) this.executionCount += 1;
    const count = this.executionCount;
    this.parent = msg;
    this.stdinTarget = { ids, allowed: Boolean((msg.content as { allow_stdin?: boolean }).allow_stdin) };
    await this.publish(msg, 'status', { execution_state: 'busy' });
    if (!silent) await this.publish(msg, 'execute_input', { code: content.code, execution_count: count });
    if (store) this.history.push([0, count, content.code]);
    let replyContent: Record<string, unknown>;
    const asked = PAGE_REQUEST.exec(content.code);
    if (asked) {
      // `name?` pages what inspect_request shows, as IPython does
      const found = this.inspectAt(asked[1], asked[1].length) as { found: boolean; data: Record<string, unknown> };
      const payload = found.found ? [{ source: 'page', data: found.data, start: 0 }] : [];
      if (!found.found) await this.publish(msg, 'stream', { name: 'stderr', text: `${asked[1]}: not found\n` });
      await this.reply('shell', ids, msg, 'execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload });
      await this.publish(msg, 'status', { execution_state: 'idle' });
      return;
    }
    try {
      const value = await this.run(content.code, count);
      await this.flushStreams();
      if (value !== undefined && !silent) await this.publish(msg, 'execute_result', { execution_count: count, data: resultBundle(value), metadata: {} });
      replyContent = { status: 'ok', execution_count: count, user_expressions: {}, payload: [] };
    } catch (e) {
      await this.flushStreams();
      const err = this.describeError(e, count, content.code);
      await this.publish(msg, 'error', err);
      replyContent = { status: 'error', execution_count: count, ...err };
      if (content.stop_on_error !== false) {
        // requests already queued behind this one are aborted, as ipykernel does
        this.abortQueued = true;
        setImmediate(() => { this.shellWork = this.shellWork.then(() => { this.abortQueued = false; }); });
      }
    }
    await this.reply('shell', ids, msg, 'execute_reply', replyContent);
    await this.publish(msg, 'status', { execution_state: 'idle' });
  }

  private async run(code: string, count: number): Promise<unknown> {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    // an interrupt stops the wait for the type check as it stops the cell
    const interrupted = new Promise<never>((_, fail) => { this.interruptRunning = () => fail(new Interrupted()); });
    interrupted.catch(() => undefined);
    try {
      this.startChecker();
      // the type check runs on the checker's thread while esbuild compiles; a syntax error is reported first
      const checking = this.checker?.check(code);
      const cell = await compileCell(code).catch((e: unknown) => { throw withCell(e, count); });
      if (checking) {
        const outcome = await Promise.race([checking, interrupted]);
        if (outcome?.diagnostics.length) throw new CellTypeError(outcome.diagnostics);
        if (!outcome && !this.uncheckedNoted && this.checker?.problem) {
          this.uncheckedNoted = true;
          process.stderr.write(`noiselab kernel: cells run without a type check from here on (${this.checker.problem})\n`);
        }
      }
      this.cellLines.set(cellName(count), cell.originalLine);
      // the checker models the session while the cell runs: what it declares is there, even if it throws
      this.checker?.add(code);
      const result = runInThisContext(cell.code, {
        filename: cellName(count),
        importModuleDynamically: ((spec: string) => this.importFor(spec)) as never,
      }) as Promise<unknown>;
      return await Promise.race([result, interrupted]);
    } finally {
      this.interruptRunning = null;
    }
  }

  private interrupt(): void {
    this.abort.abort(new Interrupted());
    this.interruptRunning?.();
  }

  private readonly cellLines = new Map<string, (line: number) => number>();

  /** An error as the protocol carries it, with the cell's own line numbers and no kernel frames. */
  private describeError(e: unknown, count: number, source: string): { ename: string; evalue: string; traceback: string[] } {
    if (!(e instanceof Error)) return { ename: 'Error', evalue: inspect(e), traceback: [`Uncaught ${inspect(e)}`] };
    const ename = e.name || 'Error';
    const evalue = e.message;
    if (e instanceof CellSyntaxError) return { ename, evalue, traceback: [`${ename}: ${evalue}`, `    at cell ${count}, line ${e.line}`] };
    if (e instanceof CellTypeError) return { ename, evalue, traceback: typeErrorTrace(e, count, source) };
    const frames = (e.stack ?? '').split('\n').slice(1).filter((l) => /^\s+at /.test(l))
      .filter((l) => !/\(node:|at node:|\/kernel\/(server|compile)\.[jt]s|^\s+at new Promise \(<anonymous>\)/.test(l))
      .map((l) => l.replace(/<cell (\d+)>:(\d+):(\d+)/g, (_, n: string, line: string) => {
        const toCell = this.cellLines.get(cellName(Number(n)));
        return `cell ${n}, line ${toCell ? toCell(Number(line)) : line}`;
      }));
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...frames.filter((f, i) => f !== frames[i - 1])] };
  }

  /**
   * Imports as the notebook's own folder would: its node_modules first, then the kernel's; noiselab from
   * its source where that is live (./live.ts).
   */
  private async importFor(spec: string): Promise<unknown> {
    let target = spec;
    if (/^\.{1,2}\//.test(spec) || spec.startsWith('/')) target = pathToFileURL(join(this.cwd, spec)).href;
    else if (!spec.startsWith('node:')) {
      try {
        target = import.meta.resolve(spec, pathToFileURL(join(this.cwd, '/')).href);
      } catch {
        // not found from the notebook's folder: the kernel's
        try { target = import.meta.resolve(spec); } catch { /* import() says why */ }
      }
      const lib = /^noiselab(\/|$)/.test(spec) ? this.live() : null;
      const live = lib && liveTarget(lib, target);
      if (live) {
        registerLiveHooks(lib);
        target = live;
      }
    }
    return import(target);
  }

  // ---- output

  private captureOutput(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      stream.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof enc === 'string' ? enc as BufferEncoding : 'utf8');
        this.queueStream(name, text);
        const done = typeof enc === 'function' ? enc : cb;
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }) as typeof stream.write;
    }
  }

  private queueStream(name: 'stdout' | 'stderr', text: string): void {
    const last = this.streams.at(-1);
    if (last?.name === name) last.text += text;
    else this.streams.push({ name, text });
    if (this.streams.reduce((n, s) => n + s.text.length, 0) > STREAM_FLUSH_BYTES) void this.flushStreams();
    else this.flushTimer ??= setImmediate(() => void this.flushStreams());
  }

  private flushStreams(): Promise<void> {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    const pending = this.streams;
    this.streams = [];
    for (const s of pending) void this.publish(this.parent, 'stream', s);
    return this.out.iopub.drained().then(() => undefined);
  }

  private display(data: Record<string, unknown>, opts: { displayId?: string; update?: boolean } = {}): void {
    // streams first, so output keeps its order
    if (this.streams.length) void this.flushStreams();
    const transient = opts.displayId ? { display_id: opts.displayId } : {};
    void this.publish(this.parent, opts.update ? 'update_display_data' : 'display_data', { data, metadata: {}, transient });
  }

  private newComm(id: string, targetName: string): Comm {
    const comm: Comm = {
      id, targetName, onMsg: null, onClose: null,
      send: (data, metadata = {}) => { void this.publish(this.parent, 'comm_msg', { comm_id: id, data }, metadata); },
      close: (data = {}) => {
        if (!this.comms.delete(id)) return;
        void this.publish(this.parent, 'comm_close', { comm_id: id, data });
      },
    };
    this.comms.set(id, comm);
    return comm;
  }

  // ---- introspection

  private async isComplete(code: string): Promise<object> {
    if (PAGE_REQUEST.test(code)) return { status: 'complete' };
    try {
      await compileCell(code);
      return { status: 'complete' };
    } catch (e) {
      if (e instanceof CellSyntaxError) return e.incomplete ? { status: 'incomplete', indent: '' } : { status: 'invalid' };
      return { status: 'unknown' };
    }
  }

  private complete(code: string, cursor: number): object {
    const before = code.slice(0, cursor);
    const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.?([A-Za-z_$][\w$]*)?$/.exec(before);
    if (!m) return { status: 'ok', matches: [], cursor_start: cursor, cursor_end: cursor, metadata: {} };
    const dotted = before.endsWith('.') ? m[0].slice(0, -1) : m[0].includes('.') ? m[0].slice(0, m[0].lastIndexOf('.')) : '';
    const prefix = before.endsWith('.') ? '' : (m[0].split('.').at(-1) ?? '');
    let names: string[] = [];
    try {
      const owner = dotted ? dotted.split('.').reduce((o: any, k) => o?.[k], globalThis) : globalThis;
      for (let o = owner; o && names.length < 2000; o = Object.getPrototypeOf(o)) names.push(...Object.getOwnPropertyNames(o));
    } catch { names = []; }
    const matches = [...new Set(names)].filter((n) => n.startsWith(prefix) && /^[A-Za-z_$][\w$]*$/.test(n)).sort();
    return { status: 'ok', matches, cursor_start: cursor - prefix.length, cursor_end: cursor, metadata: {} };
  }

  private inspectAt(code: string, cursor: number): object {
    const left = /[A-Za-z_$][\w$.]*$/.exec(code.slice(0, cursor))?.[0] ?? '';
    const right = /^[\w$]*/.exec(code.slice(cursor))?.[0] ?? '';
    const path = (left + right).replace(/\.$/, '');
    if (!path) return { status: 'ok', found: false, data: {}, metadata: {} };
    let value: unknown;
    let found = false;
    try {
      const keys = path.split('.');
      let o: any = globalThis;
      for (const k of keys) { if (o == null || !(k in Object(o))) throw new Error(); o = o[k]; }
      value = o;
      found = true;
    } catch { found = false; }
    if (!found) return { status: 'ok', found: false, data: {}, metadata: {} };
    const text = typeof value === 'function' ? `${path}: ${String(value).split('\n')[0]}` : `${path}: ${inspect(value, { depth: 1 })}`;
    return { status: 'ok', found: true, data: { 'text/plain': text }, metadata: {} };
  }

  private historyFor(content: Record<string, any>): [number, number, string][] {
    const output = Boolean(content.output);
    const rows = this.history.map(([s, n, code]) => (output ? [s, n, [code, null]] : [s, n, code]) as [number, number, string]);
    if (content.hist_access_type === 'tail') return rows.slice(-Math.max(0, Number(content.n ?? 10)));
    if (content.hist_access_type === 'range') {
      const start = Number(content.start ?? 0);
      const stop = content.stop == null ? Infinity : Number(content.stop);
      return rows.filter(([, n]) => n >= start && n < stop);
    }
    if (content.hist_access_type === 'search') {
      const re = new RegExp(`^${String(content.pattern ?? '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      let found = rows.filter(([, , code]) => re.test(typeof code === 'string' ? code : (code as unknown as [string])[0]));
      if (content.unique) found = found.filter((r, i) => found.findIndex((q) => q[2] === r[2]) === i);
      return content.n ? found.slice(-Number(content.n)) : found;
    }
    return rows;
  }
}

const cellName = (count: number) => `<cell ${count}>`;

/** `name?` or `a.b.c?`: a request to page what inspect_request shows */
const PAGE_REQUEST = /^\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\?\s*$/;

/**
 * A cell's type errors as a traceback: each one's place in the cell (`at cell 3, line 2, column 7`), the
 * line of source and a caret under the column, as tsc prints them.
 */
function typeErrorTrace(e: CellTypeError, count: number, source: string): string[] {
  const lines = source.split('\n');
  const n = e.diagnostics.length;
  const out = [`${e.name}: ${n === 1 ? 'a type error' : `${n} type errors`}; the cell did not run`];
  for (const d of e.diagnostics) {
    const [first, ...rest] = d.message.split('\n');
    out.push(`    at cell ${count}, line ${d.line}, column ${d.column}: error TS${d.code}: ${first}`, ...rest.map((l) => `        ${l}`));
    const text = lines[d.line - 1];
    if (text !== undefined) out.push(`        ${text}`, `        ${' '.repeat(Math.max(0, d.column - 1))}^`);
  }
  return out;
}

function withCell(e: unknown, count: number): unknown {
  if (e instanceof CellSyntaxError) e.message = `${e.message} in cell ${count}`;
  return e;
}

// The cell compiler (acorn, esbuild) is loaded on first use, so the kernel answers kernel_info without it.
let compilerModule: Promise<typeof import('./compile.js')> | null = null;
const compiler = () => (compilerModule ??= import('./compile.js'));

async function compileCell(code: string): Promise<CompiledCell> {
  return (await compiler()).compileCell(code);
}
