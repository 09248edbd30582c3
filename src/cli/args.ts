/** Argument parsing shared by the commands: usage errors name the argument and exit with status 2. */
import { parseArgs } from 'node:util';
import { SCALES, type Scale } from '../claims/types.js';

export { UsageError } from '../util/errors.js';
import { UsageError } from '../util/errors.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parse(args: string[], options: OptionSpec, cmd: string, positionals = false): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError(`${cmd}: ${(e as Error).message}`);
  }
}

/** Seeds for a verdict: at least two (an interval needs two), distinct, no empty entries. */
export function parseSeeds(s: string): number[] {
  const parts = s.split(',').map((x) => x.trim());
  const seeds = parts.map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
  if (!s.trim() || seeds.some((n) => !Number.isSafeInteger(n))) {
    throw new UsageError(`--seeds: expected comma-separated non-negative integers, got '${s}'`);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds: seed ${seeds.find((x, i) => seeds.indexOf(x) !== i)} is listed twice in '${s}'`);
  if (seeds.length < 2) throw new UsageError(`--seeds: a verdict compares seeds and needs at least two, got '${s}' (e.g. --seeds ${seeds[0]},${seeds[0] + 1})`);
  return seeds;
}

export function parseCount(flag: string, s: string, max = 64): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag}: expected an integer from 1 to ${max}, got '${s}'`);
  return n;
}

export function parseSeconds(flag: string, s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected seconds (a number >= 0), got '${s}'`);
  return n;
}

export function parseScale(s: string): Scale {
  if (!(SCALES as readonly string[]).includes(s)) throw new UsageError(`--scale: expected one of ${SCALES.join(', ')}, got '${s}'`);
  return s as Scale;
}
