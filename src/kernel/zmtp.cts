/**
 * The kernel's end of ZeroMQ's wire protocol (ZMTP 3.0, rfc.zeromq.org/spec/23, NULL security), in
 * JavaScript over node:net: the three socket types a Jupyter kernel binds (ROUTER for shell, control and
 * stdin; PUB for iopub; REP for the heartbeat). Jupyter's clients (libzmq, or zeromq.js here) connect to
 * them as to libzmq's.
 *
 * Why not the zeromq package: its native addon takes ~25 ms to load, a quarter of the time the kernel has
 * to answer its first kernel_info, and its sockets allow one send in flight (a second is refused with
 * EBUSY: messages lost unless every send is queued). Here a send is a write to the TCP stream: in order,
 * never refused, settled at once. Nothing is dropped but what libzmq drops too: a ROUTER's message to a
 * peer that is gone, a PUB's message no subscriber asked for, and a message for a peer that has stopped
 * reading with `peerBufferLimit` bytes unsent (libzmq's high-water mark: one stalled client must not hold
 * up the kernel, nor grow its memory without bound). Diagnostics go to the process's stderr (fd 2), not
 * through process.stderr, which the kernel turns into a cell's output.
 */
import { unlinkSync, writeSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ZmtpType = 'ROUTER' | 'PUB' | 'REP';

const FLAG_MORE = 1;
const FLAG_LONG = 2;
const FLAG_COMMAND = 4;
const GREETING_BYTES = 64;
/** a peer's unsent bytes past which its messages are dropped (libzmq's high-water mark, in bytes) */
export const PEER_BUFFER_LIMIT = 256 * 2 ** 20;
/** the largest frame a peer may announce (its bytes are buffered until the frame is whole) */
export const MAX_FRAME_BYTES = 1024 * 2 ** 20;

/** A line on the process's stderr (fd 2), whatever the kernel did to process.stderr. */
export function diagnostic(line: string): void {
  try { writeSync(2, `${line}\n`); } catch { /* no stderr */ }
}

/** The greeting: signature, version 3.0, the NULL mechanism, not as-server, zero filler. */
function greeting(): Buffer {
  const g = Buffer.alloc(GREETING_BYTES);
  g[0] = 0xff;
  g[8] = 1; // libzmq's padding (a ZMTP 1.0 identity length): any value is valid
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('NULL', 12, 'latin1');
  return g;
}

/** One frame: flags, a one- or eight-byte size, the body. */
export function encodeFrame(body: Buffer, flags: number): Buffer[] {
  if (body.length > 255) {
    const head = Buffer.alloc(9);
    head[0] = flags | FLAG_LONG;
    head.writeBigUInt64BE(BigInt(body.length), 1);
    return [head, body];
  }
  return [Buffer.from([flags, body.length]), body];
}

/** A command's body: its name (one byte of length) and its data. */
function commandBody(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), data]);
}

/** READY's metadata: properties of a one-byte name length and a four-byte value length. */
function properties(props: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(props)) {
    const head = Buffer.alloc(1 + name.length + 4);
    head[0] = name.length;
    head.write(name, 1, 'latin1');
    head.writeUInt32BE(value.length, 1 + name.length);
    parts.push(head, value);
  }
  return Buffer.concat(parts);
}

function parseProperties(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const n = data[at];
    if (at + 1 + n + 4 > data.length) throw new Error('malformed READY metadata');
    const name = data.toString('latin1', at + 1, at + 1 + n).toLowerCase();
    const len = data.readUInt32BE(at + 1 + n);
    const start = at + 1 + n + 4;
    if (start + len > data.length) throw new Error('malformed READY metadata');
    out.set(name, data.subarray(start, start + len));
    at = start + len;
  }
  return out;
}

/** A connection's state when another process accepted it (./launcher.c) and passed it on. */
export interface AdoptedPeer {
  greeted: boolean;
  ready: boolean;
  /** a ROUTER's routing id for the peer (its Identity, or one the launcher made) */
  id: Buffer;
  subscriptions: Buffer[];
  /** bytes read from the peer and not handled, from the start of a unit (greeting, command or message) */
  pending: Buffer;
}

/** The socket types each may talk to (ZMTP's compatibility table). */
const PEERS: Record<ZmtpType, string[]> = { ROUTER: ['DEALER', 'REQ', 'ROUTER'], PUB: ['SUB', 'XSUB'], REP: ['REQ', 'DEALER'] };

/** A connected peer: parses its stream into frames and messages. */
class Peer {
  /** the routing id a ROUTER prefixes its messages with */
  id: Buffer = Buffer.alloc(0);
  ready = false;
  readonly subscriptions: Buffer[] = [];
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** whether the peer's greeting was read (by this process, or by the launcher it took the peer from) */
  greeted = false;
  private frames: Buffer[] = [];

