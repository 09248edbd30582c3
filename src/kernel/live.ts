/**
 * Live library source: a notebook in a noiselab checkout imports noiselab's TypeScript (src/) as it is
 * on disk when the cell runs, not the build (dist/) of the last `npm run build`. Edit a technique, re-run
 * the cell that imports it, and the cell runs the edited code; the type checker sees the edit too.
 *
 * How: the kernel maps an import of "noiselab" (or noiselab/techniques/<x>, noiselab/claims/<x>) that
 * resolves into the checkout's dist/ to the matching src/ file, stamped with the source's state
 * (`?live=<stamp>`: the newest modification time and the number of files under src/). Module hooks
 * (./live-loader.ts) compile src files with esbuild and pass the stamp on to every module they import.
 * An unchanged source reuses the loaded modules; a changed one loads a fresh copy of the library.
 * Objects made before the change stay instances of the old copy (re-run the cells that made them).
 * The engine (src/engine: tfjs backends, the native addon) and the seeded streams (src/random, which the
 * engine gives a native sampler) hold process-wide state and are loaded once: edits there need a
 * kernel restart.
 *
 * On in the notebook kernel wherever "noiselab" resolves to a checkout (src/index.ts and tsconfig.json
 * beside dist/); NOISELAB_LIVE=0 turns it off. `noiselab run` turns it off unless `--live` (a headless run
 * edits nothing, and the build loads faster).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A checkout whose source the kernel imports live. */
export interface LiveLibrary {
  /** the checkout's root folder */
  root: string;
  /** its src/ folder */
  src: string;
}

const OFF = /^(0|false|off|no)$/i;

/**
 * The checkout that `noiselab` resolves to from `cwd` (else from the kernel's own installation), when its
 * source is there to import live; null when it is an installed build only or NOISELAB_LIVE turns it off.
 */
export function liveLibrary(cwd: string, env: NodeJS.ProcessEnv = process.env): LiveLibrary | null {
  if (OFF.test(env.NOISELAB_LIVE ?? '')) return null;
  let entry: string | null = null;
  for (const from of [pathToFileURL(join(cwd, '/')).href, import.meta.url]) {
    try {
      entry = fileURLToPath(import.meta.resolve('noiselab', from));
      break;
    } catch { /* not resolvable from there */ }
  }
  if (!entry) return null;
  const root = dirname(dirname(entry));
  const src = join(root, 'src');
  if (!entry.startsWith(join(root, 'dist') + sep) || !existsSync(join(src, 'index.ts')) || !existsSync(join(root, 'tsconfig.json'))) return null;
  return { root, src };
}

/** The source's state: changes when a .ts file under src/ is edited, added or removed. */
export function sourceStamp(src: string): string {
  let newest = 0;
  let count = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        count++;
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  };
  walk(src);
  return `${Math.round(newest * 1000).toString(36)}.${count.toString(36)}`;
}

/**
 * The src module to import instead of `target` (a file URL that an import resolved to), stamped with
 * the source's state; null where `target` is not a module of the checkout's build.
 */
export function liveTarget(lib: LiveLibrary, target: string): string | null {
  if (!target.startsWith('file:')) return null;
  const rel = relative(join(lib.root, 'dist'), fileURLToPath(target));
  if (rel.startsWith('..') || !rel.endsWith('.js')) return null;
  const file = join(lib.src, rel.replace(/\.js$/, '.ts'));
  if (!existsSync(file)) return null;
  return `${pathToFileURL(file).href}?live=${sourceStamp(lib.src)}`;
}

let registered: string | null = null;

/** Installs ./live-loader's hooks in this process, once (one checkout per kernel), before importing a liveTarget. */
export function registerLiveHooks(lib: LiveLibrary): void {
  if (registered === lib.src) return;
  if (registered) throw new Error(`live source: this kernel already imports ${registered}; restart it to import ${lib.src}`);
  register('./live-loader.js', import.meta.url, { data: { src: pathToFileURL(join(lib.src, '/')).href } });
  registered = lib.src;
}
