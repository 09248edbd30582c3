/**
 * The registry discovers claims by file name: every module in this folder named <id>-<slug> (e.g.
 * a1-gradient-noise.ts) that exports `claim`. A new claim needs no other registration.
 */
import { UsageError } from '../util/errors.js';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BaseParams, Claim } from './types.js';

const CLAIM_FILE = /^([a-z]\d+)-[a-z0-9-]+\.(ts|js)$/;

let cache: Claim<any>[] | null = null;

/** Sort ids like A2 before A10. */
export function compareIds(a: string, b: string): number {
  return a[0] === b[0] ? Number(a.slice(1)) - Number(b.slice(1)) : a.localeCompare(b);
}

/**
 * Every claim module in this folder, sorted by id (cached after the first call); throws on a module that exports
 * no `claim` or whose id does not match its file name.
 */
export async function loadClaims(): Promise<Claim<any>[]> {
  if (cache) return cache;
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => CLAIM_FILE.test(f) && !f.endsWith('.d.ts'));
  const claims: Claim<any>[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(`${dir}/${f}`).href)) as { claim?: Claim<BaseParams> };
    if (!mod.claim) throw new Error(`${f}: a claim module must export 'claim'`);
    if (mod.claim.id.toLowerCase() !== CLAIM_FILE.exec(f)![1]) throw new Error(`${f}: exports claim ${mod.claim.id}, which does not match its file name`);
    claims.push(mod.claim);
  }
  cache = claims.sort((a, b) => compareIds(a.id, b.id));
  return cache;
}

/** The registered claim with this id (case-insensitive); throws listing the registered ids when there is none. */
export async function getClaim(id: string): Promise<Claim<any>> {
  const all = await loadClaims();
  const c = all.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!c) throw new Error(`unknown claim '${id}'; registered: ${all.map((x) => x.id).join(', ')}`);
  return c;
}

/** The claims named by --claim (case-insensitive), in catalogue order; all of them when none is named. */
export async function selectClaims(ids?: string[]): Promise<Claim<any>[]> {
  const all = await loadClaims();
  const wanted = ids?.map((id) => id.toUpperCase());
  const unknown = wanted?.filter((id) => !all.some((c) => c.id === id)) ?? [];
  if (unknown.length) throw new UsageError(`--claim: unknown claim ${unknown.join(', ')}; registered: ${all.map((c) => c.id).join(', ')}`);
  return wanted ? all.filter((c) => wanted.includes(c.id)) : all;
}
