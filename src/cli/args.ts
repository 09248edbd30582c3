/** Argument parsing shared by the commands: usage errors name the argument and exit with status 2. */
import { parseArgs } from 'node:util';
import { SCALES, type Scale } from '../claims/types.js';

export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parse(args: string[], options: OptionSpec, cmd: string, positionals = false): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError(`${cmd}: ${(e as Error).message}`);
  }
}

export function parseSeeds(s: string): number[] {
  const seeds = s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--seeds: expected comma-separated non-negative integers, got '${s}'`);
  }
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
