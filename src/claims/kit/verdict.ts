/**
 * Structured verdicts. A claim states, before it runs, what it claims for each tested quantity (a
 * direction with the smallest effect that counts, an equivalence margin, or a non-inferiority margin,
 * all in data units), the premise under which the claim is meaningful, and exact identities its
 * instruments must satisfy. The status, the summary sentence, the report's effect column and the
 * claim tests all read these fields; nothing parses prose.
 *
 * Outcome of one effect (95% two-sided intervals; one-sided tests at 5% for TOST and non-inferiority):
 * - direction (sign s, reference r, smallest effect d >= 0): holds when the interval excludes r on the
 *   claimed side and does not lie below r + s d; fails when it lies wholly short of r + s d (the claimed
 *   effect is excluded); otherwise inconclusive (it holds both r and the claimed effect).
 * - equivalence (target t, margin m): holds when the 90% interval lies inside (t - m, t + m) (TOST);
 *   fails when the 95% interval lies wholly outside [t - m, t + m]; otherwise inconclusive.
 * - non-inferiority (sign s, reference r, margin m): holds when the one-sided 95% bound exceeds r - s m;
 *   fails when the other one-sided 95% bound falls short of it; otherwise inconclusive.
 * - difference (reference r, smallest d >= 0; for claims that two things differ, either way): holds
 *   when the interval excludes r and reaches beyond r +- d on its side; fails when it lies inside
 *   (r - d, r + d) (any difference is smaller than what counts); otherwise inconclusive.
 * Status: a failed exact check or premise makes the verdict inconclusive (the instrument or the regime
 * is not what the claim needs). Otherwise over the claim's parts (a part holds when all its deciding
 * effects hold, fails when one fails): all hold -> reproduced; some hold -> partly reproduced; none
 * holds and one fails -> not reproduced; else inconclusive.
 */
import { studentTQuantile } from '../../stats/distributions.js';
import {
  binomialOneSidedP, clopperPearson, slopeEstimate, tEstimate, tOneSidedP, tostP, tTwoSidedP, type Estimate,
} from '../../stats/tests.js';

/** The overall outcome of a claim (how it is decided: see the module comment). */
export type VerdictStatus = 'reproduced' | 'partly reproduced' | 'not reproduced' | 'inconclusive';
/** Every verdict status, in display order. */
export const VERDICT_STATUSES: readonly VerdictStatus[] = ['reproduced', 'partly reproduced', 'not reproduced', 'inconclusive'];

/**
 * What a claim states of one effect, fixed before the run: a direction, an equivalence, a non-inferiority or a
 * difference, with margins in the effect's units.
 */
export type Claimed =
  /** the effect lies on side `sign` of `reference` (default 0) by at least `smallest` */
  | { kind: 'direction'; sign: 1 | -1; smallest: number; reference?: number }
  /** the effect equals `target` (default 0) within +-margin */
  | { kind: 'equivalence'; margin: number; target?: number }
  /** the effect is no worse than `reference` (default 0) by more than `margin`; `sign` 1: higher is better */
  | { kind: 'non-inferiority'; margin: number; sign: 1 | -1; reference?: number }
  /** the effect differs from `reference` (default 0), either way, by at least `smallest` */
  | { kind: 'difference'; smallest: number; reference?: number };

/** The statistical test behind an effect's p-value. */
export type TestName = 'paired t' | 't' | 'two-sided t' | 'TOST equivalence' | 'non-inferiority t' | 'exact binomial' | 'exact sign' | 'slope t';
/** The outcome of one effect against what was claimed of it. */
export type Outcome = 'holds' | 'fails' | 'inconclusive';

/**
 * One tested quantity: its estimate with a two-sided interval at `level`, the test and p-value, what was claimed
 * of it, and the outcome.
 */
export interface Effect {
  /** identifier (camelCase), stable across runs: records and tests refer to it */
  key: string;
  /** what is measured, e.g. "test accuracy, SGD-SaI - AdamW" */
  label: string;
  unit: string;
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  /** seeds (or trials) behind the estimate */
  n: number;
  test: TestName;
  p: number;
  claimed: Claimed;
  outcome: Outcome;
  /** the part of the claim this effect tests */
  part: string;
  /** false: reported beside the verdict, not deciding it */
  decides: boolean;
  /** decimals the effect is printed (and compared) with */
  digits: number;
}

