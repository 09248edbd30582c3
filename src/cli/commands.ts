/** The commands claims, reproduce (and its --check), report and info; loaded when one of them runs. */
import { availableParallelism } from 'node:os';
import { BACKEND_PREFERENCE, describeEngine, initEngine, type EngineInfo } from '../engine/backend.js';
import { describeAdapter, probeWebgpu, type WebgpuAdapter, type WebgpuProbe } from '../engine/webgpu.js';
import { loadClaims, selectClaims } from '../claims/registry.js';
import { reproduce } from '../claims/reproduce.js';
import { effectText, reportRows } from '../report/markdown.js';
import { readRecords, staleness } from '../results/records.js';
import type { Claim } from '../claims/types.js';
import { resultsDir } from '../util/paths.js';
import { ensureDir } from '../util/fs.js';
import { existsSync } from 'node:fs';
import { parse, parseCount, parseScale, parseSeconds, parseSeeds, UsageError, type Values } from './args.js';
import { checkReachable, parseRedisUrl } from '../queue/redis.js';
import { checkDeterminism, describeCheck } from '../claims/check.js';
import { paramsFor } from '../claims/run.js';
import { chromiumPath, FigureRenderer } from '../figures/render.js';
import { buildSite } from '../report/site.js';

import { help } from './help.js';

export async function cmdClaims(args: string[]): Promise<number> {
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

export async function cmdReproduce(args: string[]): Promise<number> {
  const { values } = parse(args, {
    claim: { type: 'string', multiple: true }, scale: { type: 'string' }, seeds: { type: 'string' },
    out: { type: 'string' }, json: { type: 'boolean' }, workers: { type: 'string' }, fresh: { type: 'boolean' },
    'in-process': { type: 'boolean' }, 'no-static-figures': { type: 'boolean' }, check: { type: 'boolean' }, timeout: { type: 'string' },
    queue: { type: 'string' }, 'seed-timeout': { type: 'string' }, attempts: { type: 'string' },
  }, 'reproduce');
  if (values.help) return help('reproduce');
  if (values.queue === undefined) {
    for (const flag of ['seed-timeout', 'attempts']) if (values[flag] !== undefined) throw new UsageError(`reproduce: --${flag} applies to queued seeds; add --queue redis://host:port[/db] or drop it`);
  } else {
    for (const flag of ['check', 'workers']) if (values[flag] !== undefined) throw new UsageError(`reproduce: --queue runs the seeds on noiselab worker processes; drop --${flag}${flag === 'workers' ? ' (give each worker --concurrency N)' : ''}`);
  }
  if (values.check) return cmdCheck(values);
  const queue = values.queue === undefined ? undefined : await queueTarget(values);
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
    timeout: values.timeout === undefined ? undefined : parseSeconds('--timeout', values.timeout as string),
    queue,
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(outcomes.map((o) => ({ id: o.id, ok: o.ok, reused: o.reused, skipped: o.skipped, recorded: o.recorded, error: o.error, verdict: o.record?.verdict })), null, 2) + '\n');
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

/** --queue and its companions, checked (the URL's form, then that Redis answers) before any work. */
async function queueTarget(values: Values): Promise<NonNullable<Parameters<typeof reproduce>[0]['queue']>> {
  const target = parseRedisUrl('--queue', values.queue as string);
  const seedTimeoutSec = values['seed-timeout'] === undefined ? 6 * 3600 : parseSeconds('--seed-timeout', values['seed-timeout'] as string);
  const attempts = values.attempts === undefined ? 3 : parseCount('--attempts', values.attempts as string, 20);
  for (const w of await checkReachable(target, '--queue')) process.stderr.write(`reproduce: warning: ${w}\n`);
  return { target, seedTimeoutSec, attempts };
}

async function cmdCheck(values: Values): Promise<number> {
  for (const flag of ['out', 'fresh', 'in-process', 'no-static-figures', 'timeout']) if (values[flag]) throw new UsageError(`reproduce: --check writes nothing and runs in-process; drop --${flag}`);
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

export async function cmdReport(args: string[]): Promise<number> {
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

export async function cmdInfo(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, 'info');
  if (values.help) return help('info');
  const info = await initEngine({ quiet: true });
  const webgpu = webgpuStanding(await probeWebgpu(), info);
  if (values.json) process.stdout.write(JSON.stringify({ ...info, webgpu, results: resultsDir() }, null, 2) + '\n');
  else {
    const adapter = webgpu.adapter ? describeAdapter(webgpu.adapter) : 'none';
    process.stdout.write(`backend: ${describeEngine(info)}\nwebgpu: adapter ${adapter}; ${webgpu.chosen ? 'chosen' : 'not chosen'}: ${webgpu.why}\nresults: ${resultsDir()}\n`);
  }
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

/**
 * The webgpu backend's standing on this machine: the adapter Dawn offers, whether the engine chose it, and
 * why (or why not). The engine takes a GPU adapter when no TensorFlow backend is installed before it; a
 * software adapter (lavapipe) only when asked for.
 */
export function webgpuStanding(probe: WebgpuProbe, engine: EngineInfo): { adapter: WebgpuAdapter | null; chosen: boolean; why: string } {
  const adapter = probe.adapter;
  if (engine.choice === 'webgpu') return { adapter, chosen: true, why: engine.forced ? 'asked for (NOISELAB_BACKEND=webgpu)' : 'a GPU adapter, ahead of the CPU backends' };
  if (!adapter) return { adapter, chosen: false, why: probe.reason };
  if (adapter.software) return { adapter, chosen: false, why: 'a software adapter is used only when asked for (NOISELAB_BACKEND=webgpu NOISELAB_WEBGPU_SOFTWARE=1)' };
  if (engine.forced) return { adapter, chosen: false, why: `NOISELAB_BACKEND asks for ${engine.choice}` };
  const skipped = engine.skipped.find((s) => s.choice === 'webgpu');
  if (skipped) return { adapter, chosen: false, why: skipped.reason };
  return { adapter, chosen: false, why: `${engine.choice} comes before it (${BACKEND_PREFERENCE.join(' > ')})` };
}
