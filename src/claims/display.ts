/**
 * A claim's result inside its executed notebook: the verdict numbers as text, and the whole result
 * (id, scale, params, verdict, rows) as application/vnd.noiselab.result+json, so an executed notebook
 * carries its result in machine-readable form (the claim tests read it from there).
 */
import { displayBundle } from '../util/display.js';
import type { ClaimResult } from './types.js';

export const RESULT_MIME = 'application/vnd.noiselab.result+json';

export interface NotebookResult {
  id: string;
  scale: string;
  params: unknown;
  verdict: ClaimResult['verdict'];
  rows: ClaimResult['rows'];
  figures: number;
}

export function showResult(id: string, scale: string, params: unknown, result: ClaimResult): void {
  const numbers = Object.entries(result.verdict.numbers).map(([k, v]) => `${k} = ${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(', ');
  const text = `${id} ${result.verdict.status} (${scale}): ${numbers}`;
  const payload: NotebookResult = { id, scale, params, verdict: result.verdict, rows: result.rows, figures: result.figures.length };
  if (!displayBundle({ 'text/plain': text, [RESULT_MIME]: payload })) console.log(text);
}