/** A measured condition the claim needs in order to be meaningful; an unmet premise makes the verdict inconclusive. */
export interface Premise {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** the condition, e.g. ">= 0.9" */
  rule: string;
  holds: boolean;
  digits: number;
}

/**
 * An exact identity an instrument must satisfy, |value - reference| <= tolerance; a failed check makes the
 * verdict inconclusive.
 */
export interface ExactCheck {
  key: string;
  label: string;
  value: number;
  reference: number;
  tolerance: number;
  holds: boolean;
}

/**
 * A claim's structured verdict: status, generated summary, effects, premise, exact checks, the reasons for the
 * status, and every number by key.
 */
export interface Verdict {
  status: VerdictStatus;
  /** generated from the fields below */
  summary: string;
  /** key of the claim's headline effect */
  headline: string;
  effects: Effect[];
  premise: Premise[];
  checks: ExactCheck[];
  /** why the status is what it is, one line each */
  reasons: string[];
  /** every number above by key (effects as key, keyLo, keyHi, keyP) plus the claim's extra counts */
  numbers: Record<string, number>;
}

/**
 * Options of the effect builders: unit (default none), the claim part tested (default 'claim'), whether it
 * decides the verdict (default true), printed decimals (default 3).
 */
export interface EffectOptions {
  unit?: string;
  part?: string;
  decides?: boolean;
  digits?: number;
}

// ---------------------------------------------------------------------------------------------
// outcomes

const orient = (x: number, sign: 1 | -1, ref: number) => sign * (x - ref);

/** The outcome of an estimate against what is claimed of it (see the module comment). */
export function outcomeOf(e: Estimate, claimed: Claimed, interval90: [number, number]): Outcome {
  if (claimed.kind === 'direction') {
    if (!(claimed.smallest >= 0)) throw new Error(`the smallest claimed effect must be >= 0, got ${claimed.smallest}`);
    const [lo, hi] = [orient(e.lo, claimed.sign, claimed.reference ?? 0), orient(e.hi, claimed.sign, claimed.reference ?? 0)].sort((a, b) => a - b);
    if (hi < claimed.smallest) return 'fails';
    return lo > 0 ? 'holds' : 'inconclusive';
  }
  if (claimed.kind === 'difference') {
    if (!(claimed.smallest >= 0)) throw new Error(`the smallest claimed difference must be >= 0, got ${claimed.smallest}`);
    const r = claimed.reference ?? 0;
    if (e.lo > r - claimed.smallest && e.hi < r + claimed.smallest) return 'fails';
    return (e.lo > r && e.hi >= r + claimed.smallest) || (e.hi < r && e.lo <= r - claimed.smallest) ? 'holds' : 'inconclusive';
  }
  if (claimed.kind === 'equivalence') {
    const t = claimed.target ?? 0;
    if (interval90[0] > t - claimed.margin && interval90[1] < t + claimed.margin) return 'holds';
    return e.lo > t + claimed.margin || e.hi < t - claimed.margin ? 'fails' : 'inconclusive';
  }
  const [lo, hi] = [orient(interval90[0], claimed.sign, claimed.reference ?? 0), orient(interval90[1], claimed.sign, claimed.reference ?? 0)].sort((a, b) => a - b);
  if (lo > -claimed.margin) return 'holds';
  return hi < -claimed.margin ? 'fails' : 'inconclusive';
}

/** The claim as words, e.g. "> 0 by >= 0.01", "within +-0.02 of 0", "no worse than 0 by 0.02". */
export function describeClaimed(c: Claimed, digits = 3): string {
  const f = (x: number) => fmt(x, digits);
  if (c.kind === 'direction') return `${c.sign > 0 ? '>' : '<'} ${f(c.reference ?? 0)}${c.smallest > 0 ? ` by >= ${f(c.smallest)}` : ''}`;
  if (c.kind === 'equivalence') return `within +-${f(c.margin)} of ${f(c.target ?? 0)}`;
  if (c.kind === 'difference') return `!= ${f(c.reference ?? 0)}${c.smallest > 0 ? ` by >= ${f(c.smallest)}` : ''}`;
  return `${c.sign > 0 ? 'above' : 'below'} ${f((c.reference ?? 0) - c.sign * c.margin)} (non-inferiority margin ${f(c.margin)})`;
}

