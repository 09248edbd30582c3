/** What every claim provides: its catalogue entry, three scales of parameters, and one experiment. */
import type { Figure } from '../figures/plotly.js';

/** The scales every claim defines parameters for: 'smoke' (a quick check, never a record), 'ci' and 'full'. */
export const SCALES = ['smoke', 'ci', 'full'] as const;
/** A claim's scale: 'smoke', 'ci' or 'full'. */
export type Scale = (typeof SCALES)[number];

export type { Verdict, VerdictStatus } from './kit/verdict.js';
import type { Verdict } from './kit/verdict.js';

/** Parameters every experiment accepts; each claim adds its own. */
export interface BaseParams {
  seeds: number[];
}

/** A claim's summarized result: per-seed rows, the verdict, and figures. */
export interface ClaimResult {
  /** one row per seed and arm (raw measurements) */
  rows: Record<string, string | number | boolean | null>[];
  verdict: Verdict;
  /** figures a reader wants, ready for a notebook or report */
  figures: Figure[];
}

/**
 * A claim's experiment in two parts: `seed` measures one seed (independent of the others, so seeds
 * can run in parallel processes; its result must be JSON-serialisable) and `summarize` turns all
 * seeds' measurements into rows, a verdict from a paired statistic, and figures.
 */
export interface Claim<P extends BaseParams = BaseParams, S = unknown> {
  id: string;
  slug: string;
  /** seed paper title(s) */
  paper: string;
  /** the claim, one sentence */
  claim: string;
  /** how it is tested here, and how the setting was shrunk */
  setting: string;
  /**
   * the verdict rule in words; the rule itself is what `summarize` passes to the kit (claimed
   * directions, margins and premise bounds in data units), fixed before the run that decides it
   */
  rule: string;
  scales: Record<Scale, P>;
  /** Measures one seed, independently of the others; the result must be JSON-serialisable. */
  seed(params: P, seed: number): S | Promise<S>;
  /** Turns every seed's measurements (in the order of `params.seeds`) into rows, the verdict and figures. */
  summarize(params: P, perSeed: S[]): ClaimResult;
}

/** Check a claim's definition so a broken registration fails loudly. */
export function defineClaim<P extends BaseParams, S>(c: Claim<P, S>): Claim<P, S> {
  if (!/^[A-Z]\d+$/.test(c.id)) throw new Error(`claim id '${c.id}' must look like A1 or B12`);
  if (!/^[a-z0-9-]+$/.test(c.slug)) throw new Error(`claim ${c.id}: slug '${c.slug}' must be kebab-case`);
  for (const s of ['smoke', 'ci', 'full'] as const) {
    if (!c.scales[s]?.seeds?.length) throw new Error(`claim ${c.id}: scale '${s}' needs at least one seed`);
  }
  return c;
}
