/**
 * The headline effect of a verdict for the report's table: the first "estimate [lo, hi]" interval in
 * its summary, with the words that name it. Claims write their key comparison first, so this is the
 * number a reader looks for; a summary without an interval has no headline effect.
 */
export interface Effect {
  /** what is measured, e.g. "final train loss noise - none" */
  label: string;
  estimate: number;
  lo: number;
  hi: number;
  /** the interval as written, e.g. "-0.960 [-1.680, -0.240]" */
  text: string;
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const INTERVAL = new RegExp(String.raw`(${NUM})(x|%)? \[(${NUM})x?%?, (${NUM})x?%?\]`, 'i');

export function headlineEffect(summary: string): Effect | null {
  const m = INTERVAL.exec(summary);
  if (!m) return null;
  // the label: the words since the previous clause boundary
  const before = summary.slice(0, m.index);
  const label = before.slice(Math.max(before.lastIndexOf(';'), before.lastIndexOf(':'), before.lastIndexOf('('), before.lastIndexOf(',')) + 1)
    .replace(/\s*(=|is|of)?\s*$/, '').trim();
  return { label, estimate: Number(m[1]), lo: Number(m[3]), hi: Number(m[4]), text: m[0] };
}
