/**
 * Module hooks for live library source (./live.ts registers them): noiselab's TypeScript under src/ is
 * compiled by esbuild as it is loaded, and a module imported under a source stamp (`?live=<stamp>`)
 * passes the stamp on to the src modules it imports, so that one stamp is one copy of the library.
 * src/engine and src/random are shared by every copy (loaded once, unstamped): they hold process-wide
 * state (tfjs's backend registry, the native addon, the streams' native sampler).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Esbuild = typeof import('esbuild');
interface ResolveContext { parentURL?: string; conditions: string[]; importAttributes?: Record<string, string> }
interface Resolved { url: string; format?: string | null; shortCircuit?: boolean }
interface Loaded { format: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }

/** file URL of src/, with its trailing slash */
let src = '';
let esbuild: Esbuild | null = null;
/** compiled files by path, with the modification time they were compiled at: a new copy of the library compiles only what changed */
const compiled = new Map<string, { mtimeMs: number; code: string }>();

const SHARED = /^(engine|random)\//;
/** the source files compiled here: .ts, and .cts (CommonJS in the build, for the kernel's launcher; self-contained, so an ES module here too) */
const SOURCE = /\.c?ts$/;

export function initialize(data: { src: string }): void {
  src = data.src;
}

/** `url` with the stamp it is loaded under: none for shared modules, else its own or its importer's. */
function stamped(url: URL, parent: string | undefined): string {
  const rel = url.pathname.slice(new URL(src).pathname.length);
  const own = url.searchParams.get('live');
  url.search = '';
  if (SHARED.test(rel)) return url.href;
  const stamp = own ?? (parent?.startsWith(src) ? new URL(parent).searchParams.get('live') : null);
  return stamp ? `${url.href}?live=${stamp}` : url.href;
}

export async function resolve(spec: string, context: ResolveContext, next: (spec: string, context: ResolveContext) => Promise<Resolved>): Promise<Resolved> {
  const parent = context.parentURL;
  let url: URL | null = null;
  if (/^\.{1,2}\//.test(spec) && parent?.startsWith(src)) url = new URL(spec, parent);
  else if (spec.startsWith(src)) url = new URL(spec);
  if (!url) return next(spec, context);
  // TypeScript's NodeNext convention: `./x.js` in the source names ./x.ts, `./x.cjs` ./x.cts
  if (/\.c?js$/.test(url.pathname)) {
    const ts = new URL(url.href);
    ts.pathname = ts.pathname.replace(/\.(c?)js$/, '.$1ts');
    if (existsSync(fileURLToPath(ts))) url = ts;
  }
  if (!SOURCE.test(url.pathname)) return next(spec, context);
  return { url: stamped(url, parent), format: 'module', shortCircuit: true };
}

export async function load(url: string, context: object, next: (url: string, context: object) => Promise<Loaded>): Promise<Loaded> {
  if (!url.startsWith(src) || !SOURCE.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  const { mtimeMs } = statSync(file);
  let hit = compiled.get(file);
  if (hit?.mtimeMs !== mtimeMs) {
    esbuild ??= createRequire(import.meta.url)('esbuild') as Esbuild;
    // the project's own settings (tsconfig.json: ES2022 classes, so fields are defined as TypeScript emits them)
    const out = await esbuild.transform(readFileSync(file, 'utf8'), {
      loader: 'ts', format: 'esm', target: 'es2022', sourcemap: 'inline', sourcefile: file,
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
    });
    compiled.set(file, (hit = { mtimeMs, code: out.code }));
  }
  return { format: 'module', source: hit.code, shortCircuit: true };
}
