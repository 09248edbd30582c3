/**
 * Backend choice. Preference: tfjs-node-gpu > tfjs-node > webgpu (Dawn, on a GPU's Vulkan driver) > native
 * (OpenBLAS addon) > wasm > cpu. Optional backends are probed with dynamic imports, so noiselab installs and
 * runs without them. webgpu on a software adapter (lavapipe) is used only when forced.
 * NOISELAB_BACKEND (or the `backend` option) forces one; asking for a missing one is an error.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmConv2dBackpropFilter } from './kernels/conv2d-backprop-filter-wasm.js';
import { registerHigherOrderGradients } from './higher-order-gradients.js';

export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_PREFERENCE)[number];

export interface EngineInfo {
  /** what was chosen, in noiselab's names */
  choice: BackendChoice;
  /** tf.getBackend() after initialisation */
  tfBackend: string;
  /** every backend tried before the choice, with why it was not used */
  skipped: { choice: BackendChoice; reason: string }[];
}

/** `forced`: the user asked for this backend (webgpu then accepts a software adapter). */
type Loader = (forced: boolean) => Promise<string>;

/** Each loader makes its backend available to tf and returns the tf backend name, or throws why not. */
const loaders: Record<BackendChoice, Loader> = {
  'tensorflow-gpu': async () => {
    await import(/* optional */ '@tensorflow/tfjs-node-gpu' as string);
    return 'tensorflow';
  },
  tensorflow: async () => {
    await import(/* optional */ '@tensorflow/tfjs-node' as string);
    return 'tensorflow';
  },
  webgpu: async (forced) => {
    const { registerWebgpuBackend } = await import('./webgpu.js');
    await registerWebgpuBackend({ software: forced });
    return 'webgpu';
  },
  native: async () => {
    // The OpenBLAS addon is optional: a machine without a compiler or OpenBLAS runs on wasm.
    const { registerNativeBackend } = await import('./native/index.js');
    return registerNativeBackend();
  },
  wasm: registerWasmBackend,
  cpu: async () => 'cpu',
};

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

/** Parse a backend name from the user (env var or flag); the error lists the valid names. */
export function parseBackendChoice(value: string, source: string): BackendChoice {
  if ((BACKEND_PREFERENCE as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`${source}: unknown backend '${value}'; expected one of ${BACKEND_PREFERENCE.join(', ')}`);
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
      try {
        const tfBackend = await tryBackend(choice, Boolean(forced));
        current = { choice, tfBackend, skipped };
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