  /** whether a message was dropped for this peer since it last had room (said once per stall) */
  stalled = false;

  constructor(readonly socket: Socket, private readonly owner: ZmtpSocket) {}

  /** Appends received bytes and handles every complete unit in them. */
  receive(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (!this.greeted) {
        const g = this.take(GREETING_BYTES);
        if (!g) return;
        if (g[0] !== 0xff || (g[9] & 1) !== 1) throw new Error('not a ZMTP peer (bad signature)');
        if (g[10] < 3) throw new Error(`ZMTP ${g[10]}.x peer: only 3.x is spoken`);
        const mechanism = g.toString('latin1', 12, 32).replace(/\0+$/, '');
        if (mechanism !== 'NULL') throw new Error(`security mechanism ${mechanism}: only NULL is spoken`);
        this.greeted = true;
        continue;
      }
      if (this.bufferedBytes < 2) return;
      const head = this.peek(9);
      const flags = head[0];
      const long = (flags & FLAG_LONG) !== 0;
      if (long && head.length < 9) return;
      const size = long ? Number(head.readBigUInt64BE(1)) : head[1];
      if (size > MAX_FRAME_BYTES) throw new Error(`a frame of ${size} bytes (at most ${MAX_FRAME_BYTES})`);
      const headBytes = long ? 9 : 2;
      if (this.bufferedBytes < headBytes + size) return;
      this.take(headBytes);
      const body = this.take(size) ?? Buffer.alloc(0);
      if (flags & FLAG_COMMAND) this.command(body);
      else {
        if (!this.ready) throw new Error('a message before the handshake');
        this.frames.push(body);
        if (!(flags & FLAG_MORE)) {
          const message = this.frames;
          this.frames = [];
          this.owner.onMessage(this, message);
        }
      }
    }
  }

  private command(body: Buffer): void {
    const name = body.toString('latin1', 1, 1 + body[0]);
    const data = body.subarray(1 + body[0]);
    if (name === 'READY') {
      const props = parseProperties(data);
      const type = props.get('socket-type')?.toString('latin1') ?? '';
      if (!PEERS[this.owner.type].includes(type)) throw new Error(`a ${type || 'typeless'} peer cannot talk to a ${this.owner.type} socket`);
      this.owner.onReady(this, props.get('identity'));
      this.ready = true;
    } else if (name === 'ERROR') {
      this.socket.destroy();
    } else if (name === 'PING') {
      // ZMTP 3.1's heartbeat: PONG with the ping's context (after its two-byte TTL)
      this.socket.write(Buffer.concat(encodeFrame(commandBody('PONG', data.subarray(2)), FLAG_COMMAND)));
    } else if (name === 'SUBSCRIBE' || name === 'CANCEL') {
      this.owner.onSubscription(this, name === 'SUBSCRIBE', data);
    }
    // other commands (PONG, ...) carry nothing a bound kernel socket needs
  }

  private peek(n: number): Buffer {
    if (this.buffered[0].length >= n || this.buffered.length === 1) return this.buffered[0].subarray(0, n);
    this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0].subarray(0, n);
  }

  private take(n: number): Buffer | null {
    if (n === 0) return Buffer.alloc(0); // an empty frame, whether or not bytes follow it yet
    if (this.bufferedBytes < n) return null;
    if (this.buffered[0].length < n) this.buffered = [Buffer.concat(this.buffered)];
    const first = this.buffered[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.buffered.shift();
    else this.buffered[0] = first.subarray(n);
    this.bufferedBytes -= n;
    return out;
  }
}

/**
 * A bound ZMTP socket: `bind`, `send`, `for await (const frames of socket)`, `close`. Messages received
 * are queued until read (a ROUTER's with the sender's routing id as their first frame).
 */
export class ZmtpSocket implements AsyncIterable<Buffer[]> {
  private readonly servers: Server[] = [];
  private readonly peers = new Set<Peer>();
  private readonly byId = new Map<string, Peer>();
  private readonly received: Buffer[][] = [];
  private readonly waiting: ((r: IteratorResult<Buffer[]>) => void)[] = [];
  private closed = false;
  /**
   * generated routing ids start at a random value, as libzmq's do: two sockets' ids do not coincide
   * (Math.random, as libzmq's generate_random: not a secret, and Node's crypto costs ~4.5 ms to load)
   */
  private nextId = Math.floor(Math.random() * 2 ** 31);
  /** REP: the peer whose request is being answered, in order of arrival */
  private readonly repFrom: { peer: Peer; envelope: Buffer[] }[] = [];

