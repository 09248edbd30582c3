/**
 * A private redis-server for the queue's tests and bench: Debian's, on 127.0.0.1 on a free port, in
 * a temporary folder, AOF on with appendfsync always (so a SIGKILL loses nothing acknowledged), and
 * stopped after. It can be killed and started again on the same port and folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** redis-server's path, or null when it is not installed (npm run setup installs it, as root). */
export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something on the port answers PING with PONG; rejects after `ms`. */
export async function waitForPong(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c: Socket = createConnection({ host: '127.0.0.1', port }, () => c.write('PING\r\n'));
      c.setTimeout(1000, () => { c.destroy(); resolve(false); });
      c.on('data', (d: Buffer) => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class LocalRedis {
  private proc: ChildProcess | null = null;
  private constructor(readonly port: number, readonly dir: string, readonly fsync: 'always' | 'everysec') {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** `fsync`: the AOF's appendfsync (the tests use always; the bench also measures everysec) */
  static async start(fsync: 'always' | 'everysec' = 'always'): Promise<LocalRedis> {
    const r = new LocalRedis(await freePort(), mkdtempSync(join(tmpdir(), 'noiselab-redis-')), fsync);
    await r.up();
    return r;
  }

  /** Start (again) on the same port and folder: what the AOF holds comes back. */
  async up(): Promise<void> {
    const bin = redisServerPath();
    if (!bin) throw new Error('redis-server is not installed: npm run setup installs it (apt-get install redis-server)');
    this.proc = spawn(bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes',
      '--appendfsync', this.fsync, '--save', '', '--logfile', join(this.dir, 'redis.log'), '--daemonize', 'no'], { stdio: 'ignore' });
    await waitForPong(this.port);
  }

  /** SIGKILL, as a crash would; resolves when it is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGKILL'); });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
