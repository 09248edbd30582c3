/** Several notebooks at once, at most `concurrency` kernels running; one failure does not stop the others. */
import { basename, join } from 'node:path';
import { formatDuration } from '../util/progress.js';
import { runNotebook, type RunOptions, type RunResult } from './run.js';

export interface BatchItem {
  input: string;
  output: string;
  result?: RunResult;
  /** an error before or outside execution: unreadable notebook, unknown kernel, kernel that did not start */
  error?: string;
}

export interface BatchOptions extends RunOptions {
  concurrency: number;
  /** running notebooks changed: `done` of `total` finished, and the running ones with their cell progress */
  onProgress?: (done: number, total: number, running: string) => void;
}

export function outputPath(input: string, outputDir: string): string {
  return join(outputDir, basename(input));
}

export async function runBatch(items: BatchItem[], opts: BatchOptions): Promise<BatchItem[]> {
  let next = 0;
  let done = 0;
  const running = new Map<string, string>();
  const report = () => opts.onProgress?.(done, items.length, [...running].map(([n, c]) => `${n} ${c}`).join(', '));
  const worker = async () => {
    while (next < items.length && !opts.signal?.aborted) {
      const item = items[next++];
      const name = basename(item.input, '.ipynb');
      running.set(name, '');
      report();
      try {
        item.result = await runNotebook(item.input, item.output, {
          ...opts, onCell: (i, n) => { running.set(name, `${i + 1}/${n}`); report(); },
        });
      } catch (e) {
        item.error = (e as Error).message;
      }
      running.delete(name);
      done++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, items.length)) }, worker));
  return items;
}

export function batchStatus(item: BatchItem): string {
  return item.error ? 'error' : item.result?.status ?? 'not run';
}

/** The failing cell as the user knows it: its number in the input notebook, or the injected parameters. */
export function failedCellName(c: NonNullable<RunResult['failedCell']>): string {
  const count = c.executionCount !== null ? ` (In [${c.executionCount}])` : '';
  return c.inputCell === null ? `the injected-parameters cell${count} (the values given with -p, -r or -f)` : `cell ${c.inputCell}${count}`;
}

/** A plain-text table: notebook, status, cells run, time, backend, and where it failed. */
export function summaryTable(items: BatchItem[]): string {
  const rows = items.map((it) => {
    const r = it.result;
    const where = it.error ?? (r?.failedCell ? `${failedCellName(r.failedCell)}: ${r.failedCell.error.split('\n')[0]}` : '');
    return [basename(it.input), batchStatus(it), r ? String(r.executed) : '-', r ? formatDuration(r.durationSec) : '-', r?.backend ?? '-', where];
  });
  const head = ['notebook', 'status', 'cells', 'time', 'backend', 'failure'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}
