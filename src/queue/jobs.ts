/**
 * One job per claim x seed (x parameters): its data and the two Redis keys beside it (its id is
 * made by the submitter, queue/sweep.ts).
 *
 * Delivery is at least once: a job can run twice (its worker died after finishing, or lost its lock
 * while Redis was unreachable). So a seed's result is not BullMQ's return value but a key of its own,
 * written with SET NX: the first execution to finish wins, a later one only compares (seeds are
 * deterministic, so a difference is reported as a determinism failure), and a job whose result is
 * already there completes without running. Every execution appends to the job's run log, which is
 * how the submitter counts re-executions and says why each happened.
 */
import type { Redis } from 'ioredis';

/** The queue every worker and submitter uses (BullMQ keys: bull:noiselab-seeds:*). */
export const QUEUE_NAME = 'noiselab-seeds';

/** What a worker needs to run one seed. */
export interface SeedJob {
  claim: string;
  seed: number;
  /** the claim's parameters as the local run passes them (all seeds listed) */
  params: unknown;
  /** the submitter's code version of the claim; a worker whose own differs refuses the job */
  code: string;
  /** the backend the submitter runs on; the worker runs the seed on it too, so the numbers match */
  backend: string;
  /** seconds the seed may run before the worker stops it (0: no limit) */
  timeoutSec: number;
}

const RESULT_TTL_SEC = 30 * 24 * 3600;
export const resultKey = (id: string): string => `noiselab:result:${id}`;
export const runsKey = (id: string): string => `noiselab:runs:${id}`;

/** One line of a job's run log. */
export type RunEvent =
  | { ev: 'start'; run: string; worker: string; at: number; attempt: number }
  | { ev: 'end'; run: string; worker: string; at: number; outcome: RunOutcome; error?: string }
  /** the job was taken but its result was already there: nothing ran */
  | { ev: 'had-result'; worker: string; at: number };

/**
 * ok: stored the result; same: another execution had stored an identical one; different: it had
 * stored another one (a determinism failure); superseded: stopped because another execution's
 * result arrived; error, timeout: the seed failed.
 */
export type RunOutcome = 'ok' | 'same' | 'different' | 'superseded' | 'error' | 'timeout';

export async function logRun(redis: Redis, id: string, e: RunEvent): Promise<void> {
  await redis.multi().rpush(runsKey(id), JSON.stringify(e)).expire(runsKey(id), RESULT_TTL_SEC).exec();
}

export async function readRuns(redis: Redis, ids: string[]): Promise<Map<string, RunEvent[]>> {
  const p = redis.pipeline();
  for (const id of ids) p.lrange(runsKey(id), 0, -1);
  const out = (await p.exec()) ?? [];
  return new Map(ids.map((id, i) => [id, ((out[i]?.[1] as string[] | undefined) ?? []).map((l) => JSON.parse(l) as RunEvent)]));
}

/** Store a seed's result (exact JSON text) unless one is there; say whether this one was first or matched. */
export async function putResult(redis: Redis, id: string, text: string): Promise<'ok' | 'same' | 'different'> {
  const set = await redis.set(resultKey(id), text, 'EX', RESULT_TTL_SEC, 'NX');
  if (set === 'OK') return 'ok';
  return (await redis.get(resultKey(id))) === text ? 'same' : 'different';
}

/** Results of jobs (null where none yet), in order. */
export async function getResults(redis: Redis, ids: string[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await redis.mget(ids.slice(i, i + 500).map(resultKey))));
  return out;
}