  constructor(readonly type: ZmtpType, private readonly peerBufferLimit = PEER_BUFFER_LIMIT) {}

  /** Listens on `tcp://<ip>:<port>` (ip `*` for every interface) or `ipc://<path>`. */
  async bind(url: string): Promise<void> {
    const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(url);
    const path = url.startsWith('ipc://') ? url.slice('ipc://'.length) : null;
    if (!tcp && !path) throw new Error(`cannot bind ${url}: only tcp:// and ipc:// endpoints are supported`);
    const listen = () => this.listenOn(url, (server, done) => {
      if (tcp) server.listen(Number(tcp[2]), tcp[1] === '*' ? undefined : tcp[1].replace(/^\[(.*)\]$/, '$1'), done);
      else server.listen(path!, done);
    });
    try {
      await listen();
    } catch (e) {
      // as libzmq: a socket file nobody listens on (left by a kernel that crashed) is replaced
      if (!path || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || await listening(path)) throw e;
      unlinkSync(path);
      await listen();
    }
  }

  /** Listens on a socket another process bound and passed on (the kernel's launcher, ./launcher.c). */
  adoptListener(handle: object, url: string): Promise<void> {
    return this.listenOn(url, (server, done) => server.listen(handle, done));
  }

  private listenOn(url: string, start: (server: Server, done: () => void) => void): Promise<void> {
    return new Promise<void>((ok, fail) => {
      const server = createServer({ noDelay: true }, (s) => this.accept(s));
      server.once('error', fail);
      start(server, () => {
        server.off('error', fail);
        // later errors (an accept failing for want of file descriptors) are the listener's, not fatal
        server.on('error', (e) => diagnostic(`ZMTP ${this.type} on ${url}: ${e.message}`));
        this.servers.push(server);
        ok();
      });
    });
  }

  private accept(s: Socket): void {
    if (this.closed) { s.destroy(); return; }
    s.write(greeting());
    s.write(Buffer.concat(encodeFrame(commandBody('READY', properties({ 'Socket-Type': Buffer.from(this.type) })), FLAG_COMMAND)));
    this.attach(s, new Peer(s, this));
  }

  /**
   * Takes a connection another process accepted (the kernel's launcher): it sent this socket's greeting and
   * READY, and read the peer's stream up to `pending`, what it left unhandled.
   */
  adoptPeer(s: Socket, state: AdoptedPeer): void {
    if (this.closed) { s.destroy(); return; }
    const peer = new Peer(s, this);
    peer.greeted = state.greeted;
    if (state.ready) {
      this.onReady(peer, state.id);
      peer.ready = true;
      for (const t of state.subscriptions) this.onSubscription(peer, true, t);
    }
    this.attach(s, peer);
    if (state.pending.length) this.feed(peer, state.pending);
  }

