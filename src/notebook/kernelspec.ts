/**
 * Kernelspecs, found the way jupyter_client finds them: `kernels/<name>/kernel.json` under each Jupyter
 * data path, first match wins: $JUPYTER_PATH, the user's data dir ($JUPYTER_DATA_DIR, else
 * $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter), then /usr/local/share/jupyter and /usr/share/jupyter.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A Jupyter kernelspec: its name, its folder, and the contents of its kernel.json. */
export interface KernelSpec {
  name: string;
  /** folder holding kernel.json */
  dir: string;
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
  interrupt_mode: 'signal' | 'message';
}

export class KernelSpecError extends Error {}

export function jupyterDataPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const user = env.JUPYTER_DATA_DIR
    ?? join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter');
  const fromEnv = (env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean);
  return [...new Set([...fromEnv, user, '/usr/local/share/jupyter', '/usr/share/jupyter'])];
}

function readSpec(name: string, dir: string): KernelSpec {
  const file = join(dir, 'kernel.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new KernelSpecError(`kernelspec ${file}: ${(e as Error).message}`);
  }
  const argv = raw.argv;
  if (!Array.isArray(argv) || !argv.length || !argv.every((a) => typeof a === 'string')) {
    throw new KernelSpecError(`kernelspec ${file}: "argv" must be a non-empty list of strings`);
  }
  if (!argv.some((a) => a.includes('{connection_file}'))) {
    throw new KernelSpecError(`kernelspec ${file}: "argv" does not pass {connection_file}`);
  }
  return {
    name, dir, argv,
    display_name: typeof raw.display_name === 'string' ? raw.display_name : name,
    language: typeof raw.language === 'string' ? raw.language : '',
    env: (raw.env && typeof raw.env === 'object' ? raw.env : {}) as Record<string, string>,
    interrupt_mode: raw.interrupt_mode === 'message' ? 'message' : 'signal',
  };
}

/** Every installed kernel name with the folder it comes from (the first one for a repeated name). */
export function listKernelSpecs(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const found = new Map<string, string>();
  for (const base of jupyterDataPaths(env)) {
    const kernels = join(base, 'kernels');
    if (!existsSync(kernels)) continue;
    for (const name of readdirSync(kernels).sort()) {
      const dir = join(kernels, name);
      if (!found.has(name.toLowerCase()) && existsSync(join(dir, 'kernel.json'))) found.set(name.toLowerCase(), dir);
    }
  }
  return found;
}

/** The kernelspec called `name` (case-insensitive); the error lists the installed ones and where it looked. */
export function findKernelSpec(name: string, env: NodeJS.ProcessEnv = process.env): KernelSpec {
  const specs = listKernelSpecs(env);
  const dir = specs.get(name.toLowerCase());
  if (!dir) {
    const installed = [...specs.keys()];
    throw new KernelSpecError(
      `no kernel named '${name}'; installed: ${installed.length ? installed.join(', ') : 'none'} ` +
      `(searched ${jupyterDataPaths(env).map((p) => join(p, 'kernels')).join(', ')})` +
      (['noiselab', 'tslab'].includes(name.toLowerCase()) ? `; \`npm run setup\` registers ${name.toLowerCase()}` : ''),
    );
  }
  return readSpec(name.toLowerCase(), dir);
}
