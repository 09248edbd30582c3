/**
 * The queue's arguments: a Redis URL is checked like any other argument (a usage error naming it,
 * exit 2, saying what to do), a Redis that does not answer is reported within seconds, and options
 * that make no sense together are refused. No redis-server needed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../src/queue/redis.js';
import { freePort } from './redis-server.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'noiselab.js');

const noiselab = (args: string[]) => {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, err: r.stderr, out: r.stdout, sec: (Date.now() - t0) / 1000 };
};

describe('queue arguments', () => {
  it('parses redis://host:port[/db], and names the argument and the expected form otherwise', () => {
    expect(parseRedisUrl('--queue', 'redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, tls: false });
    expect(parseRedisUrl('--queue', 'redis://queue.lab')).toMatchObject({ host: 'queue.lab', port: 6379, db: 0 });
    expect(parseRedisUrl('--queue', 'rediss://:s3cret@[::1]:7000/0')).toMatchObject({ host: '::1', port: 7000, password: 's3cret', tls: true });
    const bad: [string, RegExp][] = [
      ['localhost:6379', /--queue: the scheme must be redis:\/\/ \(or rediss:\/\/ for TLS\), not localhost:\/\/; expected redis:\/\/host:port\[\/db\]/],
      ['6379', /--queue: not a URL; expected redis:\/\/host:port\[\/db\] \(e\.g\. redis:\/\/127\.0\.0\.1:6379\/0\), got '6379'/],
      ['http://h:1', /--queue: the scheme must be redis:\/\//],
      ['redis://h:1/x', /--queue: the database after the port must be a number, not 'x'/],
      ['redis://h:1/16', /--queue: database 16: Redis has 16 by default/],
      ['redis://h:1/0?x=1', /--queue: no query or fragment/],
    ];
    for (const [url, msg] of bad) expect(() => parseRedisUrl('--queue', url), url).toThrow(msg);
  });

  it('worker: a bad URL is a usage error (exit 2) at once; an unreachable Redis too, within seconds, saying what to do', async () => {
    const bad = noiselab(['worker', 'redis:/nohost']);
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/^noiselab: worker: .*expected redis:\/\/host:port\[\/db\]/) });
    const down = noiselab(['worker', `redis://127.0.0.1:${await freePort()}/0`, '--concurrency', '1']);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/worker redis:\/\/127\.0\.0\.1:\d+\/0: cannot reach Redis \(.*ECONNREFUSED.*\)\. Start one there \(`redis-server --bind 0\.0\.0\.0 --protected-mode no --appendonly yes --appendfsync always`/);
    expect(down.sec).toBeLessThan(20); // the probe gives up after 5 s; node and the CLI load in the rest
    expect(noiselab(['worker'])).toMatchObject({ code: 2, err: expect.stringMatching(/worker: expected one Redis URL \(e\.g\. noiselab worker redis:\/\/10\.0\.0\.5:6379\/0\), got none/) });
    expect(noiselab(['worker', 'redis://h:1', '--lock', '0'])).toMatchObject({ code: 2, err: expect.stringMatching(/--lock: expected at least 0\.2 seconds, got '0'/) });
  });

  it('reproduce: --queue is checked before any work; options of the local pool are refused with it, and its own without it', () => {
    expect(noiselab(['reproduce', '--queue', 'redis://h:99999', '--scale', 'smoke'])).toMatchObject({ code: 2, err: expect.stringMatching(/--queue: port 99999 is out of range/) });
    expect(noiselab(['reproduce', '--queue', 'redis://h:1', '--workers', '2'])).toMatchObject({ code: 2, err: expect.stringMatching(/--queue runs the seeds on noiselab worker processes; drop --workers \(give each worker --concurrency N\)/) });
    expect(noiselab(['reproduce', '--attempts', '2'])).toMatchObject({ code: 2, err: expect.stringMatching(/--attempts applies to queued seeds; add --queue redis:\/\/host:port\[\/db\] or drop it/) });
  });

  it('has help for the worker', () => {
    const r = noiselab(['worker', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/usage: noiselab worker redis:\/\/host:port\[\/db\] \[--concurrency N\] \[--lock S\]/);
  });
});
