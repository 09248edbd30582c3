/**
 * A claim run through its notebook, the way a researcher would: `noiselab run` executes
 * notebooks/<id>-<slug>.ipynb with the scale and seeds as parameters, and the result is read back from
 * what the notebook showed (its application/vnd.noiselab.result+json output and its plotly figures).
 * `reproduce` and the claim tests both go this way, so what they check is what the notebook shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLOTLY_MIME, type Figure } from '../figures/plotly.js';
import type { FigureRenderer } from '../figures/render.js';
import { listKernelSpecs } from '../notebook/kernelspec.js';
import type { Notebook } from '../notebook/nbformat.js';
import { runNotebook, type RunResult } from '../notebook/run.js';
import { projectRoot } from '../util/paths.js';
import { RESULT_MIME, type NotebookResult } from './display.js';
import type { BaseParams, Claim, ClaimResult, Scale } from './types.js';

export const notebookPath = (claim: Pick<Claim<any>, 'id' | 'slug'>): string =>
  join(projectRoot(), 'notebooks', `${claim.id.toLowerCase()}-${claim.slug}.ipynb`);

/** The kernel the claim notebooks need is registered (npm run setup does it). */
export const canRunNotebooks = (): boolean => listKernelSpecs().has('noiselab');

/**
 * Options of `runClaimNotebook`: scale, seeds (default: the scale's), worker processes, where the executed
 * notebook goes, PNG renderer, per-cell timeout and abort signal.
 */
export interface NotebookClaimOptions {
  scale: Scale;
  seeds?: number[];
  /** worker processes for the seeds inside the kernel */
  workers: number;
  /** where the executed notebook goes */
  output: string;
  staticFigures?: FigureRenderer;
  /** seconds per cell (default 1 hour) */
  timeout?: number;
  signal?: AbortSignal;
}

/** A claim notebook's run: how it ended, the executed notebook, the result it showed, and its figures. */
export interface NotebookClaimRun {
  run: RunResult;
  /** the executed notebook as written */
  notebook: Notebook;
  /** what the notebook showed, when it ran through */
  shown: NotebookResult | null;
  /** the plotly figures it displayed, in order */
  figures: Figure[];
}

/**
 * Executes the claim's notebook with the scale (and seeds) as parameters, writes the executed copy to
 * `opts.output`, and reads back the result and figures it showed; throws when a completed run did not show its
 * result exactly once.
 */
export async function runClaimNotebook<P extends BaseParams>(claim: Claim<P, any>, opts: NotebookClaimOptions): Promise<NotebookClaimRun> {
  const run = await runNotebook(notebookPath(claim), opts.output, {
    parameters: { scale: opts.scale, ...(opts.seeds ? { seeds: opts.seeds } : {}) },
    timeout: opts.timeout ?? 3600, env: { NOISELAB_WORKERS: String(opts.workers) },
    staticFigures: opts.staticFigures, signal: opts.signal,
    // the claim notebooks are type-checked whole by tsc in the tests (test/notebooks.test.ts); a check of
    // each cell here would add the checker's warm-up to every claim run
    typecheck: false,
  });
  const notebook = JSON.parse(readFileSync(opts.output, 'utf8')) as Notebook;
  const { shown, figures } = claimOutputs(notebook);
  if (run.status === 'completed' && shown.length !== 1) {
    throw new Error(`${notebookPath(claim)}: the notebook showed its result ${shown.length} times (expected once, through showResult)`);
  }
  return { run, notebook, shown: shown[0] ?? null, figures };
}

/**
 * The results a notebook showed (through showResult) and the claim's figures: the plotly outputs after
 * the result, so that figures of the method cells before the run are not taken for the claim's.
 */
export function claimOutputs(notebook: Notebook): { shown: NotebookResult[]; figures: Figure[] } {
  const outputs = notebook.cells.flatMap((c) => c.outputs ?? []);
  const at = outputs.findIndex((o) => o.data?.[RESULT_MIME]);
  const shown = outputs.map((o) => o.data?.[RESULT_MIME]).filter(Boolean) as NotebookResult[];
  const figures = at < 0 ? [] : outputs.slice(at + 1).map((o) => o.data?.[PLOTLY_MIME]).filter(Boolean) as Figure[];
  return { shown, figures };
}

/** The claim's result as the notebook showed it (figures from its outputs). */
export function notebookClaimResult(r: NotebookClaimRun): ClaimResult {
  if (!r.shown) throw new Error(`${r.run.input}: ${r.run.failedCell?.error ?? r.run.status}`);
  return { verdict: r.shown.verdict, rows: r.shown.rows, figures: r.figures };
}
