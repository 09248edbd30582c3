/** `noiselab worker redis://host:port[/db]`: run queued seeds until told to stop. */
import { availableParallelism } from 'node:os';
import { parse, parseCount, parseSeconds, UsageError } from './args.js';
import { help } from './help.js';
import { checkReachable, parseRedisUrl } from '../queue/redis.js';

export async function cmdWorker(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { concurrency: { type: 'string' }, lock: { type: 'string' } }, 'worker', true);
  if (values.help) return help('worker');
  if (positionals.length !== 1) throw new UsageError(`worker: expected one Redis URL (e.g. noiselab worker redis://10.0.0.5:6379/0), got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'none'}`);
  const target = parseRedisUrl('worker', positionals[0]);
  const concurrency = values.concurrency === undefined ? availableParallelism() : parseCount('--concurrency', values.concurrency as string, 256);
  const lockSec = values.lock === undefined ? 30 : parseSeconds('--lock', values.lock as string);
  if (lockSec < 0.2) throw new UsageError(`--lock: expected at least 0.2 seconds, got '${values.lock}'`);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  for (const w of await checkReachable(target, 'worker')) log(`worker: warning: ${w}`);
  const { startWorker } = await import('../queue/worker.js');
  const worker = await startWorker({ target, concurrency, lockSec, log });
  // bin/noiselab.js exits at once on SIGTERM; a worker first finishes its running seeds
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (!stopping) {
        stopping = true;
        log(`worker ${worker.name}: ${sig}: finishing the running seeds, then leaving (${sig} again leaves now)`);
        worker.close().then(() => { log(`worker ${worker.name}: left`); resolve(0); }, (e) => { log(`worker ${worker.name}: ${(e as Error).message}`); resolve(1); });
      } else {
        log(`worker ${worker.name}: ${sig} again: leaving now; its running seeds go to other workers once their locks expire`);
        void worker.abort().then(() => resolve(sig === 'SIGINT' ? 130 : 143));
      }
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
