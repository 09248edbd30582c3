/**
 * Overhead of executing a notebook, on noiselab's kernel and on tslab: `noiselab run` beside Debian's
 * `jupyter nbconvert --execute`, end to end from a shell (process start to exit). Startup is the time
 * for a one-cell notebook; the per-cell round trip is the slope between a 1-cell and a 41-cell notebook
 * of trivial cells, so kernel start and interpreter start-up cancel out. Per kernel, through the
 * protocol: process start to the kernel_info reply, and the cell a claim notebook opens with (importing
 * noiselab).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../src/notebook/kernel.js';
import { findKernelSpec } from '../src/notebook/kernelspec.js';
import { projectRoot } from '../src/util/paths.js';
import { ownResident } from './resident.js';

export interface RunnerBench {
  runner: string;
  kernel: string;
  /** seconds, fastest and median of the repetitions */
  startup: { min: number; median: number };
  perCellMs: { min: number; median: number };
  /** noiselab only: kernel start to the first cell's result, from its own metadata */
  firstResult?: { min: number; median: number };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};

function notebook(dir: string, cells: number, kernel: string): string {
  const file = join(dir, `${kernel}-cells-${cells}.ipynb`);
  writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: kernel, display_name: kernel, language: 'typescript' } },
    cells: Array.from({ length: cells }, (_, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source: `${i} + 1`, outputs: [], execution_count: null })),
  }));
  return file;
}

// the notebooks live in a temporary folder outside any checkout: start this checkout's kernels, not
// whichever checkout the kernelspec's fallback names
const KERNEL_ENV = {
  ...process.env,
  NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js'),
  NOISELAB_TSLAB: join(projectRoot(), 'node_modules', 'tslab', 'bin', 'tslab'),
};

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...KERNEL_ENV, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export const KERNELS = ['noiselab', 'tslab'];

export function benchRunner(reps = 5): RunnerBench[] {
  const rows: RunnerBench[] = [];
  for (const kernel of KERNELS) rows.push(...benchRunnerOn(kernel, reps));
  return rows;
}

function benchRunnerOn(kernel: string, reps: number): RunnerBench[] {
  const dir = mkdtempSync(join(tmpdir(), 'noiselab-bench-nb-'));
  const [one, many] = [notebook(dir, 1, kernel), notebook(dir, 41, kernel)];
  const out = join(dir, 'out.ipynb');
  const runners: Record<string, (nb: string) => string[]> = {
    'noiselab run': (nb) => [process.execPath, join(projectRoot(), 'bin', 'noiselab.js'), 'run', nb, '-o', out],
    'jupyter nbconvert --execute': (nb) => ['/usr/bin/python3', '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', nb, '--output', out],
  };
  const rows: RunnerBench[] = [];
  // noiselab's kernels type-check their cells under nbconvert: with a resident checker of the bench's own
  // (warm after the first kernel, as for a user's next notebook)
  const resident = ownResident();
  try {
    for (const [name, argv] of Object.entries(runners)) rows.push(benchOneRunner(kernel, name, argv, { one, many, out }, reps, resident.env));
  } finally {
    resident.stop();
  }
  return rows;
}

/** One runner on one kernel: `reps` runs of the 1-cell and the 41-cell notebook. */
function benchOneRunner(kernel: string, name: string, argv: (nb: string) => string[], nbs: { one: string; many: string; out: string }, reps: number, env: NodeJS.ProcessEnv): RunnerBench {
  const starts: number[] = [];
  const slopes: number[] = [];
  const first: number[] = [];
  // one run untimed: a resident checker started by the first run would count in one repetition only
  // (seconds: a negative slope); the figures are for a runner, kernel and checker already warm
  const [cmd0, ...args0] = argv(nbs.one);
  timed(cmd0, args0, env);
  for (let r = 0; r < reps; r++) {
    const [cmd, ...args] = argv(nbs.one);
    const t1 = timed(cmd, args, env);
    if (name === 'noiselab run') {
      const nb = JSON.parse(readFileSync(nbs.out, 'utf8'));
      first.push(Date.parse(nb.cells[0].metadata.noiselab.end_time) - Date.parse(nb.metadata.noiselab.start_time));
    }
    const [cmd2, ...args2] = argv(nbs.many);
    const t41 = timed(cmd2, args2, env);
    starts.push(t1);
    slopes.push(((t41 - t1) / 40) * 1000);
  }
  return { runner: name, kernel, startup: stats(starts), perCellMs: stats(slopes), ...(first.length ? { firstResult: stats(first.map((x) => x / 1000)) } : {}) };
}

export interface KernelBench {
  kernel: string;
  /** seconds from spawning the kernel to its kernel_info reply (and its status on iopub) */
  ready: { min: number; median: number };
  /** seconds for `import { ... } from "noiselab"` and initEngine, the cell every claim notebook opens with */
  importCell: { min: number; median: number };
}

/** Per kernel, through the protocol (src/notebook/kernel.ts), started in notebooks/ as the claims' notebooks are. */
export async function benchKernels(reps = 5): Promise<KernelBench[]> {
  const rows: KernelBench[] = [];
  const resident = ownResident();
  try {
    for (const kernel of KERNELS) rows.push(await benchKernel(kernel, reps, resident.env));
  } finally {
    resident.stop();
  }
  return rows;
}

async function benchKernel(kernel: string, reps: number, env: Record<string, string>): Promise<KernelBench> {
  const ready: number[] = [];
  const importCell: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const k = await Kernel.start(findKernelSpec(kernel), { cwd: join(projectRoot(), 'notebooks'), startTimeout: 60, env });
    ready.push((performance.now() - t0) / 1000);
    const t1 = performance.now();
    const res = await k.execute('import { initEngine, getClaim } from "noiselab";\nconst engine = await initEngine({ quiet: true });\nconst claim = await getClaim("B6");', { timeout: 120 });
    importCell.push((performance.now() - t1) / 1000);
    await k.shutdown(2);
    if (res.reply.status !== 'ok') throw new Error(`${kernel}: the import cell failed: ${res.reply.evalue ?? res.reply.status}`);
  }
  return { kernel, ready: stats(ready), importCell: stats(importCell) };
}

export function runnerMarkdown(rows: RunnerBench[], kernels: KernelBench[] = []): string[] {
  const f = (t: { min: number; median: number }, d: number) => `${t.min.toFixed(d)} (${t.median.toFixed(d)})`;
  return [
    '## Notebook runner overhead (trivial cells; fastest (median) of 5)', '',
    '| runner | kernel | 1-cell notebook, process start to exit (s) | per-cell round trip (ms) | kernel start to first result (s) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.runner} | ${r.kernel ?? 'tslab'} | ${f(r.startup, 2)} | ${f(r.perCellMs, 1)} | ${r.firstResult ? f(r.firstResult, 2) : '-'} |`),
    ...(kernels.length ? ['', '| kernel | spawn to kernel_info reply (s) | cell importing noiselab + initEngine (s) |', '|---|---|---|',
      ...kernels.map((k) => `| ${k.kernel} | ${f(k.ready, 3)} | ${f(k.importCell, 2)} |`)] : []),
  ];
}
