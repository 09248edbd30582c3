/**
 * Soak: 1000 training steps and 34 notebook runs (two at a time) keep tensors and process memory flat,
 * and leave no kernel behind. Memory is compared after a warm-up, so first-use allocations (kernels
 * compiled, buffers pooled) do not count as growth; the bound is loose enough for GC timing and tight
 * enough to catch a leak of a batch or a notebook per step.
 */
import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { initEngine } from '../../src/engine/backend.js';
import { mlp } from '../../src/models/mlp.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { runBatch, type BatchItem } from '../../src/notebook/batch.js';
import { Rng } from '../../src/random/rng.js';
import { train } from '../../src/train/loop.js';
import { adam } from '../../src/train/transforms.js';
import { tempDir } from '../helpers.js';
import { recordReliability } from './record.js';

const MB = 2 ** 20;

/** Resident memory after a full collection (node runs tests with --expose-gc off, so settle by waiting). */
async function settledRss(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return process.memoryUsage().rss;
}

function markedProcesses(mark: string): number {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`NOISELAB_FAULT_MARK=${mark}`);
    } catch {
      return false;
    }
  }).length;
}

describe('soak', () => {
  it('1000 training steps: no tensor left behind, process memory flat after warm-up', async () => {
    await initEngine({ quiet: true });
    const data = loadFashionMnist({ split: 'train', source: 'subset', limit: 2000 });
    const model = mlp({ sizes: [784, 128, 10] }, new Rng(1));
    const tensors = tf.memory().numTensors;
    const rss: number[] = [];
    const steps = 1000;
    await train({
      model, data, transform: adam(1e-3), batchSize: 64, steps, rng: new Rng(2), logEvery: 100, progress: 'silent',
      onLog: (step) => { if (step === 200) rss.push(process.memoryUsage().rss); },
    });
    rss.push(await settledRss());
    model.dispose();
    const leaked = tf.memory().numTensors - (tensors - model.params.length);
    const growth = (rss[1] - rss[0]) / MB;
    recordReliability('soak: 1000 training steps', 1, Number(leaked === 0 && growth < 64), `tensors left: ${leaked}; RSS steps 200 -> 1000: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`);
    expect(leaked).toBe(0);
    expect(growth).toBeLessThan(64);
  }, 300_000);

  // 10 warm-up runs, then 24 measured: a runner that keeps 3 MB or more a run fails the 64 MB bound
  const RUNS = 34;
  it.runIf(listKernelSpecs().has('noiselab') || process.env.CI)(`${RUNS} notebook runs at concurrency 2: all complete, runner memory flat, no kernel left`, async () => {
    const dir = tempDir();
    const nb = JSON.parse(readFileSync(join(import.meta.dirname, 'small.json'), 'utf8'));
    const mark = randomBytes(6).toString('hex');
    const items = (n: number, from: number): BatchItem[] => Array.from({ length: n }, (_, i) => {
      const input = join(dir, `nb-${from + i}.ipynb`);
      writeFileSync(input, JSON.stringify(nb));
      return { input, output: join(dir, 'out', `nb-${from + i}.ipynb`) };
    });
    const opts = { concurrency: 2, timeout: 60, parameters: { n: 5 }, env: { NOISELAB_FAULT_MARK: mark } };
    const warm = await runBatch(items(10, 0), opts);
    const rss0 = await settledRss();
    const rest = await runBatch(items(RUNS - 10, 10), opts);
    const rss1 = await settledRss();
    const all = [...warm, ...rest];
    const completed = all.filter((it) => it.result?.status === 'completed').length;
    for (let i = 0; i < 50 && markedProcesses(mark); i++) await new Promise((r) => setTimeout(r, 100));
    const stray = markedProcesses(mark);
    const growth = (rss1 - rss0) / MB;
    recordReliability(`soak: ${RUNS} notebook runs, concurrency 2`, all.length, completed, `runner RSS runs 10 -> ${RUNS}: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB; kernels left: ${stray}`);
    expect(all.map((it) => it.error ?? it.result?.status)).toEqual(Array(RUNS).fill('completed'));
    const out = JSON.parse(readFileSync(all[RUNS - 1].output, 'utf8'));
    expect(out.cells.at(-1).outputs[0].text.join('')).toBe('n = 10\n');
    expect(stray).toBe(0);
    expect(growth).toBeLessThan(64);
  }, 600_000);
});
