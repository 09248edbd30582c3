/**
 * TypeScript loaded through a V8 code cache, for the resident type checker (./resident-checker.ts): the
 * first kernel after the resident has gone (30 idle minutes, a reboot) waits for the resident's start, and
 * compiling TypeScript's 9 MB script is ~0.1 s of it. The cache holds the bytecode of the functions a
 * warm checker had compiled (the parser, binder and checker), written once a resident has warmed a session;
 * a later resident compiles from it.
 *
 * The cache file is named by a hash of the script's bytes, Node's version and platform and the process's
 * V8 flags: V8 itself checks only the script's length, and bytecode of another text would run as if it
 * were this one. The file ends with a SHA-256 of its data, checked before V8 sees it (V8 checks a header,
 * not the data: a damaged body would crash every resident). One that fails either check is compiled from
 * source and written again. The folder must be the user's and writable by nobody else (the cache is code
 * the resident runs).
 * It lives in NOISELAB_KERNEL_CODE_CACHE_DIR, else $XDG_CACHE_HOME/noiselab, else ~/.cache/noiselab;
 * NOISELAB_KERNEL_CODE_CACHE=0 turns it off.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import type * as TS from 'typescript';
import { patchTypeScript } from './typescript-patch.js';

/** What the cache did for this load: compiled from it, none there, one V8 refused, or turned off / not possible. */
export type CodeCacheState = 'used' | 'absent' | 'rejected' | 'off';

export interface CachedTypeScript {
  ts: typeof TS;
  /** whether TypeScript's text took the checker's change (./typescript-patch.ts) */
  patched: boolean;
  state: CodeCacheState;
  /** the cache file of this TypeScript and process (null: off) */
  file: string | null;
  loadMs: number;
  /** Writes the cache from what is compiled by now (atomically); returns why not, or null. */
  save(): string | null;
}

/** Cache files of other keys untouched this long are removed when a cache is written. */
const STALE_MS = 14 * 24 * 3600 * 1000;

/** The cache folder, or null where NOISELAB_KERNEL_CODE_CACHE turns it off. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (/^(0|false|off|no)$/i.test(env.NOISELAB_KERNEL_CODE_CACHE ?? '')) return null;
  if (env.NOISELAB_KERNEL_CODE_CACHE_DIR) return resolve(env.NOISELAB_KERNEL_CODE_CACHE_DIR);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'noiselab');
}

/**
 * The TypeScript compiler the checker uses (the project's, else tslab's), with the checker's change to its
 * text (./typescript-patch.ts), loaded through the cache in `dir` (null: none).
 */
export function loadTypeScriptCached(dir: string | null, from: string = import.meta.url): CachedTypeScript {
  const started = performance.now();
  const require = createRequire(from);
  let file: string | undefined;
  let first: unknown;
  for (const name of ['typescript', '@tslab/typescript-for-tslab']) {
    try { file = require.resolve(name); break; } catch (e) { first ??= e; }
  }
  if (!file) throw new Error(`no TypeScript compiler found (${(first as Error).message})`);
  const { text, patched } = patchTypeScript(readFileSync(file, 'utf8'));
  const key = createHash('sha256').update(text).update(`\0${process.version}\0${process.platform}-${process.arch}\0${nodeFlags().join(' ')}`).digest('hex').slice(0, 24);
  const cacheFile = dir && ownFolder(dir) ? join(dir, `typescript-${key}.v8cache`) : null;
  let cached: Buffer | undefined;
  let damaged = false;
  if (cacheFile) {
    try {
      const raw = readFileSync(cacheFile);
      const data = raw.subarray(0, raw.length - DIGEST_BYTES);
      if (raw.length > DIGEST_BYTES && digest(data).equals(raw.subarray(data.length))) cached = data;
      else damaged = true;
    } catch { /* none yet */ }
  }
  const script = new Script(Module.wrap(text), { filename: file, cachedData: cached });
  const module = { exports: {} as typeof TS };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const state: CodeCacheState = !cacheFile ? 'off' : damaged ? 'rejected' : !cached ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  return {
    ts: module.exports, patched, state, file: cacheFile, loadMs: performance.now() - started,
    save: () => (cacheFile ? writeCache(cacheFile, script.createCachedData()) : 'the code cache is off'),
  };
}

/** The process's Node and V8 flags, less code given to run (-e, -p: not flags, and different every time). */
function nodeFlags(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i];
    if (/^(-e|--eval|-p|--print)$/.test(a)) i++;
    else if (!/^(--eval|--print)=/.test(a)) out.push(a);
  }
  return out;
}

const DIGEST_BYTES = 32;
const digest = (data: Buffer) => createHash('sha256').update(data).digest();

/** Whether `dir` (made here if missing) is the user's and writable by nobody else. */
function ownFolder(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === userInfo().uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function writeCache(file: string, data: Buffer): string | null {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([data, digest(data)]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    return `cannot write ${file}: ${(e as Error).message}`;
  }
  // caches of another TypeScript or Node unused for a while, and writes a killed resident left, go (a few MB each)
  try {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (p === file || !/^typescript-[0-9a-f]+\.v8cache(\.\d+\.tmp)?$/.test(f)) continue;
      const st = statSync(p);
      if (Date.now() - Math.max(st.atimeMs, st.mtimeMs) > (f.endsWith('.tmp') ? 3600_000 : STALE_MS)) rmSync(p, { force: true });
    }
  } catch { /* the next write tries again */ }
  return null;
}
