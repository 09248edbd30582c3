/**
 * A seed process: runs seeds of claims on the backend its parent chose (NOISELAB_BACKEND) and dies
 * with its parent (queue/parent-watch), so no seed outlives the process that wanted it.
 *
 * - Started with a pipe (the local pool of claims/run.ts): reads {id, params, seed} as JSON on stdin,
 *   runs that one seed and writes its measurements as JSON on stdout.
 * - Started with an IPC channel (the queue's sandbox, queue/sandbox.ts): stays up and runs one seed per
 *   message, {job: text} -> {started: true} as the seed's own work begins, then {ok, result: text, leaked}
 *   or {ok: false, error}, so a worker pays the start (the engine, the claims) once per sandbox rather
 *   than once per seed.
 *
 * Both carry the numbers as exact JSON text (util/json-exact: non-finite numbers kept), the same text
 * whichever way the seed ran.
 */
import { dieWithParent } from '../queue/parent-watch.js';
import { extraClaim, resolveClaim } from '../queue/claims.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';

type SeedRequest = { id: string; params: never; seed: number };

dieWithParent();

let engine: Promise<() => number> | null = null;

/** The seed's measurements as exact JSON, and the tensors it left behind (registered claims). */
async function runSeed(job: SeedRequest, started: () => void = () => undefined): Promise<{ result: string; leaked: number }> {
  // the engine before the claim modules load, as always; the extra claims of tests and bench need none
  if (!(await extraClaim(job.id))) {
    engine ??= (async () => {
      await (await import('../engine/backend.js')).initEngine({ quiet: true });
      const tf = await import('@tensorflow/tfjs');
      return () => tf.memory().numTensors;
    })();
  }
  const tensors = engine ? await engine : () => 0;
  const claim = await resolveClaim(job.id);
  const before = tensors();
  // the seed's own work begins: its time limit counts from here (queue/sandbox.ts)
  started();
  const result = stringifyExact(await claim.seed(job.params, job.seed));
  return { result, leaked: tensors() - before };
}

if (process.send) {
  const send = (m: unknown) => new Promise<void>((res) => process.send!(m, () => res()));
  process.on('disconnect', () => process.exit(0));
  let queue = Promise.resolve();
  process.on('message', (m: { job: string }) => {
    queue = queue.then(async () => {
      try {
        await send({ ok: true, ...(await runSeed(parseExact(m.job) as SeedRequest, () => process.send!({ started: true }))) });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        await send({ ok: false, error: err.message, stack: err.stack });
      }
    });
  });
} else {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const { result } = await runSeed(parseExact(Buffer.concat(chunks).toString('utf8')) as SeedRequest);
  process.stdout.write(result);
}
