/** The noiselab command line. */
import { availableParallelism } from 'node:os';
import { describeEngine, initEngine } from '../engine/backend.js';
import { loadClaims, selectClaims } from '../claims/registry.js';
import { reproduce } from '../claims/reproduce.js';
import { effectText, reportRows } from '../report/markdown.js';
import { readRecords, staleness } from '../results/records.js';
import type { Claim } from '../claims/types.js';
import { projectRoot, resultsDir } from '../util/paths.js';
import { ensureDir } from '../util/fs.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseCount, parseScale, parseSeeds, UsageError, type Values } from './args.js';
import { checkDeterminism, describeCheck } from '../claims/check.js';
import { paramsFor } from '../claims/run.js';
import { RESULTS_HELP, cmdResults } from './results.js';
import { RUN_HELP, cmdRun } from './run.js';
import { chromiumPath, FigureRenderer } from '../figures/render.js';
import { buildSite } from '../report/site.js';

const HELP: Record<string, string> = {
  main: `noiselab: reproduce claims about noise, smoothing and curvature in neural networks

usage: noiselab <command> [options]

commands:
  claims      list every registered claim with its last verdict
  reproduce   run claims at a scale (through their notebooks) and write the results table and report
  report      build the report site (index.html, a page per claim) and REPORT.md from the latest results
  results     a claim's stored runs, compared
  run         execute notebooks headlessly on their Jupyter kernel, with parameters
  info        show the compute backend and where data and results live
  help <cmd>  help for one command
  --version   print noiselab's version

Environment: NOISELAB_BACKEND forces a backend (tensorflow-gpu, tensorflow, native, wasm, cpu);
NOISELAB_RESULTS moves the results folder (default data/results).`,
  claims: `usage: noiselab claims [--json]

Lists every claim with its verdicts of record at ci and full scale (the committed records in
data/records: reproduced, partly reproduced, not reproduced, inconclusive or not run; "stale" when the
claim's code or data changed since) and its headline effect with the 95% interval.
  --json   per claim { id, paper, claim, verdicts: { ci, full } }, each verdict with status, effects
           (label, estimate, lo, hi, test, p, claimed, outcome), premise, checks, seeds, code, stale`,
  reproduce: `usage: noiselab reproduce [--claim ID]... [--scale smoke|ci|full] [--seeds 1,2,3] [--workers N] [--out DIR] [--fresh] [--in-process] [--no-static-figures] [--json]
       noiselab reproduce --check [--claim ID]... [--scale S] [--seeds L] [--workers N] [--json]

Runs every registered claim (or those named by --claim) through its notebook (executed copies go to
<out>/notebooks/, figures with PNG copies) and writes <out>/<ID>.json per claim, appends the run to
<out>/history/<ID>.{runs,rows}.arrow, and rebuilds <out>/results.csv, <out>/REPORT.md and the report site
<out>/site/ (as noiselab report does). A claim whose
parameters, code (src/ and the package lock) and backend match a stored run is not computed again.
Exit status 1 if an experiment failed; a claim that does not reproduce is a valid result, not a failure.
  --claim ID   a claim to run (repeatable; default: all)
  --scale S    smoke (seconds), ci (about a minute each, default) or full (the paper's setting as far as it fits)
  --seeds L    comma-separated seeds replacing the scale's own
  --workers N  processes to spread each claim's seeds over (default: one per core; 1 runs them in-process)
  --out DIR    results folder (default data/results)
  --fresh      compute every claim again, even when a stored run has the same parameters and code
  --in-process run the experiments in this process, without notebooks (the default when the tslab kernel is missing)
  --no-static-figures  no PNG copies of the figures
  --check      determinism: run each claim twice with the same seeds and compare the result tables bit for
               bit (naming the claim and column of a difference), and once with other seeds, which must change
               the numbers; writes nothing; exit status 1 on any failure
  --json       print the outcomes as JSON on stdout`,
  report: `usage: noiselab report [--results DIR] [--out DIR] [--readme FILE] [--no-static-figures] [--json]

Builds a static site from the latest results: <out>/index.html (every claim: id, paper, claim, verdict,
effect with its 95% interval, seeds, runtime, backend, commit, date; filterable) and <out>/claims/<ID>.html
(the executed notebook with interactive figures, plotly.js served from <out>/assets/, and static PNGs), plus
<results>/REPORT.md with the table and the images. Open index.html in a browser; no server needed.
  --results DIR  results folder (default data/results)
  --out DIR      site folder (default <results>/site)
  --readme FILE  also rewrite the claims table in FILE (between its claims:start and claims:end markers)
  --no-static-figures  do not draw PNGs for figures that have none
  --json         print what was built as JSON`,
  results: RESULTS_HELP,
  run: RUN_HELP,
  info: `usage: noiselab info [--json]

Initialises the engine and prints the chosen backend, the ones skipped and why, and the results folder.`,
};

