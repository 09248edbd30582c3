/**
 * Results of `reproduce`: one JSON file per claim and scale (the latest run) under data/results/, written
 * atomically (NaN and infinities kept); `noiselab claims` and the report read them back. Every run is
 * also kept in the claim's history (results/history.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimResult, Scale, Verdict } from '../claims/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';
import { resultsDir } from '../util/paths.js';

/**
 * A claim's run as stored in the results folder: scale, parameters, verdict, rows, figures, backend, commit,
 * date and duration in seconds.
 */
export interface RunRecord {
  id: string;
  scale: Scale;
  params: unknown;
  verdict: Verdict;
  rows: ClaimResult['rows'];
  figures: ClaimResult['figures'];
  backend: string;
  commit: string | null;
  date: string;
  durationSec: number;
  /** the executed notebook the result was read from, relative to the results folder */
  notebook?: string;
}

export function recordPath(id: string, scale: Scale, dir = resultsDir()): string {
  return join(dir, `${id}.${scale}.json`);
}

/**
 * Writes the run to <dir>/<ID>.<scale>.json atomically (NaN and infinities kept), replacing the previous one;
 * returns the path.
 */
export function saveRecord(rec: RunRecord, dir = resultsDir()): string {
  const file = recordPath(rec.id, rec.scale, dir);
  writeFileAtomic(file, stringifyExact(rec, 1) + '\n');
  return file;
}

/** The latest run of a claim at a scale, or null when there is none; a corrupt file is an error naming it. */
export function loadRecord(id: string, scale: Scale, dir = resultsDir()): RunRecord | null {
  const file = recordPath(id, scale, dir);
  if (!existsSync(file)) return null;
  try {
    const rec = parseExact(readFileSync(file, 'utf8')) as RunRecord;
    if (rec.id !== id || !rec.verdict) throw new Error('not a noiselab run record');
    return rec;
  } catch (e) {
    throw new Error(`${file}: unreadable result record (${(e as Error).message}); delete it or re-run the claim`);
  }
}
