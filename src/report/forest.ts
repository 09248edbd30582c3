/**
 * A one-row forest plot of a headline effect, as inline SVG: the 95% interval and estimate on the
 * effect's own scale, the reference (no effect) as a dashed line, and the claimed bound (smallest
 * effect that counts, or the equivalence / non-inferiority margin) shaded. Each claim has its own
 * units, so each row has its own scale; what a reader compares is where the interval sits against
 * the reference and the claimed bound.
 */
import type { Effect } from '../claims/kit/verdict.js';
import { esc } from './html.js';

const COLOR: Record<string, string> = { holds: '#1a7f37', fails: '#cf222e', inconclusive: '#6e7781' };

/** The claimed region [a, b] on the effect's scale (where the effect must lie for the claim). */
export function claimedRegion(e: Effect): { ref: number; region: [number, number] } {
  const c = e.claimed;
  if (c.kind === 'direction') {
    const ref = c.reference ?? 0;
    return { ref, region: c.sign > 0 ? [ref + c.smallest, Infinity] : [-Infinity, ref - c.smallest] };
  }
  if (c.kind === 'difference') {
    // the side the estimate is on (a difference either way counts)
    const ref = c.reference ?? 0;
    return { ref, region: e.estimate >= ref ? [ref + c.smallest, Infinity] : [-Infinity, ref - c.smallest] };
  }
  if (c.kind === 'equivalence') {
    const t = c.target ?? 0;
    return { ref: t, region: [t - c.margin, t + c.margin] };
  }
  const ref = c.reference ?? 0;
  return { ref, region: c.sign > 0 ? [ref - c.margin, Infinity] : [-Infinity, ref + c.margin] };
}

export function forestSvg(e: Effect, width = 180, height = 22): string {
  const { ref, region } = claimedRegion(e);
  const finite = [e.lo, e.hi, e.estimate, ref, ...region.filter(Number.isFinite)];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (v: number) => (Number.isFinite(v) ? ((v - lo) / (hi - lo)) * width : v > 0 ? width : 0);
  const y = height / 2;
  const color = COLOR[e.outcome] ?? '#6e7781';
  const r0 = x(region[0]);
  const r1 = x(region[1]);
  return `<svg class="forest" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`${e.label}: ${e.estimate} [${e.lo}, ${e.hi}], ${e.outcome}`)}">` +
    `<rect x="${r0.toFixed(1)}" y="2" width="${Math.max(0, r1 - r0).toFixed(1)}" height="${height - 4}" fill="#fff1d6"/>` +
    `<line x1="${x(ref).toFixed(1)}" x2="${x(ref).toFixed(1)}" y1="1" y2="${height - 1}" stroke="#8c959f" stroke-dasharray="3,2"/>` +
    `<line x1="${x(e.lo).toFixed(1)}" x2="${x(e.hi).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/>` +
    `<circle cx="${x(e.estimate).toFixed(1)}" cy="${y}" r="3.5" fill="${color}"/></svg>`;
}
