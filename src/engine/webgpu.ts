/**
 * tfjs's WebGPU backend in Node, on Dawn (the `webgpu` npm package, pinned): a GPU path that installs from
 * npm and Debian alone (tfjs-node-gpu downloads libtensorflow at install time). Dawn drives the GPU through
 * Vulkan; where no GPU driver is installed, Mesa's lavapipe (a CPU Vulkan driver, unpacked into .vulkan/ by
 * `npm run setup`) is offered beside the system's drivers, so the backend can be tested on any machine.
 * A software adapter is used only when asked for (`software: true`): it is a test vehicle, slower than the
 * native CPU backend.
 *
 * Limits: float32 only, and reads must be asynchronous (`await t.data()`): tfjs's synchronous read needs an
 * OffscreenCanvas, which Node does not have, so `dataSync()` throws on this backend.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { projectRoot } from '../util/paths.js';

/** The adapter Dawn chose: as its GPUAdapterInfo names it, and whether it is a software (CPU) one. */
export interface WebgpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** a CPU implementation (lavapipe, SwiftShader): a test vehicle, not a GPU */
  software: boolean;
}

/** The lavapipe driver manifest `npm run setup` writes, or null when it is absent. */
export function lavapipeManifest(root = projectRoot()): string | null {
  const file = join(root, '.vulkan', 'lvp_icd.json');
  return existsSync(file) ? file : null;
}

let registered: WebgpuAdapter | null = null;

/** Why Dawn found no adapter, and what to do where setup has not unpacked lavapipe. */
const noDriver = (manifest: string | null) => `Dawn found no Vulkan driver${manifest ? '' : ' (npm run setup unpacks lavapipe, a CPU one, into .vulkan/)'}`;

/** Reads Dawn's GPUAdapterInfo into a WebgpuAdapter. */
function adapterOf(adapter: GPUAdapter): WebgpuAdapter {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    software: Boolean(info.isFallbackAdapter) || /llvmpipe|lavapipe|swiftshader/i.test(`${info.device} ${info.description}`),
  };
}

/** What a look for a WebGPU adapter found: the adapter, or why there is none. */
export type WebgpuProbe = { adapter: WebgpuAdapter; reason?: undefined } | { adapter: null; reason: string };

/**
 * Looks for the adapter the webgpu backend would use (lavapipe offered beside the system's drivers, as
 * registerWebgpuBackend does) without registering anything, and lets Dawn go (a live GPU instance keeps
 * the process running). For `noiselab info`; takes ~0.5 s.
 */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  if (registered) return { adapter: registered };
  const manifest = lavapipeManifest();
  const env = manifest && !process.env.VK_ADD_DRIVER_FILES ? { VK_ADD_DRIVER_FILES: manifest } : {};
  const saved = process.env.VK_ADD_DRIVER_FILES;
  Object.assign(process.env, env);
  try {
    let create: typeof import('webgpu').create;
    try {
      ({ create } = await import('webgpu'));
    } catch (e) {
      return { adapter: null, reason: `the webgpu package does not load (${(e as Error).message.split('\n')[0]})` };
    }
    let adapter: GPUAdapter | null;
    try {
      adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    } catch (e) {
      return { adapter: null, reason: `Dawn could not look for an adapter (${(e as Error).message.split('\n')[0]})` };
    }
    if (!adapter) return { adapter: null, reason: noDriver(manifest) };
    return { adapter: adapterOf(adapter) };
  } finally {
    if (env.VK_ADD_DRIVER_FILES) {
      if (saved === undefined) delete process.env.VK_ADD_DRIVER_FILES;
      else process.env.VK_ADD_DRIVER_FILES = saved;
    }
  }
}

/**
 * Makes tf's 'webgpu' backend available on the best adapter Dawn finds (high-performance preference), and
 * returns that adapter. Throws, saying why, when there is none, or when only a software adapter is found and
 * `software` is not set. Does not switch tf to it: `tf.setBackend('webgpu')` does.
 */
export async function registerWebgpuBackend(opts: { software?: boolean } = {}): Promise<WebgpuAdapter> {
  if (registered) {
    if (registered.software && !opts.software) throw new Error(softwareOnly(registered));
    return registered;
  }
  // lavapipe beside whatever drivers the system has (read by the Vulkan loader when Dawn starts)
  const manifest = lavapipeManifest();
  if (manifest && !process.env.VK_ADD_DRIVER_FILES) process.env.VK_ADD_DRIVER_FILES = manifest;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(`no WebGPU adapter: ${noDriver(manifest)}`);
  }
  const found = adapterOf(adapter);
  if (found.software && !opts.software) throw new Error(softwareOnly(found));
  // tfjs-backend-webgpu asks navigator.gpu for its adapter when tf first initialises the backend
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else (globalThis as { navigator?: object }).navigator = { gpu };
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error('@tensorflow/tfjs-backend-webgpu did not register the webgpu backend');
  registered = found;
  return found;
}

/** The adapter of a registered webgpu backend, or null. */
export function webgpuAdapter(): WebgpuAdapter | null {
  return registered;
}

/** One line naming an adapter: vendor, device, description, and software when it is one. */
export function describeAdapter(a: WebgpuAdapter): string {
  return `${[a.vendor, a.device, a.description].filter(Boolean).join(', ')}${a.software ? ' (software)' : ''}`;
}

function softwareOnly(a: WebgpuAdapter): string {
  return `only a software WebGPU adapter was found (${describeAdapter(a)}); it is used only when asked for (software: true)`;
}
