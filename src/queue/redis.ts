/**
 * Where the queue lives: a Redis URL checked like any other argument (a usage error naming it), and
 * the connections to it. A worker or a submitter that cannot reach Redis at start says so within
 * seconds; once started, both outlive a Redis restart (they reconnect every second or two, for ever,
 * and commands wait for the connection instead of failing).
 */
import { Redis } from 'ioredis';
import { UsageError } from '../util/errors.js';

/** A Redis server to connect to, as `parseRedisUrl` reads it from a redis:// or rediss:// URL. */
export interface RedisTarget {
  /** the URL as given (for messages) */
  url: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

const FORM = 'redis://host:port[/db] (e.g. redis://127.0.0.1:6379/0)';

/** Parse `redis://host:port[/db]` (rediss:// for TLS; user:password@ allowed); a usage error names `flag`. */
export function parseRedisUrl(flag: string, s: string): RedisTarget {
  const bad = (why: string) => new UsageError(`${flag}: ${why}; expected ${FORM}, got '${s}'`);
  const port0 = /^\w+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/.exec(s)?.[1];
  if (port0 && Number(port0) > 65535) throw bad(`port ${port0} is out of range`);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`the scheme must be redis:// (or rediss:// for TLS), not ${u.protocol}//`);
  if (!u.hostname) throw bad('no host');
  const port = u.port ? Number(u.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${u.port} is out of range`);
  const path = u.pathname.replace(/^\/+/, '');
  if (path && !/^\d+$/.test(path)) throw bad(`the database after the port must be a number, not '${path}'`);
  const db = path ? Number(path) : 0;
  if (db > 15) throw bad(`database ${db}: Redis has 16 by default (0-15)`);
  if (u.search || u.hash) throw bad('no query or fragment is understood');
  return {
    url: s, host: u.hostname.replace(/^\[|\]$/g, ''), port, db, tls: u.protocol === 'rediss:',
    username: u.username ? decodeURIComponent(u.username) : undefined, password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** The URL without its password, for logs. */
export const shownUrl = (t: RedisTarget): string => `${t.tls ? 'rediss' : 'redis'}://${t.host}:${t.port}/${t.db}`;

/**
 * A connection that survives Redis restarts: reconnects every 0.25-2 s for ever; commands queue while
 * it is down (maxRetriesPerRequest null, which BullMQ requires of a worker's connections anyway).
 */
export function connect(t: RedisTarget, name: string): Redis {
  const r = new Redis({
    host: t.host, port: t.port, db: t.db, username: t.username, password: t.password, tls: t.tls ? {} : undefined,
    connectionName: name, maxRetriesPerRequest: null, enableReadyCheck: true,
    retryStrategy: (times) => Math.min(250 * times, 2000),
  });
  // outages are expected and reported by the caller (the worker, throttled); ioredis would print each attempt
  r.on('error', () => {});
  return r;
}

/**
 * Check, within `timeoutMs`, that Redis answers at `t`; a usage error (exit status 2) saying what to
 * do otherwise. Returns warnings about settings that can lose jobs (no AOF, an evicting memory policy).
 */
export async function checkReachable(t: RedisTarget, flag: string, timeoutMs = 5000): Promise<string[]> {
  const probe = new Redis({
    host: t.host, port: t.port, db: t.db, username: t.username, password: t.password, tls: t.tls ? {} : undefined,
    lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause = '';
  probe.on('error', (e: Error & { code?: string }) => { cause ||= e.code ?? e.message; }); // reported below, once
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    const raw = cause || (e as Error).message || String(e);
    const why = /RESP type/.test(raw) ? `something answers there, but not as Redis: ${raw}` : raw;
    throw new UsageError(`${flag} ${shownUrl(t)}: cannot reach Redis (${why}). Start one there ` +
      '(`redis-server --bind 0.0.0.0 --protected-mode no --appendonly yes --appendfsync always` on a private network, after `apt-get install redis-server`) or fix the URL');
  }
  const warnings: string[] = [];
  try {
    const [, aof] = (await probe.config('GET', 'appendonly')) as string[];
    if (aof === 'no') warnings.push(`Redis at ${shownUrl(t)} has appendonly off: a Redis restart loses queued jobs (the submitter re-enqueues missing ones); turn it on with CONFIG SET appendonly yes`);
    const [, policy] = (await probe.config('GET', 'maxmemory-policy')) as string[];
    if (policy && policy !== 'noeviction') warnings.push(`Redis at ${shownUrl(t)} has maxmemory-policy ${policy}: it may evict jobs; BullMQ needs noeviction`);
  } catch {
    // CONFIG is often disabled on managed Redis: nothing to check then
  }
  probe.disconnect();
  return warnings;
}
