/**
 * Where the resident type checker (./resident-checker.ts) listens, and how a kernel starts it.
 *
 * One resident per user and kernel build: its socket is named by a key over what its checks depend on
 * (./snapshot.ts's checkerKey over its own modules), in a folder only the user can enter
 * (NOISELAB_KERNEL_RESIDENT_DIR, else $XDG_RUNTIME_DIR, else noiselab-<uid> in the temporary folder). A
 * rebuilt kernel or another TypeScript gets another key, so a kernel never talks to a resident of other
 * code; the old one leaves when idle. NOISELAB_KERNEL_RESIDENT=0 (or false/off/no) turns it off.
 */
import { spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { checkerKey } from './snapshot.js';

/** The kernel's modules the resident runs: their compiled text is part of its key. */
export const RESIDENT_MODULES = ['resident-checker.js', 'checker-service.js', 'typecheck.js', 'typescript-cache.js', 'cell.js'];

/** Seconds a resident without a kernel waits before it leaves (NOISELAB_KERNEL_RESIDENT_IDLE_S). */
export const RESIDENT_IDLE_S = 1800;

/**
 * V8's young generation for the resident: a check builds a program and a type checker that live until the
 * next check, so with the default semi-spaces every second or third check paid a scavenge of ~12 ms
 * copying them (a check's median: 12 ms in-process, 9-10 ms with these).
 */
export const RESIDENT_NODE_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];

export interface ResidentPlace {
  /** the Unix socket it listens on */
  socket: string;
  /** its log (its stderr), beside the socket */
  log: string;
  key: string;
}

/** NOISELAB_KERNEL_RESIDENT_IDLE_S, checked (a kernel refuses the resident for a bad value, saying so), else the default. */
export function residentIdleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.NOISELAB_KERNEL_RESIDENT_IDLE_S;
  if (v === undefined || v === '') return RESIDENT_IDLE_S;
  const s = Number(v);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`NOISELAB_KERNEL_RESIDENT_IDLE_S=${v} is not a number of seconds above 0`);
  return s;
}

export const residentOff = (env: NodeJS.ProcessEnv = process.env) => /^(0|false|off|no)$/i.test(env.NOISELAB_KERNEL_RESIDENT ?? '');

/** The resident's folder (residentPlace makes it, and checks that it is the user's and closed to others). */
export function residentDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NOISELAB_KERNEL_RESIDENT_DIR) return resolve(env.NOISELAB_KERNEL_RESIDENT_DIR);
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'noiselab');
  return join(tmpdir(), `noiselab-${userInfo().uid}`);
}

/** Where the resident of the kernel in `kernelDir` listens, or why there is none. */
export function residentPlace(kernelDir: string, env: NodeJS.ProcessEnv = process.env): ResidentPlace | { problem: string } {
  if (residentOff(env)) return { problem: 'NOISELAB_KERNEL_RESIDENT turns it off' };
  try { residentIdleSeconds(env); } catch (e) { return { problem: (e as Error).message }; }
  const k = checkerKey(kernelDir, RESIDENT_MODULES, RESIDENT_NODE_FLAGS);
  if ('problem' in k) return k;
  const dir = residentDir(env);
  // the cells' source goes through this socket: only a folder of the user's own, closed to others, will do
  // (in a shared temporary folder another user could have made it first)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== userInfo().uid || (st.mode & 0o077) !== 0) {
      return { problem: `${dir} is not a folder of this user's closed to others (chmod 700 it, or set NOISELAB_KERNEL_RESIDENT_DIR)` };
    }
  } catch (e) {
    return { problem: `cannot make ${dir}: ${(e as Error).message}` };
  }
  return { socket: join(dir, `checker-${k.key}.sock`), log: join(dir, `checker-${k.key}.log`), key: k.key };
}

/**
 * Starts the resident for `place`, detached: it outlives the kernel, in a session and process group of its
 * own (a kernel's group killed at shutdown leaves it), its stderr appended to its log. A second one started
 * at the same time finds the first listening and leaves.
 */
export function spawnResident(kernelDir: string, place: ResidentPlace, env: NodeJS.ProcessEnv = process.env): void {
  const log = openSync(place.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...RESIDENT_NODE_FLAGS, join(kernelDir, 'resident-checker.js'), place.socket, place.key], {
      cwd: '/', detached: true, stdio: ['ignore', 'ignore', log],
      env: residentEnv(env),
    });
    child.unref();
  } finally {
    closeSync(log);
  }
}

/**
 * The resident's environment: what locates files and itself, not the rest of the kernel that started it
 * (it serves other kernels after this one; the kernel's NODE_OPTIONS, a loader say, are not the checker's).
 */
function residentEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'XDG_RUNTIME_DIR', 'XDG_CACHE_HOME', 'NOISELAB_KERNEL_RESIDENT_DIR', 'NOISELAB_KERNEL_RESIDENT_IDLE_S',
    'NOISELAB_KERNEL_CODE_CACHE', 'NOISELAB_KERNEL_CODE_CACHE_DIR'];
  return Object.fromEntries(keep.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}
