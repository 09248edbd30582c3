/** `noiselab results <ID>`: a claim's stored runs, and two of them compared number by number. */
import { loadClaims } from '../claims/registry.js';
import { runsTable, rowsTable } from '../results/history.js';
import { readRecord } from '../results/records.js';
import { parseExact } from '../util/json-exact.js';
import { resultsDir } from '../util/paths.js';
import { parse, UsageError } from './args.js';
import { RESULTS_HELP } from './help.js';


interface Run { run: string; figures?: string; date: string; scale: string; seeds: string; backend: string; commit: string | null; code: string; status: string; durationSec: number; numbers: string }

export async function cmdResults(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { compare: { type: 'string' }, rows: { type: 'boolean' }, json: { type: 'boolean' }, results: { type: 'string' } }, 'results', true);
  const dir = (values.results as string | undefined) ?? resultsDir();
  if (values.help) {
    process.stdout.write(RESULTS_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('results: name one claim, e.g. noiselab results A1');
  const id = positionals[0].toUpperCase();
  const claims = await loadClaims();
  if (!claims.some((c) => c.id === id)) throw new UsageError(`results: unknown claim '${positionals[0]}'; registered: ${claims.map((c) => c.id).join(', ')}`);
  const runs = runsTable(id, dir).objects() as unknown as Run[];
  let pair = runs.slice(-2);
  if (values.compare) {
    const ids = String(values.compare).split(',').map((s) => s.trim());
    if (ids.length !== 2) throw new UsageError(`--compare: expected two run ids separated by a comma, got '${values.compare}'`);
    pair = ids.map((r) => {
      const found = runs.find((x) => x.run === r);
      if (!found) throw new UsageError(`--compare: no run '${r}' of ${id}; runs: ${runs.map((x) => x.run).join(', ') || 'none'}`);
      return found;
    });
  }
  const numbers = pair.map((r) => parseExact(r.numbers) as Record<string, number>);
  const keys = [...new Set(numbers.flatMap((n) => Object.keys(n)))];
  const compare = pair.length === 2 ? keys.map((k) => ({ number: k, a: numbers[0][k] ?? null, b: numbers[1][k] ?? null, difference: (numbers[1][k] ?? NaN) - (numbers[0][k] ?? NaN) })) : [];
  const rows = values.rows && pair.length ? rowsTable(id, [pair.at(-1)!.run], dir).objects() : undefined;
  if (values.json) {
    process.stdout.write(JSON.stringify({ id, runs: runs.map(({ numbers: n, figures: _f, ...r }) => ({ ...r, numbers: parseExact(n) })), compared: pair.map((r) => r.run), compare, rows }, null, 2) + '\n');
    return 0;
  }
  if (!runs.length) {
    // the committed records are what the report shows: say where they are, or a user thinks it never ran
    const recs = (['ci', 'full'] as const).flatMap((scale) => readRecord(id, scale) ?? []);
    const committed = recs.length ? `; its committed records: ${recs.map((r) => `${r.scale} ${r.verdict.status} (${r.provenance.date.slice(0, 10)})`).join(', ')} (noiselab claims, REPORT.md)` : '';
    process.stdout.write(`${id}: no stored runs in ${dir} (noiselab reproduce --claim ${id} makes one)${committed}\n`);
    return 0;
  }
  const fmt = (v: number | null) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(4));
  process.stdout.write(`${id}: ${runs.length} run(s)\n`);
  for (const r of runs) {
    process.stdout.write(`  ${r.run}  ${r.date.slice(0, 16)}  ${r.scale.padEnd(5)} seeds ${r.seeds.padEnd(12)} ${r.backend.padEnd(8)} code ${r.code}  ${r.status.padEnd(14)} ${r.durationSec.toFixed(1)} s\n`);
  }
  if (compare.length) {
    process.stdout.write(`\n${pair[0].run} -> ${pair[1].run}${pair[0].code === pair[1].code ? ' (same code)' : ' (code changed)'}\n`);
    const w = Math.max(...compare.map((c) => c.number.length));
    for (const c of compare) process.stdout.write(`  ${c.number.padEnd(w)}  ${fmt(c.a).padStart(10)}  ${fmt(c.b).padStart(10)}  ${Number.isFinite(c.difference) ? (c.difference === 0 ? '=' : `${c.difference > 0 ? '+' : ''}${c.difference.toPrecision(3)}`) : ''}\n`);
  }
  if (rows) process.stdout.write(`\nrows of ${pair.at(-1)!.run}:\n${JSON.stringify(rows, null, 1)}\n`);
  return 0;
}
