/**
 * The engine: tfjs on the best available backend (the preference and the loaders are in ./choice.ts). This
 * module and ./choice.ts only choose and start a backend: a record's code version counts what they import
 * statically (what every backend gets) and the chosen backend's modules, not their own text
 * (records.ts ENGINE_CHOICE); what changes numbers belongs in the modules they import.
 * NOISELAB_BACKEND (or the `backend` option) forces one; asking for a missing one is an error.
 * NOISELAB_GPU=0 leaves the GPU backends out of the automatic choice (the tests do: the records are CPU runs).
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_PREFERENCE, GPU_BACKENDS, loaders, parseBackendChoice, type BackendChoice } from './choice.js';
import { registerHigherOrderGradients } from './higher-order-gradients.js';
import { registerWasmConv2dBackpropFilter } from './kernels/conv2d-backprop-filter-wasm.js';

export { BACKEND_PREFERENCE, parseBackendChoice, type BackendChoice } from './choice.js';

export interface EngineInfo {
  /** what was chosen, in noiselab's names */
  choice: BackendChoice;
  /** tf.getBackend() after initialisation */
  tfBackend: string;
  /** every backend tried before the choice, with why it was not used */
  skipped: { choice: BackendChoice; reason: string }[];
  /** the choice was asked for (NOISELAB_BACKEND or the `backend` option), not made automatically */
  forced: boolean;
}

/** Make the wasm backend available (with the kernels noiselab adds), e.g. to compare backends. */
export async function registerWasmBackend(): Promise<string> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmConv2dBackpropFilter();
  return 'wasm';
}

let current: EngineInfo | null = null;
let pending: Promise<EngineInfo> | null = null;

function reasonOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)/.test(msg)) return 'not installed';
  return msg.split('\n')[0];
}

async function tryBackend(choice: BackendChoice, forced: boolean): Promise<string> {
  const name = await loaders[choice](forced);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  return name;
}

/**
 * Initialise tfjs on the best available backend (once per process; later calls return the same info).
 * Says which backend it uses on stderr unless `quiet`.
 */
export function initEngine(opts: { backend?: string; quiet?: boolean } = {}): Promise<EngineInfo> {
  if (current) return Promise.resolve(current);
  pending ??= (async () => {
    registerHigherOrderGradients();
    const forced = opts.backend ?? process.env.NOISELAB_BACKEND;
    const order: BackendChoice[] = forced
      ? [parseBackendChoice(forced, opts.backend ? 'backend option' : 'NOISELAB_BACKEND')]
      : [...BACKEND_PREFERENCE];
    const skipped: EngineInfo['skipped'] = [];
    for (const choice of order) {
      if (!forced && process.env.NOISELAB_GPU === '0' && GPU_BACKENDS.includes(choice)) {
        skipped.push({ choice, reason: 'NOISELAB_GPU=0' });
        continue;
      }
      try {
        const tfBackend = await tryBackend(choice, Boolean(forced));
        current = { choice, tfBackend, skipped, forced: Boolean(forced) };
        // for `noiselab run`, which records the backend a notebook's kernel used
        (globalThis as { __noiselabEngine?: string }).__noiselabEngine = choice;
        if (!opts.quiet) process.stderr.write(`noiselab engine: ${describeEngine(current)}\n`);
        return current;
      } catch (err) {
        skipped.push({ choice, reason: reasonOf(err) });
      }
    }
    pending = null;
    throw new Error(`no usable backend: ${skipped.map((s) => `${s.choice} (${s.reason})`).join('; ')}`);
  })();
  return pending;
}

export function engineInfo(): EngineInfo | null {
  return current;
}

export function describeEngine(info: EngineInfo): string {
  const why = info.skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ');
  return `${info.choice} (tfjs ${tf.version.tfjs})${why ? ` [skipped ${why}]` : ''}`;
}
