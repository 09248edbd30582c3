/** `noiselab run`: notebooks executed headlessly on their Jupyter kernel, papermill-style. */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { batchStatus, outputPath, runBatch, summaryTable, type BatchItem } from '../notebook/batch.js';
import { chromiumPath, FigureRenderer } from '../figures/render.js';
import { checkName, parseValue, readParameterFile, type Parameters } from '../notebook/parameters.js';
import { projectRoot, resultsDir } from '../util/paths.js';
import { createProgress } from '../util/progress.js';
import { parse, parseCount, parseSeconds, UsageError } from './args.js';
import { RUN_HELP } from './help.js';


/** Splits `-p NAME VALUE` / `-r NAME VALUE` (two values each, which parseArgs cannot express) off the arguments. */
export function takeParameters(args: string[]): { rest: string[]; params: Parameters } {
  const rest: string[] = [];
  const params: Parameters = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const raw = a === '-r' || a === '--raw-parameter';
    if (raw || a === '-p' || a === '--parameter') {
      const [name, value] = [args[i + 1], args[i + 2]];
      // name=value, as other tools take it, would otherwise be read as a name and take the next argument as its value
      const joined = /^([A-Za-z_$][\w$]*)=(.*)$/s.exec(name ?? '');
      if (joined) throw new UsageError(`${a} ${name}: NAME and VALUE are two arguments: ${a} ${joined[1]} ${joined[2]}`);
      if (name === undefined || value === undefined) throw new UsageError(`${a}: expected a NAME and a VALUE`);
      checkName(name, a);
      params[name] = raw ? value : parseValue(value, name);
      i += 2;
    } else {
      rest.push(a);
    }
  }
  return { rest, params };
}

function notebookFolder(): string {
  return join(projectRoot(), 'notebooks');
}

/** What `--all` runs: every notebook in the project's notebooks/ folder, sorted. */
export function allNotebooks(): string[] {
  return readdirSync(notebookFolder()).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(notebookFolder(), f));
}

export async function cmdRun(args: string[]): Promise<number> {
  const { rest, params } = takeParameters(args);
  const { values, positionals } = parse(rest, {
    'parameters-file': { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, 'output-dir': { type: 'string' },
    all: { type: 'boolean' }, concurrency: { type: 'string' }, kernel: { type: 'string' }, cwd: { type: 'string' },
    timeout: { type: 'string' }, 'start-timeout': { type: 'string' }, 'allow-errors': { type: 'boolean' }, json: { type: 'boolean' },
    'no-static-figures': { type: 'boolean' }, typecheck: { type: 'boolean' }, 'no-typecheck': { type: 'boolean' }, live: { type: 'boolean' },
  }, 'run', true);
  if (values.help) {
    process.stdout.write(RUN_HELP + '\n');
    return 0;
  }
  let inputs = positionals;
  if (values.all) {
    if (inputs.length) throw new UsageError('run: give notebooks or --all, not both');
    inputs = allNotebooks();
  }
  if (!inputs.length) throw new UsageError('run: no notebook given (name one or more .ipynb files, or --all)');
  for (const f of inputs) if (!existsSync(f)) throw new UsageError(`run: no such notebook: ${f}`);
  if (values.typecheck && values['no-typecheck']) throw new UsageError('run: give --typecheck (the default) or --no-typecheck, not both');
  if (values.output && inputs.length > 1) throw new UsageError('run: --output takes one notebook; use --output-dir for several');
  if (values.cwd && !existsSync(values.cwd as string)) throw new UsageError(`--cwd: no such folder: ${values.cwd}`);
  const fileParams = values['parameters-file'] ? readParameterFile(values['parameters-file'] as string) : {};
  const outputDir = resolve((values['output-dir'] as string | undefined) ?? join(resultsDir(), 'notebooks'));
  const items: BatchItem[] = inputs.map((input) => ({
    input: resolve(input), output: values.output ? resolve(values.output as string) : outputPath(input, outputDir),
  }));
  const outputs = items.map((it) => it.output);
  const clash = outputs.find((o, i) => outputs.indexOf(o) !== i);
  if (clash) throw new UsageError(`run: two notebooks would be written to ${clash}; run them with separate --output-dir`);
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130); // kernels are killed on exit
    process.stderr.write('\nnoiselab run: interrupting; Ctrl-C again to kill the kernels now\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress(items.length === 1 ? basename(items[0].input) : 'notebooks', items.length === 1 ? 1 : items.length);
  const renderer = !values['no-static-figures'] && chromiumPath() ? new FigureRenderer() : undefined;
  try {
    await runBatch(items, {
      parameters: { ...fileParams, ...params },
      concurrency: values.concurrency ? parseCount('--concurrency', values.concurrency as string) : Math.min(2, availableParallelism()),
      kernel: values.kernel as string | undefined,
      cwd: values.cwd ? resolve(values.cwd as string) : undefined,
      timeout: values.timeout !== undefined ? parseSeconds('--timeout', values.timeout as string) : 3600,
      startTimeout: values['start-timeout'] !== undefined ? parseSeconds('--start-timeout', values['start-timeout'] as string) : 60,
      allowErrors: Boolean(values['allow-errors']),
      typecheck: !values['no-typecheck'],
      live: Boolean(values.live),
      signal: abort.signal,
      onWarning: (w) => process.stderr.write(`noiselab run: warning: ${w}\n`),
      onProgress: (done, _total, running) => progress.update(done, running),
      staticFigures: renderer,
    });
  } finally {
    process.off('SIGINT', onSigint);
    await renderer?.close();
  }
  progress.finish();
  if (values.json) {
    process.stdout.write(JSON.stringify(items.map((it) => ({ input: it.input, output: it.output, status: batchStatus(it), error: it.error, ...it.result })), null, 2) + '\n');
  } else {
    process.stdout.write(summaryTable(items) + '\n');
    for (const it of items) if (batchStatus(it) !== 'completed') process.stderr.write(`${basename(it.input)}: ${it.error ?? it.result?.failedCell?.error ?? it.result?.status}\n`);
  }
  if (abort.signal.aborted) return 130;
  return items.every((it) => batchStatus(it) === 'completed') ? 0 : 1;
}
