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
import { RESIDENT_CORE_MODULES, RESIDENT_NODE_FLAGS, residentIdleSeconds } from './resident-config.js';
import { checkerKey, findBlob, RESIDENT_BLOB } from './snapshot.js';

/** The kernel's modules the resident runs: their compiled text is part of its key. */
export const RESIDENT_MODULES = ['resident-main.js', ...RESIDENT_CORE_MODULES];

export interface ResidentPlace {
  /** the Unix socket it listens on */
  socket: string;
  /** its log (its stderr), beside the socket */
  log: string;
  key: string;
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

/** Signals of a process that crashed (a snapshot V8 could not deserialize), not of one that was stopped. */
const CRASHES = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGTRAP']);

/**
 * Starts the resident for `place`, detached: it outlives the kernel, in a session and process group of its
 * own (a kernel's group killed at shutdown leaves it), its stderr appended to its log. A second one started
 * at the same time finds the first listening and leaves. From the resident's snapshot where the current
 * one is there (./resident-snapshot.ts); one that does not start (exit 14: Node refused it; a crash: a
 * damaged blob) is followed by the resident without it, and `onProblem` says so.
 */
export function spawnResident(kernelDir: string, place: ResidentPlace, env: NodeJS.ProcessEnv = process.env, onProblem: (why: string) => void = () => undefined): void {
  const found = findBlob(kernelDir, RESIDENT_BLOB, env);
  const start = (blob: string | null) => {
    const log = openSync(place.log, 'a', 0o600);
    try {
      const entry = blob ? ['--snapshot-blob', blob] : [join(kernelDir, 'resident-main.js')];
      const child = spawn(process.execPath, [...RESIDENT_NODE_FLAGS, ...entry, place.socket, place.key], {
        cwd: '/', detached: true, stdio: ['ignore', 'ignore', log],
        env: residentEnv(env),
      });
      if (blob) {
        child.once('exit', (code, signal) => {
          if (code !== 14 && !(signal && CRASHES.has(signal))) return;
          onProblem(`the resident's snapshot ${blob} did not start (${signal ?? `exit ${code}`}): the resident starts without it`);
          start(null);
        });
      }
      child.unref();
    } finally {
      closeSync(log);
    }
  };
  start('blob' in found ? found.blob : null);
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
