/**
 * Running a claim: every seed (in this process, or spread over worker processes, one per core), then
 * the summary. Seeds are independent, so the result does not depend on how they were scheduled.
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { engineInfo } from '../engine/backend.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';
import type { BaseParams, Claim, ClaimResult, Scale } from './types.js';

export function paramsFor<P extends BaseParams>(claim: Claim<P>, scale: Scale, seeds?: number[]): P {
  return seeds ? { ...claim.scales[scale], seeds } : claim.scales[scale];
}

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
