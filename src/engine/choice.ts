/**
 * Which backends the engine can use, in order of preference, and how each is loaded. A record names the
 * backend it ran on (provenance.backend), so the choice is not part of a claim's code version: adding or
 * reordering backends leaves the records of the others current (records.ts ENGINE_CHOICE; each backend's
 * own modules count, ENGINE_MODULES there).
 * Optional backends are loaded with dynamic imports, so noiselab installs and runs without them.
 */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_PREFERENCE)[number];

/** Backends that run on a GPU: left out of the automatic choice under NOISELAB_GPU=0. */
export const GPU_BACKENDS: readonly BackendChoice[] = ['tensorflow-gpu', 'webgpu'];

/**
 * Each loader makes its backend available to tf and returns the tf backend name, or throws why not.
 * `forced`: the backend was asked for by name (NOISELAB_BACKEND or the `backend` option).
 */
export const loaders: Record<BackendChoice, (forced: boolean) => Promise<string>> = {
  'tensorflow-gpu': async () => {
    await import(/* optional */ '@tensorflow/tfjs-node-gpu' as string);
    return 'tensorflow';
  },
  tensorflow: async () => {
    await import(/* optional */ '@tensorflow/tfjs-node' as string);
    return 'tensorflow';
  },
  webgpu: async (forced) => {
    // a software adapter (lavapipe) is a test vehicle: only when webgpu is asked for by name, and it too
    const { registerWebgpuBackend } = await import('./webgpu.js');
    await registerWebgpuBackend({ software: forced && process.env.NOISELAB_WEBGPU_SOFTWARE === '1' });
    return 'webgpu';
  },
  native: async () => {
    // The OpenBLAS addon is optional: a machine without a compiler or OpenBLAS runs on wasm.
    const { registerNativeBackend } = await import('./native/index.js');
    return registerNativeBackend();
  },
  wasm: async () => (await import('./backend.js')).registerWasmBackend(),
  cpu: async () => 'cpu',
};

/** Parse a backend name from the user (env var or flag); the error lists the valid names. */
export function parseBackendChoice(value: string, source: string): BackendChoice {
  if ((BACKEND_PREFERENCE as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`${source}: unknown backend '${value}'; expected one of ${BACKEND_PREFERENCE.join(', ')}`);
}
