/**
 * For the whole test run: the kernels the tests start share a resident type checker of the run's own (in a
 * folder of its own, not the user's, with TypeScript's code cache), and it is stopped when the run ends rather than idling on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'noiselab-test-resident-'));
  // inherited by the test processes, and by the kernels and commands they start
  process.env.NOISELAB_KERNEL_RESIDENT_DIR = dir;
  // TypeScript's code cache too (not the user's ~/.cache)
  process.env.NOISELAB_KERNEL_CODE_CACHE_DIR = join(dir, 'code-cache');
  return () => {
    const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    for (const line of ps.split('\n')) {
      // a resident of this folder: its socket (`<dir>/checker-<key>.sock`) is an argument, with or without its snapshot
      if (!line.includes(`${dir}/checker-`)) continue;
      try { process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGTERM'); } catch { /* gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