async function cmdClaims(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'claims');
  if (values.help) return help('claims');
  const claims = await loadClaims();
  const records = readRecords();
  if (values.json) {
    const verdictOf = (c: Claim<any>, scale: 'ci' | 'full') => {
      const rec = records.find((r) => r.id === c.id && r.scale === scale);
      if (!rec) return null;
      const v = rec.verdict;
      return {
        status: v.status, headline: v.headline, reasons: v.reasons,
        effects: v.effects.map((e) => ({ key: e.key, label: e.label, unit: e.unit, estimate: e.estimate, lo: e.lo, hi: e.hi, test: e.test, p: e.p, claimed: e.claimed, outcome: e.outcome, part: e.part, decides: e.decides })),
        premise: v.premise, checks: v.checks, seeds: rec.seeds, code: rec.provenance.code, stale: staleness(rec, c.slug).length > 0, provenance: rec.provenance,
      };
    };
    const out = claims.map((c) => ({ id: c.id, paper: c.paper, claim: c.claim, verdicts: { ci: verdictOf(c, 'ci'), full: verdictOf(c, 'full') } }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  for (const r of reportRows(claims, records)) {
    process.stdout.write(`${r.id.padEnd(4)} ci: ${(r.ci?.status ?? 'not run').padEnd(18)} full: ${(r.full?.status ?? 'not run').padEnd(18)} ${r.claim}\n     paper: ${r.paper}\n`);
    const of = r.full?.headline ? r.full : r.ci;
    if (of?.headline) process.stdout.write(`     ${of === r.full ? 'full' : 'ci'}: ${of.headline.label} ${effectText(of.headline)}${of.stale.length ? ` (stale: ${of.stale.join(', ')})` : ''}\n`);
  }
  return 0;
}

async function cmdReproduce(args: string[]): Promise<number> {
  const { values } = parse(args, {
    claim: { type: 'string', multiple: true }, scale: { type: 'string' }, seeds: { type: 'string' },
    out: { type: 'string' }, json: { type: 'boolean' }, workers: { type: 'string' }, fresh: { type: 'boolean' },
    'in-process': { type: 'boolean' }, 'no-static-figures': { type: 'boolean' }, check: { type: 'boolean' },
  }, 'reproduce');
  if (values.help) return help('reproduce');
  if (values.check) return cmdCheck(values);
  writableFolder((values.out as string | undefined) ?? resultsDir(), values.out ? '--out' : resultsVariable());
  const outcomes = await reproduce({
    ids: values.claim as string[] | undefined,
    scale: parseScale((values.scale as string | undefined) ?? 'ci'),
    seeds: values.seeds !== undefined ? parseSeeds(values.seeds as string) : undefined,
    outDir: values.out as string | undefined,
    workers: values.workers === undefined ? availableParallelism() : parseCount('--workers', values.workers as string),
    fresh: Boolean(values.fresh),
    notebooks: values['in-process'] ? false : undefined,
    staticFigures: !values['no-static-figures'],
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(outcomes.map((o) => ({ id: o.id, ok: o.ok, reused: o.reused, skipped: o.skipped, recorded: o.recorded, error: o.error, verdict: o.record?.verdict })), null, 2) + '\n');
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

async function cmdCheck(values: Values): Promise<number> {
  for (const flag of ['out', 'fresh', 'in-process', 'no-static-figures']) if (values[flag]) throw new UsageError(`reproduce: --check writes nothing and runs in-process; drop --${flag}`);
  await initEngine({ quiet: true });
  const claims = await selectClaims(values.claim as string[] | undefined);
  const scale = parseScale((values.scale as string | undefined) ?? 'ci');
  const workers = values.workers === undefined ? availableParallelism() : parseCount('--workers', values.workers as string);
  const checks = [];
  for (const claim of claims) {
    const params = paramsFor(claim, scale, values.seeds !== undefined ? parseSeeds(values.seeds as string) : undefined);
    try {
      const c = await checkDeterminism(claim, params, { workers });
      checks.push(c);
      process.stderr.write(`${c.ok ? 'ok  ' : 'FAIL'} ${describeCheck(c)}\n`);
    } catch (e) {
      checks.push({ id: claim.id, ok: false, error: (e as Error).message });
      process.stderr.write(`FAIL ${claim.id}: ${(e as Error).message}\n`);
    }
  }
  const failed = checks.filter((c) => !c.ok).length;
  process.stderr.write(`determinism at scale ${scale}: ${checks.length - failed}/${checks.length} claims pass\n`);
  if (values.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
  return failed ? 1 : 0;
}

async function cmdReport(args: string[]): Promise<number> {
  const { values } = parse(args, { results: { type: 'string' }, out: { type: 'string' }, readme: { type: 'string' }, 'no-static-figures': { type: 'boolean' }, json: { type: 'boolean' } }, 'report');
  if (values.help) return help('report');
  if (values.results !== undefined && !existsSync(values.results as string)) {
    throw new UsageError(`report: --results ${values.results}: no such folder; name the folder noiselab reproduce wrote (default data/results)`);
  }
  writableFolder((values.out as string | undefined) ?? (values.results as string | undefined) ?? resultsDir(), values.out ? '--out' : values.results ? '--results' : resultsVariable());
  const renderer = !values['no-static-figures'] && chromiumPath() ? new FigureRenderer() : undefined;
  try {
    const site = await buildSite({ resultsDir: values.results as string | undefined, outDir: values.out as string | undefined, readme: values.readme as string | undefined, renderer });
    if (values.json) process.stdout.write(JSON.stringify(site, null, 2) + '\n');
    else process.stdout.write(`site: ${site.index} (${site.pages} claim pages, ${site.figures} figures, ${site.images} static images)\nreport: ${site.report}\n`);
  } finally {
    await renderer?.close();
  }
  return 0;
}

async function cmdInfo(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'info');
  if (values.help) return help('info');
  const info = await initEngine({ quiet: true });
  if (values.json) process.stdout.write(JSON.stringify({ ...info, results: resultsDir() }, null, 2) + '\n');
  else process.stdout.write(`backend: ${describeEngine(info)}\nresults: ${resultsDir()}\n`);
  return 0;
}

const resultsVariable = () => (process.env.NOISELAB_RESULTS ? 'NOISELAB_RESULTS' : 'the results folder');

/** A folder the command will write: made if missing, else a usage error naming where it came from. */
function writableFolder(dir: string, what: string): void {
  try {
    ensureDir(dir, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function help(cmd = 'main'): number {
  process.stdout.write((HELP[cmd] ?? HELP.main) + '\n');
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  claims: cmdClaims,
  reproduce: cmdReproduce,
  report: cmdReport,
  results: cmdResults,
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
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`noiselab ${JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version}\n`);
    return 0;
  }
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await run(rest);
  } catch (e) {
    process.stderr.write(`noiselab: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
