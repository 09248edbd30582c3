/**
 * The kernel's ZMTP sockets (src/kernel/zmtp.ts) against libzmq's, as Jupyter's clients connect: zeromq.js
 * DEALER, SUB and REQ sockets talk to the kernel's ROUTER, PUB and REP; large frames, many messages in
 * order, routing by identity, subscriptions, and a peer that breaks the protocol.
 */
import { EventEmitter } from 'node:events';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { encodeFrame, ZmtpSocket } from '../../src/kernel/zmtp.cjs';
import { freePorts } from '../../src/notebook/kernel.js';
import { tempDir } from '../helpers.js';

const open: { close(): void }[] = [];
afterEach(() => { for (const s of open.splice(0)) s.close(); });

async function bound(type: 'ROUTER' | 'PUB' | 'REP'): Promise<{ socket: ZmtpSocket; url: string }> {
  const [port] = await freePorts(1);
  const socket = new ZmtpSocket(type);
  open.push(socket);
  await socket.bind(`tcp://127.0.0.1:${port}`);
  return { socket, url: `tcp://127.0.0.1:${port}` };
}

function client<T extends { close(): void; connect(url: string): void }>(s: T, url: string): T {
  open.push(s);
  s.connect(url);
  return s;
}

/** A peer's opening bytes, written out by hand from the spec (not by the code under test): the greeting (ZMTP 3.0, NULL) and READY with its Socket-Type. */
function handshake(type: 'REQ' | 'SUB'): Buffer {
  const greeting = Buffer.alloc(64);
  greeting[0] = 0xff; greeting[9] = 0x7f; greeting[10] = 3; greeting.write('NULL', 12);
  const ready = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([11]), Buffer.from('Socket-Type'), Buffer.from([0, 0, 0, type.length]), Buffer.from(type)]);
  return Buffer.concat([greeting, Buffer.from([4, ready.length]), ready]);
}

async function next(socket: AsyncIterable<Buffer[]>): Promise<string[]> {
  const it = socket[Symbol.asyncIterator]();
  const r = await it.next();
  return (r.value as Buffer[]).map((b) => b.toString());
}