// ---------------------------------------------------------------------------------------------
// effect builders

function tBased(key: string, label: string, e: Estimate, claimed: Claimed, opts: EffectOptions, paired: boolean): Effect {
  const e90 = tEstimate90(e);
  let test: TestName = paired ? 'paired t' : 't';
  let p: number;
  if (claimed.kind === 'direction') p = tOneSidedP(e, claimed.reference ?? 0, claimed.sign);
  else if (claimed.kind === 'equivalence') { test = 'TOST equivalence'; p = tostP(e, claimed.margin, claimed.target ?? 0); }
  else if (claimed.kind === 'difference') { test = 'two-sided t'; p = tTwoSidedP(e, claimed.reference ?? 0); }
  else { test = 'non-inferiority t'; p = tOneSidedP(e, (claimed.reference ?? 0) - claimed.sign * claimed.margin, claimed.sign); }
  return effectFrom(key, label, e, test, p, claimed, e90, opts);
}

/** The 90% interval of a t-distributed estimate (TOST and one-sided 5% tests read it). */
function tEstimate90(e: Estimate): [number, number] {
  if (e.se === undefined || e.df === undefined) return [e.lo, e.hi];
  const q = studentT95(e.df);
  return [e.estimate - q * e.se, e.estimate + q * e.se];
}
const studentT95 = (df: number) => studentTQuantile(0.95, df);

function effectFrom(key: string, label: string, e: Estimate, test: TestName, p: number, claimed: Claimed, interval90: [number, number], opts: EffectOptions): Effect {
  if (!/^[a-z][A-Za-z0-9]*$/.test(key)) throw new Error(`effect key '${key}' must be camelCase`);
  if ([e.estimate, e.lo, e.hi].some((x) => !Number.isFinite(x))) throw new Error(`effect '${key}' (${label}): estimate ${e.estimate} [${e.lo}, ${e.hi}] is not finite`);
  return {
    key, label, unit: opts.unit ?? '', estimate: e.estimate, lo: e.lo, hi: e.hi, level: e.level, n: e.n, test, p,
    claimed, outcome: outcomeOf(e, claimed, interval90), part: opts.part ?? 'claim', decides: opts.decides ?? true, digits: opts.digits ?? 3,
  };
}

/** Paired comparison over seeds: mean of a_i - b_i with its t interval. */
export function paired(key: string, label: string, a: ArrayLike<number>, b: ArrayLike<number>, claimed: Claimed, opts: EffectOptions = {}): Effect {
  if (a.length !== b.length) throw new Error(`effect '${key}': ${a.length} vs ${b.length} paired values`);
  return tBased(key, label, tEstimate(Array.from(a, (v, i) => v - b[i])), claimed, opts, true);
}

/** The mean of per-seed values (e.g. a per-seed log ratio or slope) with its t interval. */
export function meanOf(key: string, label: string, values: ArrayLike<number>, claimed: Claimed, opts: EffectOptions = {}): Effect {
  return tBased(key, label, tEstimate(values), claimed, opts, false);
}

/** A least-squares slope of y on x (pooled points) with its t interval. */
export function slopeOf(key: string, label: string, x: readonly number[], y: readonly number[], claimed: Claimed, opts: EffectOptions = {}): Effect {
  const e = slopeEstimate(x, y);
  const eff = tBased(key, label, e, claimed, opts, false);
  return { ...eff, test: claimed.kind === 'direction' ? 'slope t' : eff.test };
}

/**
 * A proportion k / n (runs that succeeded, seeds on which an arm wins) with its Clopper-Pearson
 * interval and an exact binomial test; `claimed` is on the proportion (direction only).
 */
export function proportion(key: string, label: string, k: number, n: number, claimed: Extract<Claimed, { kind: 'direction' }>, opts: EffectOptions = {}): Effect {
  const e = clopperPearson(k, n);
  const e90 = clopperPearson(k, n, 0.9);
  const p = binomialOneSidedP(k, n, claimed.reference ?? 0.5, claimed.sign);
  return effectFrom(key, label, e, 'exact binomial', p, claimed, [e90.lo, e90.hi], opts);
}

