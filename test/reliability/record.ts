/**
 * Reliability tests record how many cases they tried and how many passed, one JSON file per check in
 * <results>/reliability/; scripts/reliability-table.mjs turns them into RELIABILITY.md's table.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/fs.js';
import { resultsDir } from '../../src/util/paths.js';

export function recordReliability(check: string, tried: number, passed: number, detail = ''): void {
  const slug = check.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  writeFileAtomic(join(resultsDir(), 'reliability', `${slug}.json`), JSON.stringify({ check, tried, passed, detail, date: new Date().toISOString() }) + '\n');
}