  private attach(s: Socket, peer: Peer): void {
    this.peers.add(peer);
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.feed(peer, chunk));
    s.on('error', () => undefined);
    s.on('close', () => {
      this.peers.delete(peer);
      if (this.byId.get(peer.id.toString('latin1')) === peer) this.byId.delete(peer.id.toString('latin1'));
    });
  }

  private feed(peer: Peer, chunk: Buffer): void {
    try {
      peer.receive(chunk);
    } catch (e) {
      // a peer that breaks the protocol is dropped, as libzmq drops it; the others are unaffected
      peer.socket.destroy();
      diagnostic(`ZMTP ${this.type}: dropped a peer: ${(e as Error).message}`);
    }
  }

  /** @internal the peer's handshake: a ROUTER routes to it by its Identity, or by an id of its own */
  onReady(peer: Peer, identity: Buffer | undefined): void {
    if (this.type !== 'ROUTER') return;
    let id = identity && identity.length ? Buffer.from(identity) : null;
    // a peer that names an identity in use takes it over (libzmq's ROUTER_HANDOVER): a client that
    // reconnects before its old connection is seen to close gets its replies, and its stdin requests
    if (!id) {
      id = Buffer.alloc(5);
      id.writeUInt32BE(this.nextId++ >>> 0, 1);
    }
    peer.id = id;
    this.byId.set(id.toString('latin1'), peer);
  }

  /** @internal a subscription by message (ZMTP 3.0: first byte 1 or 0) or by command (3.1) */
  onSubscription(peer: Peer, subscribe: boolean, topic: Buffer): void {
    if (this.type !== 'PUB') return;
    const at = peer.subscriptions.findIndex((t) => t.equals(topic));
    if (subscribe) peer.subscriptions.push(Buffer.from(topic));
    else if (at >= 0) peer.subscriptions.splice(at, 1);
  }

  /** @internal a complete message from a peer */
  onMessage(peer: Peer, frames: Buffer[]): void {
    if (this.type === 'PUB') {
      if (frames.length === 1 && frames[0].length > 0 && frames[0][0] <= 1) this.onSubscription(peer, frames[0][0] === 1, frames[0].subarray(1));
      return;
    }
    if (this.type === 'REP') {
      // REQ's envelope: the frames up to and including the empty delimiter go back with the reply
      const at = frames.findIndex((f) => f.length === 0);
      this.repFrom.push({ peer, envelope: frames.slice(0, at + 1) });
      this.deliver(frames.slice(at + 1));
      return;
    }
    this.deliver([peer.id, ...frames]);
  }

  private deliver(frames: Buffer[]): void {
    const w = this.waiting.shift();
    if (w) w({ value: frames, done: false });
    else this.received.push(frames);
  }

  /**
   * Sends a message: a ROUTER's first frame names the peer (dropped if it is gone), a PUB's goes to every
   * peer subscribed to a prefix of its first frame, a REP's answers the oldest request. Settles at once: the bytes are queued on each
   * peer's stream (a peer with more than peerBufferLimit bytes unsent gets none).
   */
  send(frames: (string | Buffer)[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the ${this.type} socket is closed`));
    const bufs = frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
    let targets: Peer[] = [];
    let body = bufs;
    if (this.type === 'ROUTER') {
      const peer = this.byId.get((bufs[0] ?? Buffer.alloc(0)).toString('latin1'));
      body = bufs.slice(1);
      if (peer) targets = [peer];
    } else if (this.type === 'PUB') {
      const topic = bufs[0] ?? Buffer.alloc(0);
      for (const p of this.peers) if (p.ready && p.subscriptions.some((t) => topic.subarray(0, t.length).equals(t))) targets.push(p);
    } else {
      const from = this.repFrom.shift();
      if (!from) return Promise.reject(new Error('REP: a reply with no request to answer'));
      if (this.peers.has(from.peer)) targets = [from.peer];
      body = [...from.envelope, ...bufs];
    }
    if (!targets.length || !body.length) return Promise.resolve();
    const parts: Buffer[] = [];
    body.forEach((b, i) => parts.push(...encodeFrame(b, i < body.length - 1 ? FLAG_MORE : 0)));
    const wire = Buffer.concat(parts);
    for (const p of targets) {
      if (p.socket.destroyed) continue;
      if (p.socket.writableLength > this.peerBufferLimit) {
        if (!p.stalled) diagnostic(`ZMTP ${this.type}: a peer has stopped reading (${p.socket.writableLength} bytes unsent): its messages are dropped until it reads`);
        p.stalled = true;
        continue;
      }
      p.stalled = false;
      p.socket.write(wire);
    }
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer[]> {
    return {
      next: () => {
        const m = this.received.shift();
        if (m) return Promise.resolve({ value: m, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((ok) => { this.waiting.push(ok); });
      },
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }

  /**
   * Closes after what was sent has left: each peer's stream is ended once its queued bytes are written
   * (settles when all are, or after `timeoutMs`). For a kernel about to exit: process.exit drops bytes
   * still queued in the process.
   */
  async shutdown(timeoutMs = 2000): Promise<void> {
    const peers = [...this.peers].filter((p) => !p.socket.destroyed);
    const ended = Promise.all(peers.map((p) => new Promise<void>((ok) => {
      p.socket.once('close', () => ok());
      p.socket.end(() => ok());
    })));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((ok) => { timer = setTimeout(ok, timeoutMs); })]);
    clearTimeout(timer);
    this.close();
  }

  /** Stops listening and drops every peer; a pending read ends. */
  close(): void {
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const p of this.peers) p.socket.destroy();
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }
}

/** Whether something listens on the socket file `path`. */
function listening(path: string): Promise<boolean> {
  return new Promise((ok) => {
    const probe = connect(path);
    probe.once('connect', () => { probe.destroy(); ok(true); });
    probe.once('error', () => ok(false));
  });
}

/**
 * Binds `socket` to `url`, trying again for a while when the port is in use: a port chosen free by the
 * client can be in use for a moment (a client that connects before the kernel binds, as Jupyter's do, can
 * hold it as its own end of a connection to itself until the handshake drops it, which a SUB's or a REQ's
 * does; a process that held it may not have released it yet).
 */
export async function bindRetrying(socket: ZmtpSocket, url: string, name: string, attempts = 40, pauseMs = 50): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await socket.bind(url);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) {
        throw new Error(`cannot bind the ${name} socket to ${url}: ${(e as Error).message}`);
      }
      await new Promise((ok) => setTimeout(ok, pauseMs));
    }
  }
}