/**
 * Exact sign test over pairs (seeds, or runs matched across arms): the share of non-zero differences a_i - b_i on the claimed side,
 * claimed to exceed one half by at least `smallest`.
 */
export function signs(key: string, label: string, a: ArrayLike<number>, b: ArrayLike<number>, claimed: { sign: 1 | -1; smallest: number }, opts: EffectOptions = {}): Effect {
  if (a.length !== b.length) throw new Error(`effect '${key}': ${a.length} vs ${b.length} paired values`);
  const d = Array.from(a, (v, i) => claimed.sign * (v - b[i])).filter((x) => x !== 0);
  if (!d.length) {
    // every pair tied: no evidence either way (the share is the null's 1/2, its interval all of [0, 1]), so inconclusive
    const none = { estimate: 0.5, lo: 0, hi: 1, level: 0.95, n: 0 };
    return effectFrom(key, label, none, 'exact sign', 1, { kind: 'direction', sign: 1, reference: 0.5, smallest: claimed.smallest }, [0, 1], { unit: 'share of pairs', ...opts });
  }
  const k = d.filter((x) => x > 0).length;
  const eff = proportion(key, label, k, d.length, { kind: 'direction', sign: 1, reference: 0.5, smallest: claimed.smallest }, { unit: 'share of pairs', ...opts });
  return { ...eff, test: 'exact sign' };
}

// ---------------------------------------------------------------------------------------------
// premise and exact checks

/** A condition the claim needs, measured: `atLeast` and/or `atMost` bound the value. */
export function premise(key: string, label: string, value: number, bound: { atLeast?: number; atMost?: number }, opts: { unit?: string; digits?: number } = {}): Premise {
  const digits = opts.digits ?? 3;
  const parts = [bound.atLeast !== undefined ? `>= ${fmt(bound.atLeast, digits)}` : '', bound.atMost !== undefined ? `<= ${fmt(bound.atMost, digits)}` : ''].filter(Boolean);
  if (!parts.length) throw new Error(`premise '${key}' has no bound`);
  const holds = Number.isFinite(value) && (bound.atLeast === undefined || value >= bound.atLeast) && (bound.atMost === undefined || value <= bound.atMost);
  return { key, label, value, unit: opts.unit ?? '', rule: parts.join(' and '), holds, digits };
}

/** An exact identity the instruments must satisfy: |value - reference| <= tolerance. */
export function check(key: string, label: string, value: number, reference: number, tolerance: number): ExactCheck {
  return { key, label, value, reference, tolerance, holds: Math.abs(value - reference) <= tolerance };
}

// ---------------------------------------------------------------------------------------------
// the verdict

/** What `verdict` decides from: the effects, plus an optional headline, premise, exact checks and extra numbers. */
export interface VerdictInput {
  effects: Effect[];
  /** key of the headline effect (default: the first deciding one) */
  headline?: string;
  premise?: Premise[];
  checks?: ExactCheck[];
  /** extra numbers worth keeping (counts, sizes), by key */
  numbers?: Record<string, number>;
}

/**
 * Decides the status from the effects, premise and checks (see the module comment) and adds the summary, reasons
 * and numbers; throws on a repeated key, no deciding effect, or an unknown headline.
 */
