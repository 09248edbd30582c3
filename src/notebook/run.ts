/**
 * Executes a notebook on its kernel and writes the executed copy, the way papermill and nbclient do:
 * parameters injected, code cells run in order, outputs and timings recorded, the first failing cell
 * marked (a banner on top, its error kept) and the run stopped there. The input is never written.
 */
import { basename, dirname, join, resolve } from 'node:path';
import type { FigureRenderer } from '../figures/render.js';
import { gitCommit } from '../util/git.js';
import { projectRoot } from '../util/paths.js';
import { CellTimeoutError, Kernel, KernelDiedError } from './kernel.js';
import { findKernelSpec } from './kernelspec.js';
import { hasTag, readNotebook, text, upgradeTo45, writeNotebook, NotebookError, type Cell, type Notebook, type Output } from './nbformat.js';
import { finalizeOutputs, OutputCollector } from './outputs.js';
import { injectParameters, ParameterError, type Parameters } from './parameters.js';
import { addStaticImages } from './static-figures.js';

export const ERROR_BANNER_TAG = 'noiselab-error-banner';
export const ERROR_CELL_TAG = 'noiselab-error-cell';

/**
 * Options of `runNotebook`: parameters, kernel, working directory, timeouts, environment, callbacks and static
 * figures.
 */
export interface RunOptions {
  /** values for the parameters cell */
  parameters?: Parameters;
  /** kernel name, instead of the notebook's kernelspec */
  kernel?: string;
  /** working directory of the kernel (default: the notebook's folder) */
  cwd?: string;
  /** seconds per cell before the kernel is interrupted (0: none) */
  timeout?: number;
  /** seconds for the kernel to start and answer */
  startTimeout?: number;
  /** seconds a timed-out cell has to stop after the interrupt before the kernel is killed */
  interruptGrace?: number;
  /** keep going after a failing cell (errors stay in the outputs) */
  allowErrors?: boolean;
  /** extra environment for the kernel */
  env?: Record<string, string>;
  /**
   * have noiselab's kernel type-check each cell before it runs, as it does interactively and under
   * nbconvert (default true: a notebook that stops at a type error in Jupyter stops here too; the checker's
   * warm-up, ~1.7 s, is paid by the first kernel only while the resident checker stays, until 30 minutes
   * without a kernel: src/kernel/resident.ts; without the resident, by every kernel)
   */
  typecheck?: boolean;
  /**
   * have noiselab's kernel import the library's source live, as it does interactively (default false: a
   * headless run edits nothing, and the build loads in half the time; src/kernel/live.ts)
   */
  live?: boolean;
  /** aborting (Ctrl-C) interrupts the running cell, stops the kernel and writes what ran */
  signal?: AbortSignal;
  /** called before each code cell runs: its position among the code cells to run */
  onCell?: (done: number, total: number) => void;
  /** parameters that the parameters cell does not declare */
  onWarning?: (message: string) => void;
  /**
   * draws a PNG beside every plotly figure once the notebook has run (the kernel itself is told not
   * to: NOISELAB_STATIC_FIGURES=off); without it figures stay interactive only
   */
  staticFigures?: FigureRenderer;
}

/** How a notebook run ended: every cell ran, a cell failed (an error or a timeout), or the run was aborted. */
export type RunStatus = 'completed' | 'failed' | 'interrupted';

/**
 * What `runNotebook` did: input and output paths, how the run ended and the failing cell, counts of cells,
 * duration, kernel and backend.
 */
export interface RunResult {
  input: string;
  output: string;
  status: RunStatus;
  /**
   * the failing cell: its 1-based index in the output notebook, in the input notebook (the user's own
   * numbering; null for the injected-parameters cell), and its execution count
   */
  failedCell?: { index: number; inputCell: number | null; executionCount: number | null; error: string };
  /** code cells that raised, allowed by tag or --allow-errors */
  allowedErrors: number;
  executed: number;
  durationSec: number;
  kernel: string;
  backend: string | null;
  /** PNG copies of figures added after the run (with the staticFigures option) */
  staticFigures?: number;
}

const now = () => new Date().toISOString();
const seconds = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

/** Removes what an earlier run added (error banners) and clears outputs, as papermill does before executing. */
function prepare(nb: Notebook): Notebook {
  const cells = nb.cells
    .filter((c) => !hasTag(c, ERROR_BANNER_TAG) && !hasTag(c, ERROR_CELL_TAG))
    .map((c): Cell => {
      if (c.cell_type !== 'code') return c;
      const { execution: _e, noiselab: _n, ...metadata } = (c.metadata ?? {}) as Record<string, unknown>;
      return { ...c, metadata: { ...metadata, noiselab: { status: 'pending' } }, outputs: [], execution_count: null };
    });
  return { ...nb, cells };
}

