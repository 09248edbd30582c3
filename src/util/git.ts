import { execFileSync } from 'node:child_process';
import { projectRoot } from './paths.js';

/** Current commit of the checkout (with "+dirty" when there are uncommitted changes), or null. */
export function gitCommit(): string | null {
  try {
    const opts = { cwd: projectRoot(), encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}
