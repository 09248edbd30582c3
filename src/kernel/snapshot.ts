/**
 * The startup snapshot of a warmed type checker (./snapshot-checker.ts): built by `npm run setup`
 * (`node dist/kernel/snapshot.js`), used by the kernel (./checker.ts) when it is current.
 *
 * Building: esbuild bundles the checker (./snapshot-checker.ts, ./checker-service.ts, ./typecheck.ts) and
 * TypeScript into one CommonJS script, and `node --build-snapshot` runs it: TypeScript is evaluated, the
 * standard library, Node's types and noiselab's declarations (its source, where the kernel imports it live)
 * are read, parsed and bound, and the heap is written to a blob (~40-60 MB). A process started from it
 * (`node --snapshot-blob <blob>`) has all of that at once.
 *
 * The blob lives in `.kernel-snapshot/` of the checkout (gitignored; NOISELAB_KERNEL_SNAPSHOT_DIR names
 * another), named by its key: a hash of Node's version and platform, TypeScript's and Node's types'
 * versions, the bundled checker's own modules (their compiled text) and the kernel's folder. The kernel
 * uses only the blob of the key it computes itself; a missing, stale or corrupt one leaves it on a worker
 * thread (./typecheck-worker.ts), saying so once. The files the blob holds parsed are checked one by one
 * when a checker starts from it: one changed on disk since (an edited source file, a rebuilt declaration)
 * is read again, the rest are used as they are.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RESIDENT_CORE_MODULES, RESIDENT_NODE_FLAGS } from './resident-config.js';
import { patchTypeScript } from './typescript-patch.js';

/** The kernel's own modules in the bundle: their compiled text is part of the key. */
export const SNAPSHOT_MODULES = ['snapshot-checker.js', 'snapshot-warm.js', 'checker-service.js', 'typecheck.js', 'cell.js', 'typescript-cache.js', 'typescript-patch.js'];

/**
 * A kind of blob: the kernel's checker process (./snapshot-checker.ts: the library, Node's types and
 * noiselab's declarations) or the resident's (./resident-snapshot.ts: the library and Node's types), each
 * with its entry, the kernel's modules its bundle holds (in its key), the V8 flags it runs under (it
 * starts under those only) and what it reads at build time by default.
 */
export interface BlobKind {
  prefix: 'checker' | 'resident';
  entry: string;
  modules: readonly string[];
  nodeFlags: readonly string[];
  warm: string[];
}

export const CHECKER_BLOB: BlobKind = { prefix: 'checker', entry: 'snapshot-checker.js', modules: SNAPSHOT_MODULES, nodeFlags: [], warm: ['noiselab'] };
export const RESIDENT_BLOB: BlobKind = {
  prefix: 'resident', entry: 'resident-snapshot.js', nodeFlags: RESIDENT_NODE_FLAGS, warm: [],
  modules: ['resident-snapshot.js', 'snapshot-warm.js', ...RESIDENT_CORE_MODULES],
};

/** What the snapshot checker is told at build time (in NOISELAB_SNAPSHOT_CONFIG). */
export interface SnapshotConfig {
  key: string;
  /** the kernel's folder (dist/kernel): bare imports the notebook's folder does not resolve resolve from it */
  kernelDir: string;
  /** the checkout whose source the kernel imports live, or null (noiselab's declarations from its build) */
  live: string | null;
  /** TypeScript's typescript.js (its folder holds the standard library's declarations) */
  typescriptFile: string;
  /** modules read at build time (the second warm-up step, done in the snapshot) */
  warm: string[];
  /** where the build writes what it read (a SnapshotManifest without the blob's size and build time) */
  manifest: string;
}

/** What a build wrote beside its blob (`checker-<key>.json`). */
export interface SnapshotManifest {
  key: string;
  node: string;
  typescript: string;
  /** files read, parsed and bound in the snapshot */
  files: number;
  /** ms the build took (bundle and snapshot), and the blob's size in bytes */
  buildMs?: number;
  bytes?: number;
  live: string | null;
  warm: string[];
}

/** A current blob, or why there is none. */
export type SnapshotLookup = { blob: string; key: string } | { problem: string };

