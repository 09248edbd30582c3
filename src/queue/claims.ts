/**
 * Which claim a job names, and the version of its code. Registered claims come from the registry;
 * NOISELAB_EXTRA_CLAIMS may name a JavaScript module exporting `claims` (an array of { id, seed })
 * that is looked up first: the queue's tests and bench use it for sleeping, throwing and hanging
 * seeds. It is read from the environment of whoever starts the worker, never from a job, so Redis
 * access alone cannot make a worker load code.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../util/paths.js';
import type { Claim } from '../claims/types.js';

/** The part of a claim a worker needs: its id and its seed function. */
export type SeedClaim = Pick<Claim<any, unknown>, 'id' | 'seed'>;

const extraModule = (): string | null => (process.env.NOISELAB_EXTRA_CLAIMS ? resolve(process.env.NOISELAB_EXTRA_CLAIMS) : null);

let extras: Promise<SeedClaim[]> | null = null;
async function extraClaims(): Promise<SeedClaim[]> {
  const file = extraModule();
  if (!file) return [];
  extras ??= import(pathToFileURL(file).href).then((m: { claims?: SeedClaim[] }) => {
    if (!Array.isArray(m.claims)) throw new Error(`NOISELAB_EXTRA_CLAIMS=${file}: the module must export 'claims', an array of { id, seed }`);
    return m.claims;
  });
  return extras;
}

/** The extra claim `id` (from NOISELAB_EXTRA_CLAIMS), or null. */
export async function extraClaim(id: string): Promise<SeedClaim | null> {
  return (await extraClaims()).find((c) => c.id === id) ?? null;
}

/** The claim `id`: an extra one, else the registered one (loading the registry imports every claim). */
export async function resolveClaim(id: string): Promise<SeedClaim> {
  const extra = await extraClaim(id);
  if (extra) return extra;
  const { getClaim } = await import('../claims/registry.js');
  return getClaim(id);
}

const sha = (parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

const versions = new Map<string, string>();

/**
 * The code version of a claim, as its records define it (the claim module and every src/ module it
 * imports, the modules of the engine it runs on, the lock entries of the packages they use, the native
 * sources, the shipped data); for an extra claim, the hash of its module. Computed once per process: a
 * worker runs the code it loaded, so a checkout updated under a running worker still reports the version
 * it started with.
 */
export async function claimCodeVersion(id: string, backend: string): Promise<string> {
  const key = `${id} ${backend}`;
  const known = versions.get(key);
  if (known) return known;
  let v: string;
  if (await extraClaim(id)) {
    v = sha(['extra', readFileSync(extraModule()!)]);
  } else {
    const file = readdirSync(join(projectRoot(), 'src', 'claims')).find((f) => f.startsWith(`${id.toLowerCase()}-`) && f.endsWith('.ts'));
    if (!file) throw new Error(`claim ${id}: no module src/claims/${id.toLowerCase()}-*.ts in ${projectRoot()}`);
    const { codeVersion, workingTree } = await import('../results/records.js');
    const c = codeVersion(id, file.slice(id.length + 1, -3), workingTree(), { engine: backend });
    v = sha([c.code, c.lockfile, c.native, c.data]);
  }
  versions.set(key, v);
  return v;
}
