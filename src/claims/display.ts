/**
 * A claim's result inside its executed notebook: the verdict as a table (status, each effect with its
 * interval, test, what was claimed and the outcome; the premise; the exact checks), and the whole
 * result (id, scale, params, verdict, rows) as application/vnd.noiselab.result+json, so an executed
 * notebook carries its result in machine-readable form (the claim tests read it from there). Every
 * number a notebook's reading quotes comes from here, so readings cannot go stale.
 */
import { displayBundle } from '../util/display.js';
import { describeClaimed, fmt, formatP, type Verdict } from './kit/verdict.js';
import type { ClaimResult } from './types.js';

/**
 * MIME type under which `showResult` puts a claim's whole result in a notebook output, so runs and tests can
 * read it back.
 */
export const RESULT_MIME = 'application/vnd.noiselab.result+json';

/**
 * The machine-readable result a claim notebook displays under `RESULT_MIME`: id, scale, parameters, verdict,
 * rows, and the number of figures.
 */
export interface NotebookResult {
  id: string;
  scale: string;
  params: unknown;
  verdict: ClaimResult['verdict'];
  rows: ClaimResult['rows'];
  figures: number;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The verdict as markdown: status and reasons, then tables of effects, premise and checks. */
export function verdictMarkdown(id: string, scale: string, v: Verdict): string {
  const lines = [`**${id} ${v.status}** (scale ${scale})${v.reasons.length ? `: ${v.reasons.map(cell).join('; ')}` : ''}`, ''];
  if (v.effects.length) {
    lines.push('| effect | estimate [95% interval] | test | claimed | outcome |', '|---|---|---|---|---|');
    for (const e of v.effects) {
      const value = `${fmt(e.estimate, e.digits)} [${fmt(e.lo, e.digits)}, ${fmt(e.hi, e.digits)}]${e.unit ? ` ${e.unit}` : ''}`;
      const name = `${e.key === v.headline ? '**' : ''}${cell(e.label)}${e.key === v.headline ? '**' : ''}${e.part !== 'claim' ? ` (${cell(e.part)})` : ''}`;
      lines.push(`| ${name} | ${value} | ${e.test}, ${formatP(e.p)}, n = ${e.n} | ${describeClaimed(e.claimed, e.digits)} | ${e.outcome}${e.decides ? '' : ' (reported only)'} |`);
    }
    lines.push('');
  }
  if (v.premise.length) {
    lines.push('| premise | value | needs | met |', '|---|---|---|---|');
    for (const p of v.premise) lines.push(`| ${cell(p.label)} | ${fmt(p.value, p.digits)}${p.unit ? ` ${p.unit}` : ''} | ${p.rule} | ${p.holds ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  if (v.checks.length) {
    lines.push('| exact check | value | reference | tolerance | holds |', '|---|---|---|---|---|');
    for (const c of v.checks) lines.push(`| ${cell(c.label)} | ${c.value.toPrecision(6)} | ${c.reference} | ${c.tolerance} | ${c.holds ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Displays a claim's result in the notebook: a one-line summary, the verdict as markdown tables, and the whole
 * result under `RESULT_MIME`; outside a notebook it logs the summary line.
 */
export function showResult(id: string, scale: string, params: unknown, result: ClaimResult): void {
  const v = result.verdict;
  const text = `${id} ${v.status} (${scale}): ${v.summary}`;
  const payload: NotebookResult = { id, scale, params, verdict: v, rows: result.rows, figures: result.figures.length };
  if (!displayBundle({ 'text/plain': text, 'text/markdown': verdictMarkdown(id, scale, v), [RESULT_MIME]: payload })) console.log(text);
}
