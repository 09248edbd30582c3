import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The noiselab checkout (the folder whose package.json is named noiselab), from src/ or dist/. */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'noiselab') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the noiselab project root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function resultsDir(): string {
  return process.env.NOISELAB_RESULTS ?? join(projectRoot(), 'data', 'results');
}
