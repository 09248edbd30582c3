#!/usr/bin/env node
// The reliability table from what the tests recorded (data/results/reliability/*.json): printed, and
// written to data/results/RELIABILITY.md (CI keeps it; RELIABILITY.md at the root is a copy from a run).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.env.NOISELAB_RESULTS ?? 'data/results', 'reliability');
const rows = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))) : [];
const table = [
  '| check | cases tried | passed | notes |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.check} | ${r.tried} | ${r.passed} | ${r.detail ?? ''} |`),
].join('\n');
const out = `# Reliability\n\nFrom the test run of ${rows.map((r) => r.date).sort().at(-1)?.slice(0, 10) ?? 'nowhere'} (\`npm test\`).\n\n${table}\n`;
writeFileSync(join(dir, '..', 'RELIABILITY.md'), out);
process.stdout.write(table + '\n');