describe('the kernel\'s ZMTP sockets, with libzmq peers', () => {
  it('ROUTER: receives a DEALER\'s multipart messages with its routing id, answers it alone, large frames and thousands in order', async () => {
    const { socket, url } = await bound('ROUTER');
    const a = client(new zmq.Dealer({ linger: 0, routingId: 'alice' }), url);
    const b = client(new zmq.Dealer({ linger: 0 }), url);
    await a.send(['hello', '', 'world']);
    const [id, ...rest] = await next(socket);
    expect(id).toBe('alice');
    expect(rest).toEqual(['hello', '', 'world']);
    await b.send('from b');
    const it = socket[Symbol.asyncIterator]();
    const fromB = (await it.next()).value as Buffer[];
    expect(fromB[0].length).toBe(5);
    expect(fromB[1].toString()).toBe('from b');
    const big = Buffer.alloc(300_000, 7);
    await socket.send(['alice', 'x', big]);
    await socket.send([fromB[0], 'to b']);
    const [x, gotBig] = await a.receive();
    expect(x.toString()).toBe('x');
    expect(gotBig.equals(big)).toBe(true);
    expect((await b.receive())[0].toString()).toBe('to b');
    // 5000 sends, not awaited one by one: all arrive, in order
    await Promise.all(Array.from({ length: 5000 }, (_, i) => socket.send(['alice', String(i)])));
    for (let i = 0; i < 5000; i++) expect((await a.receive())[0].toString()).toBe(String(i));
    // to a peer that is gone: dropped, as libzmq's ROUTER drops it
    await expect(socket.send(['nobody', 'lost'])).resolves.toBeUndefined();
  });

  it('PUB: sends to subscribers of a prefix of the first frame, nothing to the others', async () => {
    const { socket, url } = await bound('PUB');
    const all = client(new zmq.Subscriber({ linger: 0 }), url);
    all.subscribe();
    const some = client(new zmq.Subscriber({ linger: 0 }), url);
    some.subscribe('status');
    // subscriptions travel after the connection: publish until both have seen one
    const got = { all: [] as string[], some: [] as string[] };
    const read = async (s: zmq.Subscriber, into: string[]) => { for await (const [f] of s) into.push(f.toString()); };
    void read(all, got.all);
    void read(some, got.some);
    for (const end = Date.now() + 30_000; (got.all.length === 0 || got.some.length === 0) && Date.now() < end;) {
      await socket.send(['status probe']);
      await new Promise((r) => setTimeout(r, 10));
    }
    await socket.send(['stream 1']);
    await socket.send(['status 2']);
    // probes still in flight may arrive first: what follows the last probe is what counts
    const after = (xs: string[]) => xs.slice(xs.lastIndexOf('status probe') + 1);
    for (let i = 0; i < 500 && (after(got.all).length < 2 || after(got.some).length < 1); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(after(got.all)).toEqual(['stream 1', 'status 2']);
    expect(after(got.some)).toEqual(['status 2']);
  });

  it('REP: echoes a REQ\'s request with its envelope (the heartbeat)', async () => {
    const { socket, url } = await bound('REP');
    void (async () => { for await (const frames of socket) await socket.send(frames); })();
    const req = client(new zmq.Request({ linger: 0 }), url);
    for (const word of ['ping', 'pong', 'again']) {
      await req.send(word);
      expect((await req.receive())[0].toString()).toBe(word);
    }
  });

  it('drops a peer that breaks the protocol and keeps serving the others', async () => {
    const { socket, url } = await bound('ROUTER');
    const port = Number(url.split(':').at(-1));
    const bad = connect(port, '127.0.0.1');
    const closed = new Promise((r) => bad.on('close', r));
    bad.on('error', () => undefined);
    bad.resume();
    bad.write('GET / HTTP/1.1\r\n\r\n'.padEnd(64, ' '));
    await closed;
    const good = client(new zmq.Dealer({ linger: 0, routingId: 'good' }), url);
    await good.send('still here');
    expect(await next(socket)).toEqual(['good', 'still here']);
  });

  it('reads frames however the stream cuts them: every split of a request into three chunks', async () => {
    const long = Buffer.alloc(300, 9);
    // an empty delimiter frame, a short one, a long one (eight-byte size)
    const request = Buffer.concat([Buffer.from([1, 0]), Buffer.from([1, 4]), Buffer.from('ping'), ...encodeFrame(long, 0)]);
    const wire = Buffer.concat([handshake('REQ'), request]);
    for (let i = 1; i < wire.length; i += 7) {
      for (let j = i + 1; j < wire.length; j += 5) {
        const socket = new ZmtpSocket('REP');
        open.push(socket);
        // a stand-in for the accepted TCP stream: the parser sees the chunks exactly as cut here
        const fake = Object.assign(new EventEmitter(), { setNoDelay() { return fake; }, write() { return true; }, destroy() { fake.emit('close'); return fake; }, destroyed: false, writableLength: 0 });
        (socket as unknown as { accept(s: unknown): void }).accept(fake);
        for (const chunk of [wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]) fake.emit('data', chunk);
        const got = (await socket[Symbol.asyncIterator]().next()).value as Buffer[];
        expect(got.length, `split at ${i} and ${j}`).toBe(2);
        expect(got[0].toString()).toBe('ping');
        expect(got[1].equals(long)).toBe(true);
      }
    }
  });

  it('settles every send at once and drops messages for a peer that stopped reading, past its buffer limit; a reading peer gets them all', async () => {
    const [port] = await freePorts(1);
    const socket = new ZmtpSocket('PUB', 1 << 20);
    open.push(socket);
    await socket.bind(`tcp://127.0.0.1:${port}`);
    const reader = client(new zmq.Subscriber({ linger: 0 }), `tcp://127.0.0.1:${port}`);
    reader.subscribe();
    // a subscriber that never reads: handshake and subscription by hand, then nothing
    const stalled = connect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    stalled.write(Buffer.concat([handshake('SUB'), Buffer.from([0, 1, 1])]));
    stalled.pause();
    const got: number[] = [];
    void (async () => { for await (const [f] of reader) got.push(f.readUInt32BE(0)); })().catch(() => undefined);
    // subscriptions travel after the connection: publish until the reader has one (a loaded machine: seconds)
    for (const end = Date.now() + 30_000; got.length === 0 && Date.now() < end;) {
      await socket.send([Buffer.alloc(4)]);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(got.length, 'the reading subscriber is subscribed').toBeGreaterThan(0);
    const big = Buffer.alloc(256 * 1024);
    const count = 96; // 24 MB: past what the stalled peer's TCP buffers and the 1 MB limit hold
    let sending = 0;
    for (let i = 1; i <= count; i++) {
      big.writeUInt32BE(i, 0);
      const t = performance.now();
      await socket.send([Buffer.from(big)]);
      sending = Math.max(sending, performance.now() - t);
      // the reading peer reads: it is given the time to take each message before the next (on a loaded
      // machine libzmq's I/O thread may not run between two sends, and 4 unread messages pass the limit)
      for (let k = 0; k < 500 && got.at(-1) !== i; k++) await new Promise((r) => setTimeout(r, 10));
    }
    expect(sending, 'a send settles at once, whatever the stalled subscriber').toBeLessThan(1000);
    expect(got.filter((n) => n > 0)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // the stalled subscriber was dropped from, and its backlog stayed within the limit plus one message
    const peers = [...(socket as unknown as { peers: Set<{ stalled: boolean; socket: { writableLength: number } }> }).peers];
    const dropped = peers.filter((p) => p.stalled);
    expect(dropped.length, 'one peer (the stalled subscriber) had messages dropped').toBe(1);
    expect(dropped[0].socket.writableLength).toBeLessThanOrEqual((1 << 20) + big.length + 64);
    stalled.destroy();
  });

  it('replaces a socket file nobody listens on (ipc://, left by a kernel that crashed)', async () => {
    const path = join(tempDir(), 'kernel-ipc-1');
    // a process that exits while it listens leaves its socket file behind
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(existsSync(path)).toBe(true);
    const socket = new ZmtpSocket('ROUTER');
    open.push(socket);
    await socket.bind(`ipc://${path}`);
    const dealer = client(new zmq.Dealer({ linger: 0, routingId: 'ipc' }), `ipc://${path}`);
    await dealer.send('over ipc');
    expect(await next(socket)).toEqual(['ipc', 'over ipc']);
  });

  it('serves readers that wait at the same time, one message each, in order', async () => {
    const { socket, url } = await bound('ROUTER');
    const it = socket[Symbol.asyncIterator]();
    const waits = [it.next(), it.next()];
    const d = client(new zmq.Dealer({ linger: 0, routingId: 'd' }), url);
    await d.send('one');
    await d.send('two');
    const [a, b] = await Promise.all(waits);
    expect([(a.value as Buffer[])[1].toString(), (b.value as Buffer[])[1].toString()]).toEqual(['one', 'two']);
  });

  it('ROUTER: a peer that reconnects with its identity takes it over from its old connection', async () => {
    const { socket, url } = await bound('ROUTER');
    const old = client(new zmq.Dealer({ linger: 0, routingId: 'client' }), url);
    await old.send('first');
    expect(await next(socket)).toEqual(['client', 'first']);
    const fresh = client(new zmq.Dealer({ linger: 0, routingId: 'client' }), url);
    await fresh.send('second');
    expect(await next(socket)).toEqual(['client', 'second']);
    await socket.send(['client', 'to the new one']);
    expect((await fresh.receive())[0].toString()).toBe('to the new one');
    // the old connection's end does not take the identity from the new one
    old.close();
    await new Promise((r) => setTimeout(r, 200));
    await socket.send(['client', 'still the new one']);
    expect((await fresh.receive())[0].toString()).toBe('still the new one');
  });

  it('shutdown: what was sent reaches a peer before the socket closes', async () => {
    const { socket, url } = await bound('ROUTER');
    const d = client(new zmq.Dealer({ linger: 0, routingId: 'last' }), url);
    await d.send('hello');
    await next(socket);
    const big = Buffer.alloc(32 * 2 ** 20, 3);
    await socket.send(['last', big]);
    await socket.send(['last', 'bye']);
    await socket.shutdown(30_000); // settles once written: the cap only guards a peer that never reads
    expect((await d.receive())[0].length).toBe(big.length);
    expect((await d.receive())[0].toString()).toBe('bye');
  });

  it('encodes sizes over 255 bytes in eight', () => {
    expect(encodeFrame(Buffer.alloc(255), 1)[0]).toEqual(Buffer.from([1, 255]));
    const long = encodeFrame(Buffer.alloc(256), 0)[0];
    expect(long.length).toBe(9);
    expect(long[0]).toBe(2);
    expect(long.readBigUInt64BE(1)).toBe(256n);
  });
});
