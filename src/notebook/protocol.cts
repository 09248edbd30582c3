/**
 * The Jupyter messaging protocol (v5.3) on the wire: multipart zeromq messages
 * `[identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]`,
 * signed with HMAC-SHA256 over the four JSON frames.
 */
import type * as Crypto from 'node:crypto';
import { userInfo } from 'node:os';

// loaded at first use, not with this module: the kernel's front binds its sockets first, and takes ~4.5 ms
// of Node's crypto (of the 100 it has to answer kernel_info in) while its first client connects
let cryptoModule: typeof Crypto | undefined;
export const crypto = (): typeof Crypto => (cryptoModule ??= require('node:crypto') as typeof Crypto);

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message<C = Record<string, unknown>> {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export class ProtocolError extends Error {}

function sign(key: string, frames: (string | Buffer)[]): string {
  if (!key) return '';
  const h = crypto().createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

/**
 * Sends on one zeromq socket in order, each send awaited before the next: a socket allows one send in
 * flight (zeromq refuses another with EBUSY), so unqueued sends lose messages. Used by both ends, the
 * runner's kernel client and the kernel.
 */
export class SendQueue {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly socket: { send(frames: (string | Buffer)[]): Promise<void> }) {}
  send(frames: (string | Buffer)[]): Promise<void> {
    const next = this.chain.then(() => this.socket.send(frames));
    this.chain = next.catch(() => undefined);
    return next;
  }
  /** settles once every send queued so far has */
  drained(): Promise<unknown> { return this.chain; }
}

/** A session: the identity a client puts in its headers and the key it signs with. */
export class Session {
  private ownId: string | undefined;
  private user: string | undefined;

  constructor(readonly key: string) {}

  /** the session's id in its headers (made at first use) */
  get id(): string {
    return (this.ownId ??= crypto().randomUUID());
  }

  /** Continues a session another process began (the kernel's launcher answered in it first). */
  continue(id: string): void {
    this.ownId = id;
  }

  private get username(): string {
    return (this.user ??= safeUsername());
  }

  message<C extends object>(msgType: string, content: C): Message<C> {
    return {
      header: {
        msg_id: crypto().randomUUID(), msg_type: msgType, session: this.id, username: this.username,
        date: new Date().toISOString(), version: PROTOCOL_VERSION,
      },
      parent_header: {}, metadata: {}, content, buffers: [],
    };
  }

  serialize(msg: Message<object>): (string | Buffer)[] {
    const frames = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) => JSON.stringify(x));
    return [DELIMITER, sign(this.key, frames), ...frames, ...msg.buffers];
  }

  /** Parses and verifies a received multipart message; throws ProtocolError on a bad signature or shape. */
  deserialize(frames: Buffer[]): Message {
    const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
    if (at < 0 || frames.length < at + 6) throw new ProtocolError('malformed message: no <IDS|MSG> delimiter or too few frames');
    const [hmac, ...rest] = frames.slice(at + 1);
    const body = rest.slice(0, 4);
    if (this.key && !sameSignature(hmac.toString(), sign(this.key, body))) throw new ProtocolError('message with an invalid signature');
    const [header, parent, metadata, content] = body.map((f) => JSON.parse(f.toString()));
    if (!header || typeof header !== 'object' || typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') {
      throw new ProtocolError('malformed message: its header has no msg_type or msg_id');
    }
    if (!content || typeof content !== 'object') throw new ProtocolError('malformed message: its content is not an object');
    return { header, parent_header: parent ?? {}, metadata: metadata ?? {}, content, buffers: rest.slice(4) };
  }
}

/** Compares signatures in constant time (a byte-by-byte compare would tell a forger how much it got right). */
function sameSignature(got: string, expected: string): boolean {
  const a = Buffer.from(got);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto().timingSafeEqual(a, b);
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'noiselab';
  }
}