/** The folder of the blobs: NOISELAB_KERNEL_SNAPSHOT_DIR, else `.kernel-snapshot` two levels above the kernel's folder (the checkout's root). */
export function snapshotDir(kernelDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.NOISELAB_KERNEL_SNAPSHOT_DIR ? resolve(env.NOISELAB_KERNEL_SNAPSHOT_DIR) : join(kernelDir, '..', '..', '.kernel-snapshot');
}

/** The version of a package as the kernel's folder resolves it, or 'none'. */
function versionOf(kernelDir: string, pkg: string): string {
  try {
    const req = createRequire(join(kernelDir, 'x.js'));
    return (JSON.parse(readFileSync(req.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'none';
  }
}

/**
 * A hash of what a checker built from the kernel in `kernelDir` depends on: Node, TypeScript, Node's types,
 * the kernel's folder, the compiled text of the kernel's `modules` in it, and `extra`; or why none can be.
 */
export function checkerKey(kernelDir: string, modules: readonly string[], extra: string[] = []): { key: string; typescript: string } | { problem: string } {
  const typescript = versionOf(kernelDir, 'typescript');
  if (typescript === 'none') return { problem: 'TypeScript is not installed' };
  const hash = createHash('sha256');
  hash.update(JSON.stringify([process.version, process.platform, process.arch, typescript, versionOf(kernelDir, '@types/node'), resolve(kernelDir), ...extra]));
  for (const m of modules) {
    try {
      hash.update(`\0${m}\0`).update(readFileSync(join(kernelDir, m)));
    } catch {
      return { problem: `${m} is not in ${kernelDir}` };
    }
  }
  return { key: hash.digest('hex').slice(0, 20), typescript };
}

/** The key of a blob of `kind` built now from the kernel in `kernelDir` (a hex hash), or why none can be. */
export function snapshotKey(kernelDir: string, kind: BlobKind = CHECKER_BLOB): { key: string; typescript: string } | { problem: string } {
  // esbuild bundles the checker: another version may bundle it differently
  return checkerKey(kernelDir, kind.modules, [versionOf(kernelDir, 'esbuild'), ...kind.nodeFlags]);
}

/**
 * The blob to start the checker from: the one of the current key, or a problem (none built, or only ones
 * of other keys: stale). NOISELAB_KERNEL_SNAPSHOT=0 turns snapshots off.
 */
export function findSnapshot(kernelDir: string, env: NodeJS.ProcessEnv = process.env): SnapshotLookup {
  return findBlob(kernelDir, CHECKER_BLOB, env);
}

/** The current blob of `kind` (findSnapshot's rule: the current key's, a stale one is not used), or why there is none. */
export function findBlob(kernelDir: string, kind: BlobKind, env: NodeJS.ProcessEnv = process.env): SnapshotLookup {
  if (/^(0|false|off|no)$/i.test(env.NOISELAB_KERNEL_SNAPSHOT ?? '')) return { problem: 'NOISELAB_KERNEL_SNAPSHOT turns it off' };
  const k = snapshotKey(kernelDir, kind);
  if ('problem' in k) return k;
  const dir = snapshotDir(kernelDir, env);
  const blob = join(dir, `${kind.prefix}-${k.key}.blob`);
  if (existsSync(blob)) return { blob, key: k.key };
  let others: string[] = [];
  try { others = readdirSync(dir).filter((f) => f.startsWith(`${kind.prefix}-`) && f.endsWith('.blob')); } catch { /* no folder */ }
  return { problem: others.length ? `the snapshot in ${dir} is stale (built for another TypeScript, Node or checker)` : `no snapshot in ${dir}` };
}

/** Builds the current key's blob in the snapshot folder (the others there are removed); throws with the build's output if it fails. */
export async function buildSnapshot(kernelDir: string, opts: { env?: NodeJS.ProcessEnv; live?: string | null; warm?: string[]; kind?: BlobKind } = {}): Promise<SnapshotManifest & { blob: string }> {
  const started = performance.now();
  const env = opts.env ?? process.env;
  const kind = opts.kind ?? CHECKER_BLOB;
  const k = snapshotKey(kernelDir, kind);
  if ('problem' in k) throw new Error(k.problem);
  const dir = snapshotDir(kernelDir, env);
  mkdirSync(dir, { recursive: true });
  const tmp = `${process.pid}.tmp`;
  const name = `${kind.prefix}-${k.key}`;
  const bundle = join(dir, `${name}.${tmp}.cjs`);
  const blob = join(dir, `${name}.blob`);
  const manifestFile = join(dir, `${name}.json`);
  // the resident's blob holds no live source (noiselab's declarations are read by the resident, later)
  const live = kind !== CHECKER_BLOB ? null : opts.live !== undefined ? opts.live : (await import('./live.js')).liveLibrary(kernelDir, env)?.root ?? null;
  try {
    const esbuild = await import('esbuild');
    const typescriptFile = createRequire(join(kernelDir, 'x.js')).resolve('typescript');
    const built = await esbuild.build({
      entryPoints: [join(kernelDir, kind.entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      outfile: bundle, logLevel: 'error', metafile: true,
      // TypeScript's optional require of source-map-support (in a try) stays a require
      external: ['source-map-support'],
      // the checker's change to TypeScript's text, as when it loads TypeScript itself (./typescript-patch.ts)
      plugins: [{
        name: 'typescript-patch',
        setup: (b) => b.onLoad({ filter: /typescript\.js$/ }, (a) => (a.path === typescriptFile ? { contents: patchTypeScript(readFileSync(a.path, 'utf8')).text, loader: 'js' } : undefined)),
      }],
    });
    // the key covers the kernel's modules in the bundle: one more than the kind names would not be
    const unkeyed = Object.keys(built.metafile.inputs).filter((f) => !f.includes('node_modules/') && !kind.modules.some((m) => f.endsWith(`/${m}`)));
    if (unkeyed.length) throw new Error(`the bundle has modules its key does not cover (add them to the ${kind.prefix} blob's modules): ${unkeyed.join(', ')}`);
    const config: SnapshotConfig = { key: k.key, kernelDir: resolve(kernelDir), typescriptFile, live, warm: opts.warm ?? kind.warm, manifest: `${manifestFile}.${tmp}` };
    const r = spawnSync(process.execPath, [...kind.nodeFlags, '--snapshot-blob', `${blob}.${tmp}`, '--build-snapshot', bundle], {
      env: { ...env, NOISELAB_SNAPSHOT_CONFIG: JSON.stringify(config) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0 || !existsSync(`${blob}.${tmp}`)) {
      throw new Error(`node --build-snapshot failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${(r.stderr + r.stdout).trim().slice(-2000)}`);
    }
    const manifest = JSON.parse(readFileSync(config.manifest, 'utf8')) as SnapshotManifest;
    manifest.bytes = statSync(`${blob}.${tmp}`).size;
    manifest.buildMs = Math.round(performance.now() - started);
    renameSync(`${blob}.${tmp}`, blob);
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${kind.prefix}-`) && !f.startsWith(`${name}.`)) rmSync(join(dir, f), { force: true });
    }
    return { ...manifest, blob };
  } finally {
    for (const f of [bundle, `${blob}.${tmp}`, `${manifestFile}.${tmp}`]) rmSync(f, { force: true });
  }
}

// `node dist/kernel/snapshot.js`: build the blob of this kernel (npm run setup does)
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const kernelDir = dirname(fileURLToPath(import.meta.url));
  let failed = false;
  for (const kind of [CHECKER_BLOB, RESIDENT_BLOB]) {
    const what = kind === CHECKER_BLOB ? 'type checker snapshot' : 'resident checker snapshot';
    try {
      const warm = kind === CHECKER_BLOB && process.env.NOISELAB_SNAPSHOT_WARM !== undefined ? { warm: process.env.NOISELAB_SNAPSHOT_WARM.split(',').filter(Boolean) } : {};
      const m = await buildSnapshot(kernelDir, { ...warm, kind });
      console.log(`${what}: ${m.blob} (${(m.bytes! / 2 ** 20).toFixed(0)} MB, ${m.files} files parsed, TypeScript ${m.typescript}, Node ${m.node}, built in ${(m.buildMs! / 1000).toFixed(1)} s)`);
    } catch (e) {
      console.error(`${what} NOT built: ${(e as Error).message}`);
      failed = true;
    }
  }
  if (failed) process.exit(1);
}
