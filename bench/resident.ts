/**
 * A resident type checker of the bench's own (src/kernel/resident.ts): kernels the bench starts use a
 * resident folder made for it, not the user's, and their resident is stopped when the bench is done with
 * it, so that the bench neither measures nor leaves behind a resident of the user's kernels.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnResident {
  /** the environment that points a kernel at this resident folder */
  env: { NOISELAB_KERNEL_RESIDENT_DIR: string };
  /** what the residents of this folder logged so far */
  log(): string;
  /** stops the folder's resident (if one started) and removes the folder */
  stop(): void;
}

export function ownResident(): OwnResident {
  const dir = mkdtempSync(join(tmpdir(), 'noiselab-bench-resident-')); // 0700, as the resident requires
  const log = () => readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
  return {
    env: { NOISELAB_KERNEL_RESIDENT_DIR: dir },
    log,
    stop() {
      for (const m of log().matchAll(/\(pid (\d+)\)/g)) {
        // only a resident still running: one that left may have had its pid reused since
        let cmdline = '';
        try { cmdline = readFileSync(`/proc/${m[1]}/cmdline`, 'utf8'); } catch { continue; }
        // a resident of this folder has its socket (`<dir>/checker-<key>.sock`) among its arguments
        if (cmdline.includes(`${dir}/checker-`)) try { process.kill(Number(m[1]), 'SIGTERM'); } catch { /* gone */ }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
