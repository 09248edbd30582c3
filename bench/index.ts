/**
 * `npm run bench`: the native, wasm and cpu backends and PyTorch (Debian python3-torch, same model,
 * batch and thread count) side by side on the issue's workloads, with each time's ratio to PyTorch and
 * the targets checked; then the notebook runner beside nbconvert; then the queue (throughput with 1, 2
 * and 4 workers, overhead per job). Writes data/results/bench.json and bench.md. `npm run bench --
 * engine`, `-- runner` or `-- queue` runs one part.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/util/fs.js';
import { projectRoot, resultsDir } from '../src/util/paths.js';
import { benchKernels, benchRunner, runnerMarkdown, type KernelBench, type RunnerBench } from './runner.js';
import { benchQueue, queueMarkdown, type QueueBench } from './queue.js';

const root = projectRoot();
const threads = Number(process.env.NOISELAB_THREADS ?? 2);
// Every process gets the glibc malloc settings the native addon applies to itself (multi-MB buffers
// stay on the heap instead of being fresh mmaps that fault in on every step). Without them PyTorch's
// CNN step swings between 14 and 85 ms on this VM with the state of its memory; with them it is steady.
const mallocTunables = 'glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=536870912';
const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), GLIBC_TUNABLES: mallocTunables };

type Timing = { min: number; median: number };

function json(cmd: string, args: string[], what: string): Record<string, Timing> | null {
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.error(`bench: ${what} failed: ${(r.stderr || r.error?.message || '').split('\n').slice(-3).join(' ')}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function benchEngine(): Record<string, Record<string, Timing> | null> {
  const backends = ['native', 'wasm', 'cpu'];
  const results: Record<string, Record<string, Timing> | null> = {};
  for (const b of backends) {
    console.error(`bench: ${b} ...`);
    results[b] = json(process.execPath, ['--import', 'tsx', 'bench/run-backend.ts', b], `backend ${b}`);
  }
  console.error('bench: PyTorch ...');
  results.pytorch = json('/usr/bin/python3', ['bench/torch_bench.py', String(threads)], 'PyTorch (apt-get install python3-torch)');
  const dir = mkdtempSync(join(tmpdir(), 'noiselab-bench-'));
  try {
    execFileSync('gcc', ['-O2', 'bench/sgemm.c', '-o', join(dir, 'sgemm'), '-lopenblas'], { cwd: root });
    results.openblas = json(join(dir, 'sgemm'), [], 'OpenBLAS from C');
  } catch (e) {
    console.error(`bench: cannot build bench/sgemm.c: ${(e as Error).message}`);
  }

  return results;
}

/** The engine table from measured results (also from an earlier run's bench.json). */
function engineMarkdown(results: Record<string, Record<string, Timing> | null>): string[] {
  const names = Object.keys(results.native ?? results.wasm ?? {}).filter((n) => !n.includes('kernel only'));
  const fmt = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
  const cell = (t: Timing | undefined) => (t ? `${fmt(t.min)} (${fmt(t.median)})` : '-');
  const ratio = (v: number | undefined, ref: number | undefined) => (v === undefined || !ref ? '-' : `${(v / ref).toFixed(2)}x`);
  const torch = results.pytorch ?? {};
  const lines = [
    `# noiselab benchmark (${threads} threads; ms as fastest (median) of the repetitions; ratios to PyTorch in the same run, at the fastest and at the median)`, '',
    '| workload | native | wasm | cpu | PyTorch | native/PyTorch fastest | native/PyTorch median | native median/fastest | wasm/PyTorch | target (median) | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  // issue 28's target for every workload: at most 1.2x PyTorch at the median, and a median within 1.3x of the fastest
  const target = 1.2;
  for (const n of names) {
    const nat = results.native?.[n];
    const ref = torch[n];
    const t = target;
    const met = nat && ref ? (nat.median / ref.median <= t && nat.median / nat.min <= 1.3 ? 'yes' : 'NO') : '';
    lines.push(`| ${n} | ${cell(nat)} | ${cell(results.wasm?.[n])} | ${cell(results.cpu?.[n])} | ${cell(ref)} | ${ratio(nat?.min, ref?.min)} | ${ratio(nat?.median, ref?.median)} | ${ratio(nat?.median, nat?.min)} | ${ratio(results.wasm?.[n]?.median, ref?.median)} | ${t ? `<= ${t}x` : ''} | ${met} |`);
  }
  // the training loop's own cost: train() per step over the bare step (target: at most 20% more)
  const loop = results.native?.['train() with gradient noise, A1 MLP, 50 steps, batch 128']?.median;
  const bare = results.native?.['A1 MLP step 784-50x20-10, batch 128']?.median;
  if (loop && bare) lines.push('', `train() with gradient noise costs ${fmt(loop / 50)} ms a step on native, the bare A1 step ${fmt(bare)} ms: ${((loop / 50 / bare - 1) * 100).toFixed(0)}% over the bare step (target <= 20%: ${loop / 50 <= 1.2 * bare ? 'met' : 'NOT met'})`);
  const kernel = results.native?.['sgemm 1024 (kernel only)']?.min;
  const blas = results.openblas?.['sgemm 1024 (OpenBLAS from C)']?.min;
  if (kernel && blas) {
    const share = blas / kernel;
    lines.push('', `native sgemm 1024 kernel ${fmt(kernel)} ms vs OpenBLAS from C ${fmt(blas)} ms: ${(100 * share).toFixed(0)}% of OpenBLAS (target >= 80%: ${share >= 0.8 ? 'met' : 'NOT met'}); ` +
      `${((2 * 1024 ** 3) / (kernel * 1e6)).toFixed(0)} GFLOP/s`);
  }
  return lines;
}

const parts = process.argv.slice(2);
const want = (p: string) => !parts.length || parts.includes(p);
type BenchFile = { threads: number; date: string; results?: Record<string, Record<string, Timing> | null>; runner?: RunnerBench[]; kernels?: KernelBench[]; queue?: QueueBench };
// a partial run keeps the other part from the previous bench.json
const file = join(resultsDir(), 'bench.json');
const previous: Partial<BenchFile> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const out: BenchFile = { ...previous, threads, date: new Date().toISOString() };
if (want('engine')) out.results = benchEngine();
if (want('runner')) {
  console.error('bench: notebook runner vs nbconvert ...');
  out.runner = benchRunner();
  out.kernels = await benchKernels();
}
if (want('queue')) {
  console.error('bench: the queue (BullMQ on a private redis-server) ...');
  out.queue = await benchQueue();
}
const lines = [...(out.results ? engineMarkdown(out.results) : []), ...(out.runner ? ['', ...runnerMarkdown(out.runner, out.kernels)] : []),
  ...(out.queue ? ['', ...queueMarkdown(out.queue)] : [])];
const md = lines.join('\n') + '\n';
process.stdout.write(md);
writeFileAtomic(file, JSON.stringify(out, null, 1) + '\n');
writeFileAtomic(join(resultsDir(), 'bench.md'), md);
