/**
 * The kernel's ZMTP sockets (src/kernel/zmtp.ts) against libzmq's, as Jupyter's clients connect: zeromq.js
 * DEALER, SUB and REQ sockets talk to the kernel's ROUTER, PUB and REP; large frames, many messages in
 * order, routing by identity, subscriptions, and a peer that breaks the protocol.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { encodeFrame, ZmtpSocket } from '../../src/kernel/zmtp.cjs';
import { freePorts } from '../../src/notebook/kernel.js';

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
    for (let i = 0; i < 200 && (got.all.length === 0 || got.some.length === 0); i++) {
      await socket.send(['status probe']);
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = { all: got.all.length, some: got.some.length };
    await socket.send(['stream 1']);
    await socket.send(['status 2']);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.all.slice(before.all)).toEqual(['stream 1', 'status 2']);
    expect(got.some.slice(before.some)).toEqual(['status 2']);
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

  it('reads frames however the stream cuts them, an empty frame at the end of a chunk included', async () => {
    const { socket, url } = await bound('REP');
    void (async () => { for await (const frames of socket) await socket.send(frames); })();
    const port = Number(url.split(':').at(-1));
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    const received: Buffer[] = [];
    raw.on('data', (d: Buffer) => received.push(d));
    const greeting = Buffer.alloc(64);
    greeting[0] = 0xff; greeting[9] = 0x7f; greeting[10] = 3; greeting.write('NULL', 12);
    const ready = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([11]), Buffer.from('Socket-Type'), Buffer.from([0, 0, 0, 3]), Buffer.from('REQ')]);
    const wire = Buffer.concat([greeting, Buffer.from([4, ready.length]), ready, Buffer.from([1, 0]), Buffer.from([0, 4]), Buffer.from('ping')]);
    // byte by byte: every boundary, the one right after the empty delimiter frame among them
    for (const b of wire) {
      raw.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const reply = Buffer.concat([Buffer.from([1, 0]), Buffer.from([0, 4]), Buffer.from('ping')]);
    for (let i = 0; i < 100 && !Buffer.concat(received).includes(reply); i++) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(received).subarray(-reply.length).equals(reply)).toBe(true);
    raw.destroy();
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
  });

  it('encodes sizes over 255 bytes in eight', () => {
    expect(encodeFrame(Buffer.alloc(255), 1)[0]).toEqual(Buffer.from([1, 255]));
    const long = encodeFrame(Buffer.alloc(256), 0)[0];
    expect(long.length).toBe(9);
    expect(long[0]).toBe(2);
    expect(long.readBigUInt64BE(1)).toBe(256n);
  });
});
