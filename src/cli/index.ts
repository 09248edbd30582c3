/** The noiselab command line. */
import { availableParallelism } from 'node:os';
import { describeEngine, initEngine } from '../engine/backend.js';
import { loadClaims } from '../claims/registry.js';
import { reproduce } from '../claims/reproduce.js';
import { reportRows } from '../report/markdown.js';
import { loadRecord } from '../results/store.js';
import { resultsDir } from '../util/paths.js';
import { parse, parseCount, parseScale, parseSeeds, UsageError } from './args.js';
import { RUN_HELP, cmdRun } from './run.js';

const HELP: Record<string, string> = {
  main: `noiselab: reproduce claims about noise, smoothing and curvature in neural networks

usage: noiselab <command> [options]

commands:
  claims      list every registered claim with its last verdict
  reproduce   run claims at a scale and write the results table and report
  run         execute notebooks headlessly on their Jupyter kernel, with parameters
  info        show the compute backend and where data and results live
  help <cmd>  help for one command

Environment: NOISELAB_BACKEND forces a backend (tensorflow-gpu, tensorflow, native, wasm, cpu);
NOISELAB_RESULTS moves the results folder (default data/results).`,
  claims: `usage: noiselab claims [--json]

Lists id, paper, claim, status (reproduced / not reproduced / not run) and the last verdict's numbers.
  --json   print the same as JSON`,
  reproduce: `usage: noiselab reproduce [--claim ID]... [--scale smoke|ci|full] [--seeds 1,2,3] [--workers N] [--out DIR] [--json]

Runs every registered claim (or those named by --claim) and writes <out>/<ID>.json per claim,
<out>/results.csv and <out>/REPORT.md. Exit status 1 if an experiment failed; a claim that does not
reproduce is a valid result, not a failure.
  --claim ID   a claim to run (repeatable; default: all)
  --scale S    smoke (seconds), ci (about a minute each, default) or full (the paper's setting as far as it fits)
  --seeds L    comma-separated seeds replacing the scale's own
  --workers N  processes to spread each claim's seeds over (default: one per core; 1 runs them in-process)
  --out DIR    results folder (default data/results)
  --json       print the outcomes as JSON on stdout`,
  run: RUN_HELP,
  info: `usage: noiselab info [--json]

Initialises the engine and prints the chosen backend, the ones skipped and why, and the results folder.`,
};

async function cmdClaims(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'claims');
  if (values.help) return help('claims');
  const claims = await loadClaims();
  const records = new Map(claims.map((c) => [c.id, loadRecord(c.id)] as const));
  const rows = reportRows(claims, records).map((r, i) => ({
    id: r.id, paper: claims[i].paper, claim: r.claim, status: r.status,
    numbers: records.get(r.id)?.verdict.numbers ?? {}, summary: r.summary, scale: r.scale, date: r.date,
  }));
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  for (const r of rows) {
    process.stdout.write(`${r.id.padEnd(4)} ${r.status.padEnd(15)} ${r.claim}\n     paper: ${r.paper}\n`);
    if (r.summary) process.stdout.write(`     last (${r.scale}, ${r.date.slice(0, 10)}): ${r.summary}\n`);
  }
  return 0;
}

async function cmdReproduce(args: string[]): Promise<number> {
  const { values } = parse(args, {
    claim: { type: 'string', multiple: true }, scale: { type: 'string' }, seeds: { type: 'string' },
    out: { type: 'string' }, json: { type: 'boolean' }, workers: { type: 'string' },
  }, 'reproduce');
  if (values.help) return help('reproduce');
  const outcomes = await reproduce({
    ids: values.claim as string[] | undefined,
    scale: parseScale((values.scale as string | undefined) ?? 'ci'),
    seeds: values.seeds ? parseSeeds(values.seeds as string) : undefined,
    outDir: values.out as string | undefined,
    workers: values.workers === undefined ? availableParallelism() : parseCount('--workers', values.workers as string),
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(outcomes.map((o) => ({ id: o.id, ok: o.ok, error: o.error, verdict: o.record?.verdict })), null, 2) + '\n');
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

async function cmdInfo(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'info');
  if (values.help) return help('info');
  const info = await initEngine({ quiet: true });
  if (values.json) process.stdout.write(JSON.stringify({ ...info, results: resultsDir() }, null, 2) + '\n');
  else process.stdout.write(`backend: ${describeEngine(info)}\nresults: ${resultsDir()}\n`);
  return 0;
}

function help(cmd = 'main'): number {
  process.stdout.write((HELP[cmd] ?? HELP.main) + '\n');
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  claims: cmdClaims,
  reproduce: cmdReproduce,
  run: cmdRun,
  info: cmdInfo,
  help: async (args) => {
    if (args[0] && !HELP[args[0]]) throw new UsageError(`help: unknown command '${args[0]}'`);
    return help(args[0]);
  },
};

/** Run the CLI; returns the exit status (2 for usage errors, 1 for failures). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') return help();
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await run(rest);
  } catch (e) {
    process.stderr.write(`noiselab: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