export function verdict(input: VerdictInput): Verdict {
  const { effects } = input;
  const premises = input.premise ?? [];
  const checks = input.checks ?? [];
  const keys = [...effects, ...premises, ...checks].map((x) => x.key);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new Error(`verdict: key '${dup}' is used twice`);
  const deciding = effects.filter((e) => e.decides);
  if (!deciding.length) throw new Error('verdict: no effect decides it');
  const headline = input.headline ?? deciding[0].key;
  if (!effects.some((e) => e.key === headline)) throw new Error(`verdict: headline '${headline}' is not an effect`);

  const reasons: string[] = [];
  for (const c of checks) if (!c.holds) reasons.push(`exact check failed: ${c.label} = ${c.value} vs ${c.reference} (tolerance ${c.tolerance})`);
  for (const p of premises) if (!p.holds) reasons.push(`premise not met: ${p.label} = ${fmt(p.value, p.digits)} (needs ${p.rule})`);
  const parts = [...new Set(deciding.map((e) => e.part))].map((part) => {
    const es = deciding.filter((e) => e.part === part);
    const outcome: Outcome = es.some((e) => e.outcome === 'fails') ? 'fails' : es.every((e) => e.outcome === 'holds') ? 'holds' : 'inconclusive';
    return { part, outcome };
  });
  let status: VerdictStatus;
  if (reasons.length) status = 'inconclusive';
  else {
    const holds = parts.filter((p) => p.outcome === 'holds').length;
    const fails = parts.filter((p) => p.outcome === 'fails').length;
    status = holds === parts.length ? 'reproduced' : holds > 0 ? 'partly reproduced' : fails > 0 ? 'not reproduced' : 'inconclusive';
    if (parts.length > 1 || status !== 'reproduced') for (const p of parts) reasons.push(`${p.part}: ${p.outcome}`);
  }

  // the effects', premises' and checks' values go into `numbers` under their keys: a number of the same
  // name would be silently overwritten (B10's parameter share once read as its check's residual, 0)
  const derived = new Set([...effects.flatMap((e) => [e.key, `${e.key}Lo`, `${e.key}Hi`, `${e.key}P`]), ...premises.map((p) => p.key), ...checks.map((c) => c.key)]);
  const clash = Object.keys(input.numbers ?? {}).find((k) => derived.has(k));
  if (clash) throw new Error(`verdict: numbers.${clash} collides with an effect, premise or check of that name (whose value goes there); rename the number`);
  const numbers: Record<string, number> = { ...(input.numbers ?? {}) };
  for (const e of effects) Object.assign(numbers, { [e.key]: e.estimate, [`${e.key}Lo`]: e.lo, [`${e.key}Hi`]: e.hi, [`${e.key}P`]: e.p });
  for (const p of premises) numbers[p.key] = p.value;
  for (const c of checks) numbers[c.key] = c.value;

  const v: Verdict = { status, summary: '', headline, effects, premise: premises, checks, reasons, numbers };
  v.summary = summarize(v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// text

/** A number with `digits` decimals, or in exponent form when that would print as 0 or be too long. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 10 ** -digits || a >= 1e7)) return x.toExponential(Math.max(1, digits - 1));
  return x.toFixed(digits);
}

/** A p-value as text: "p = 0.012" (two significant digits), or "p < 0.0001". */
export function formatP(p: number): string {
  return p < 1e-4 ? 'p < 0.0001' : `p = ${p.toPrecision(2)}`;
}

/** "label est [lo, hi] unit" */
export function formatEffect(e: Effect): string {
  return `${e.label} ${fmt(e.estimate, e.digits)} [${fmt(e.lo, e.digits)}, ${fmt(e.hi, e.digits)}]${e.unit ? ` ${e.unit}` : ''}`;
}

/** One effect as a clause: value, test, what was claimed, and the outcome. */
export function describeEffect(e: Effect): string {
  return `${formatEffect(e)} (${e.test}, ${formatP(e.p)}; claimed ${describeClaimed(e.claimed, e.digits)}: ${e.outcome}${e.decides ? '' : ', reported only'})`;
}

function summarize(v: Verdict): string {
  const head = v.effects.find((e) => e.key === v.headline)!;
  const rest = v.effects.filter((e) => e !== head);
  const clauses = [describeEffect(head), ...rest.map(describeEffect)];
  const prem = v.premise.map((p) => `${p.label} ${fmt(p.value, p.digits)}${p.unit ? ` ${p.unit}` : ''} (needs ${p.rule}: ${p.holds ? 'met' : 'NOT met'})`);
  return [clauses.join('; '), prem.length ? `premise: ${prem.join('; ')}` : ''].filter(Boolean).join('. ');
}

/** The headline effect of a verdict. */
export function headlineEffect(v: Pick<Verdict, 'effects' | 'headline'>): Effect {
  const e = v.effects.find((x) => x.key === v.headline);
  if (!e) throw new Error(`verdict has no effect '${v.headline}'`);
  return e;
}

/** An effect of a verdict by key; throws naming the keys it has. */
export function effectOf(v: Pick<Verdict, 'effects'>, key: string): Effect {
  const e = v.effects.find((x) => x.key === key);
  if (!e) throw new Error(`verdict has no effect '${key}' (it has ${v.effects.map((x) => x.key).join(', ')})`);
  return e;
}
