/** Output files are written atomically: a temp file in the same folder, then rename. */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';

/**
 * Make sure `dir` exists and can be written, creating missing folders one level at a time. Errors say
 * which folder is the problem and what to do; `what` names the argument or variable it came from.
 * (Node's recursive mkdir can loop forever on pseudo-filesystems such as /proc; this cannot.)
 */
export function ensureDir(dir: string, what = 'folder'): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw new Error(`${what} ${dir}: ${p} is a file, not a folder; choose another path`);
  try {
    accessSync(p, constants.W_OK);
  } catch {
    throw new Error(`${what} ${dir}: ${p} is not writable; choose a folder you can write to`);
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new Error(`${what} ${dir}: cannot create ${m} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
    }
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  ensureDir(dirname(file), 'output folder');
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}