/** The line that says what went wrong: an exception ("TypeError: ..."), a TypeScript diagnostic, else the last line. */
function errorText(cell: Cell, reply: { ename?: string; evalue?: string }): string {
  if (reply.ename) return `${reply.ename}: ${reply.evalue ?? ''}`.trim();
  const err = (cell.outputs ?? []).flatMap((o) =>
    o.output_type === 'error' ? [`${o.ename}: ${o.evalue}`] : o.output_type === 'stream' && o.name === 'stderr' ? text(o.text).split('\n') : []);
  const found = err.filter((l) => /^(\w*(Error|Exception)\b|\d+:\d+ - )/.test(l));
  return (found.length ? found.slice(0, 3).join('\n') : err.filter((l) => l.trim()).at(-1)) ?? 'the cell raised an error';
}

function errorOutput(ename: string, evalue: string): Output {
  return { output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

function markFailure(nb: Notebook, index: number, executionCount: number | null): Notebook {
  const label = executionCount === null ? `cell ${index + 1}` : `In [${executionCount}]`;
  const style = 'color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;';
  const banner: Cell = {
    id: 'noiselab-error-banner', cell_type: 'markdown', metadata: { tags: [ERROR_BANNER_TAG] },
    source: `<span style="${style}">An exception was encountered at '<a href="#noiselab-error-cell">${label}</a>'.</span>`,
  };
  const marker: Cell = {
    id: 'noiselab-error-cell', cell_type: 'markdown', metadata: { tags: [ERROR_CELL_TAG] },
    source: `<span id="noiselab-error-cell" style="${style}">Execution using noiselab encountered an exception here and stopped:</span>`,
  };
  const cells = [...nb.cells];
  cells.splice(index, 0, marker);
  return { ...nb, cells: [banner, ...cells] };
}

/** The compute backend the kernel ended with, for TypeScript/JavaScript kernels that loaded tfjs. */
async function kernelBackend(kernel: Kernel): Promise<string | null> {
  const lang = String((kernel.info.language_info as { name?: string } | undefined)?.name ?? kernel.spec.language);
  if (!/^(typescript|javascript)$/i.test(lang) || !kernel.alive) return null;
  let out = '';
  const code = '{ const g = globalThis as any; console.log("\\u0000" + JSON.stringify(g.__noiselabEngine ?? g._tfengine?.backendName ?? null)); }';
  try {
    await kernel.execute(code, { timeout: 10, interruptGrace: 1, onIopub: (m) => { out += (m.content as { text?: string }).text ?? ''; } });
    const json = out.split('\u0000')[1];
    return json ? JSON.parse(json) : null;
  } catch {
    return null;
  }
}

interface CellOutcome {
  status: 'completed' | 'failed' | 'interrupted' | 'timeout' | 'died';
  error: string | null;
  iopubLost: boolean;
}

/** Runs one code cell; its outputs go to `outputs`, its count and nbclient timings to the cell. */
async function executeCell(kernel: Kernel, cell: Cell, outputs: Output[], collector: OutputCollector, opts: RunOptions, previousFailed: boolean): Promise<CellOutcome> {
  const run = () => kernel.execute(text(cell.source), { timeout: opts.timeout || undefined, interruptGrace: opts.interruptGrace, onIopub: (msg) => collector.add(msg) });
  try {
    let outcome = await run();
    // tslab drops requests queued within 200 ms of an error; a cell that was never run is sent again
    for (let retry = 0; outcome.reply.status === 'abort' && previousFailed && retry < 5; retry++) {
      await new Promise((ok) => setTimeout(ok, 250));
      outcome = await run();
    }
    cell.execution_count = outcome.reply.execution_count ?? null;
    cell.metadata.execution = outcome.timing;
    for (const o of outputs) if (o.output_type === 'execute_result') o.execution_count = cell.execution_count;
    const iopubLost = Boolean(outcome.iopubLost);
    if (outcome.reply.status === 'ok') return { status: 'completed', error: null, iopubLost };
    cell.outputs = outputs;
    const error = outcome.reply.status === 'abort' ? 'the kernel aborted the cell' : errorText(cell, outcome.reply);
    return { status: opts.signal?.aborted ? 'interrupted' : 'failed', error, iopubLost };
  } catch (e) {
    if (!(e instanceof CellTimeoutError || e instanceof KernelDiedError)) throw e;
    outputs.push(errorOutput(e instanceof CellTimeoutError ? 'CellTimeoutError' : 'DeadKernelError', e.message));
    return { status: e instanceof CellTimeoutError ? 'timeout' : 'died', error: e.message, iopubLost: false };
  }
}

/** Runs `input` and writes the executed notebook to `output` (after every cell, atomically). */
export async function runNotebook(input: string, output: string, opts: RunOptions = {}): Promise<RunResult> {
  input = resolve(input);
  output = resolve(output);
  if (input === output) throw new NotebookError(`${input}: the output path is the input; the input is never overwritten`);
  const source = readNotebook(input);
  const params = opts.parameters ?? {};
  // the language decides how parameters are written (TypeScript or Python literals)
  const language = String(source.metadata.kernelspec?.language ?? (source.metadata.language_info as { name?: string } | undefined)?.name ?? 'typescript');
  let injected: ReturnType<typeof injectParameters>;
  try {
    injected = injectParameters(prepare(source), params, language);
  } catch (e) {
    if (e instanceof ParameterError) throw new NotebookError(`${input}: ${e.message}`);
    throw e;
  }
  if (injected.unknown.length) opts.onWarning?.(`${basename(input)}: the parameters cell does not declare ${injected.unknown.join(', ')}`);
  let nb = upgradeTo45(injected.notebook);
  const kernelName = opts.kernel ?? nb.metadata.kernelspec?.name;
  if (!kernelName) throw new NotebookError(`${input}: no kernel: metadata.kernelspec.name is missing (pass --kernel)`);
  const spec = findKernelSpec(kernelName);

  const started = now();
  const meta = {
    input_path: input, output_path: output, kernel: spec.name, language: spec.language, backend: null as string | null,
    git_commit: gitCommit(), parameters: params, start_time: started, end_time: null as string | null,
    duration: null as number | null, status: 'running' as string, failed_cell: null as number | null, exception: false,
  };
  nb.metadata = { ...nb.metadata, noiselab: meta };
  const save = () => writeNotebook(output, nb);
  save();

  const toRun = nb.cells.filter((c) => c.cell_type === 'code' && !hasTag(c, 'skip-execution') && text(c.source).trim() !== '');
  const result: RunResult = {
    input, output, status: 'completed', allowedErrors: 0, executed: 0, durationSec: 0, kernel: spec.name, backend: null,
  };
  let kernel: Kernel;
  try {
    kernel = await Kernel.start(spec, { cwd: opts.cwd ?? dirname(input), startTimeout: opts.startTimeout ?? 60, env: { NOISELAB_STATIC_FIGURES: 'off', NOISELAB_KERNEL_TYPECHECK: opts.typecheck === false ? '0' : '1', NOISELAB_LIVE: opts.live ? '1' : '0', NOISELAB_TSLAB: join(projectRoot(), 'node_modules', 'tslab', 'bin', 'tslab'), NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js'), ...opts.env } });
  } catch (e) {
    Object.assign(meta, { end_time: now(), status: 'failed', exception: true, error: (e as Error).message });
    save();
    throw e;
  }
  // the interrupt can land before the kernel starts the cell; a kernel still busy after the grace is killed
  let abortTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    void kernel.interrupt();
    abortTimer = setTimeout(() => void kernel.kill(), (opts.interruptGrace ?? 5) * 1000);
  };
  opts.signal?.addEventListener('abort', onAbort);
  const collector = new OutputCollector();
  let failedAt = -1;
  let previousFailed = false;
  try {
    for (const cell of nb.cells) {
      if (cell.cell_type !== 'code') continue;
      const m = cell.metadata as Record<string, unknown>;
      if (!toRun.includes(cell)) {
        m.noiselab = { status: 'skipped' };
        continue;
      }
      if (opts.signal?.aborted) break;
      opts.onCell?.(result.executed, toRun.length);
      const outputs: Output[] = [];
      collector.cell(outputs);
      const start = now();
      m.noiselab = { start_time: start, status: 'running' };
      const { status, error, iopubLost } = await executeCell(kernel, cell, outputs, collector, opts, previousFailed);
      const end = now();
      cell.outputs = finalizeOutputs(outputs);
      m.noiselab = {
        start_time: start, end_time: end, duration: seconds(start, end), status, exception: status !== 'completed',
        ...(iopubLost ? { warning: 'the kernel lost output messages (its idle status never came); outputs may be incomplete' } : {}),
      };
      result.executed++;
      const allowed = status === 'failed' && (opts.allowErrors || hasTag(cell, 'raises-exception'));
      previousFailed = status === 'failed';
      if (allowed) result.allowedErrors++;
      if (status !== 'completed' && !allowed) {
        failedAt = nb.cells.indexOf(cell);
        result.status = status === 'interrupted' || opts.signal?.aborted ? 'interrupted' : 'failed';
        const injectedCell = hasTag(cell, 'injected-parameters');
        const inputCell = injectedCell ? null : nb.cells.slice(0, failedAt + 1).filter((c) => !hasTag(c, 'injected-parameters')).length;
        result.failedCell = { index: failedAt + 1, inputCell, executionCount: cell.execution_count ?? null, error: error ?? status };
        break;
      }
      save();
    }
    if (opts.signal?.aborted && result.status === 'completed') result.status = 'interrupted';
    result.backend = meta.backend = await kernelBackend(kernel);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    clearTimeout(abortTimer);
    await kernel.shutdown();
  }
  if (failedAt >= 0) {
    nb = markFailure(nb, failedAt, result.failedCell!.executionCount);
    // index in the written notebook: banner on top and marker before the cell
    result.failedCell!.index = failedAt + 3;
  }
  if (opts.staticFigures) {
    const images = await addStaticImages(nb, opts.staticFigures);
    result.staticFigures = images.added;
    if (images.failed) opts.onWarning?.(`${basename(input)}: ${images.failed} figure(s) without a static image: ${images.error}`);
  }
  meta.end_time = now();
  meta.duration = result.durationSec = seconds(started, meta.end_time);
  meta.status = result.status;
  meta.exception = result.status !== 'completed';
  meta.failed_cell = result.failedCell?.index ?? null;
  save();
  return result;
}
