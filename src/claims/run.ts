/**
 * Running a claim: every seed (in this process, or spread over worker processes, one per core), then
 * the summary. Seeds are independent, so the result does not depend on how they were scheduled.
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { engineInfo } from '../engine/backend.js';
import { UsageError } from '../util/errors.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';
import type { BaseParams, Claim, ClaimResult, Scale } from './types.js';

/**
 * A claim's parameters at `scale`, with other seeds and any of its knobs overridden (a notebook's
 * `overrides` parameter, e.g. { chains: 2000 } or { net: { steps: 100 } }): objects merge key by key,
 * everything else is replaced by a value of the same kind. An unknown name or a value of another kind is
 * refused with the path and the names that exist.
 */
export function paramsFor<P extends BaseParams>(claim: Claim<P>, scale: Scale, seeds?: number[], overrides: Record<string, unknown> = {}): P {
  const base = claim.scales[scale];
  if (!base) throw new UsageError(`${claim.id} has no scale '${scale}'; its scales: ${Object.keys(claim.scales).join(', ')}`);
  const merged = mergeKnobs(base, overrides, `${claim.id} (${scale})`, '') as P;
  return seeds ? { ...merged, seeds } : merged;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

function mergeKnobs(base: unknown, over: unknown, who: string, path: string): unknown {
  if (!isPlain(over)) throw new UsageError(`${who}: overrides${path} must be an object of parameter names, got ${kind(over)}`);
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const at = `${path}.${k}`;
    if (!(k in out)) throw new UsageError(`${who}: '${at.slice(1)}' is not a parameter here; the names at this level: ${Object.keys(out).join(', ')}`);
    const b = out[k];
    if (isPlain(b)) out[k] = mergeKnobs(b, v, who, at);
    else if (b !== undefined && kind(b) !== kind(v)) throw new UsageError(`${who}: '${at.slice(1)}' must be ${kind(b) === 'array' ? 'an array' : `a ${kind(b)}`} like its value ${JSON.stringify(b)}, got ${JSON.stringify(v)}`);
    else out[k] = v;
  }
  return out;
}

/** Options of `runClaim`: worker processes and a callback as seeds finish. */
export interface RunOptions {
  /** processes to spread seeds over; 1 runs them here (default: NOISELAB_WORKERS or 1) */
  workers?: number;
  /** called as seeds finish, with how many are done */
  onSeed?: (done: number, total: number) => void;
}

export function defaultWorkers(): number {
  const w = Number(process.env.NOISELAB_WORKERS ?? 1);
  if (!Number.isInteger(w) || w < 1) throw new Error(`NOISELAB_WORKERS must be a positive integer, got '${process.env.NOISELAB_WORKERS}'`);
  return w;
}

/** Run a claim; in this process it also checks that no tensor leaked (the experiment contract). */
export async function runClaim<P extends BaseParams, S>(claim: Claim<P, S>, params: P, opts: RunOptions = {}): Promise<ClaimResult> {
  const workers = Math.min(opts.workers ?? defaultWorkers(), params.seeds.length);
  let perSeed: S[];
  let done = 0;
  const finished = () => opts.onSeed?.(++done, params.seeds.length);
  if (workers > 1) {
    perSeed = await seedsInProcesses(claim, params, workers, finished);
  } else {
    const before = tf.memory().numTensors;
    perSeed = [];
    for (const seed of params.seeds) {
      perSeed.push(await claim.seed(params, seed));
      finished();
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`claim ${claim.id} leaked ${leaked} tensors`);
  }
  return claim.summarize(params, perSeed);
}

/** The worker entry point next to this module: compiled JS, or the TypeScript source run through tsx. */
function workerCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? ['--import', 'tsx', self.replace(/run\.ts$/, 'seed-worker.ts')]
    : [self.replace(/run\.js$/, 'seed-worker.js')];
}

/** Seed workers still running: killed when this process exits, so none is left behind. */
const live = new Set<ReturnType<typeof spawn>>();
process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });

function runSeedProcess(id: string, params: unknown, seed: number, threads: number): Promise<unknown> {
  const backend = engineInfo()?.choice;
  const env = { ...process.env, NOISELAB_THREADS: String(threads), NOISELAB_PARENT_PID: String(process.pid), ...(backend ? { NOISELAB_BACKEND: backend } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, workerCommand(), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      live.delete(child);
      if (code === 0) {
        try {
          resolve(parseExact(out));
        } catch (e) {
          reject(new Error(`claim ${id} seed ${seed}: unreadable worker output (${(e as Error).message})`));
        }
      } else {
        reject(new Error(`claim ${id} seed ${seed}: worker ${signal ? `killed by ${signal}` : `exited with ${code}`}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
    child.stdin.end(stringifyExact({ id, params, seed }));
  });
}

async function seedsInProcesses<P extends BaseParams, S>(claim: Claim<P, S>, params: P, workers: number, finished: () => void): Promise<S[]> {
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const results: S[] = new Array(params.seeds.length);
  let next = 0;
  const lane = async () => {
    while (next < params.seeds.length) {
      const i = next++;
      results[i] = (await runSeedProcess(claim.id, params, params.seeds[i], threads)) as S;
      finished();
    }
  };
  await Promise.all(Array.from({ length: workers }, lane));
  return results;
}
