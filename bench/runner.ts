/**
 * Overhead of executing a notebook: `noiselab run` beside Debian's `jupyter nbconvert --execute`, both
 * on the tslab kernel, end to end from a shell (process start to exit). Startup is the time for a
 * one-cell notebook; the per-cell round trip is the slope between a 1-cell and a 41-cell notebook of
 * trivial cells, so kernel start and interpreter start-up cancel out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/util/paths.js';

export interface RunnerBench {
  runner: string;
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

function notebook(dir: string, cells: number): string {
  const file = join(dir, `cells-${cells}.ipynb`);
  writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: Array.from({ length: cells }, (_, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source: `${i} + 1`, outputs: [], execution_count: null })),
  }));
  return file;
}

function timed(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export function benchRunner(reps = 5): RunnerBench[] {
  const dir = mkdtempSync(join(tmpdir(), 'noiselab-bench-nb-'));
  const [one, many] = [notebook(dir, 1), notebook(dir, 41)];
  const out = join(dir, 'out.ipynb');
  const runners: Record<string, (nb: string) => string[]> = {
    'noiselab run': (nb) => [process.execPath, join(projectRoot(), 'bin', 'noiselab.js'), 'run', nb, '-o', out],
    'jupyter nbconvert --execute': (nb) => ['/usr/bin/python3', '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', nb, '--output', out],
  };
  const rows: RunnerBench[] = [];
  for (const [name, argv] of Object.entries(runners)) {
    const starts: number[] = [];
    const slopes: number[] = [];
    const first: number[] = [];
    for (let r = 0; r < reps; r++) {
      const [cmd, ...args] = argv(one);
      const t1 = timed(cmd, args);
      if (name === 'noiselab run') {
        const nb = JSON.parse(readFileSync(out, 'utf8'));
        first.push(Date.parse(nb.cells[0].metadata.noiselab.end_time) - Date.parse(nb.metadata.noiselab.start_time));
      }
      const [cmd2, ...args2] = argv(many);
      const t41 = timed(cmd2, args2);
      starts.push(t1);
      slopes.push(((t41 - t1) / 40) * 1000);
    }
    rows.push({ runner: name, startup: stats(starts), perCellMs: stats(slopes), ...(first.length ? { firstResult: stats(first.map((x) => x / 1000)) } : {}) });
  }
  return rows;
}

export function runnerMarkdown(rows: RunnerBench[]): string[] {
  const f = (t: { min: number; median: number }, d: number) => `${t.min.toFixed(d)} (${t.median.toFixed(d)})`;
  return [
    '## Notebook runner overhead (tslab kernel, trivial cells; fastest (median) of 5)', '',
    '| runner | 1-cell notebook, process start to exit (s) | per-cell round trip (ms) | kernel start to first result (s) |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.runner} | ${f(r.startup, 2)} | ${f(r.perCellMs, 1)} | ${r.firstResult ? f(r.firstResult, 2) : '-'} |`),
  ];
}
