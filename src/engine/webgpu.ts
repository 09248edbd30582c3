/**
 * tfjs's WebGPU backend in Node, on Dawn (the `webgpu` npm package, pinned): a GPU path that installs from
 * npm and Debian alone (tfjs-node-gpu downloads libtensorflow at install time). Dawn drives the GPU through
 * Vulkan; where no GPU driver is installed, Mesa's lavapipe (a CPU Vulkan driver, unpacked into .vulkan/ by
 * `npm run setup`) is offered beside the system's drivers where a software adapter may be used, so the
 * backend can be tested on any machine.
 * A software adapter is used only when asked for (`software: true`): it is a test vehicle, slower than the
 * native CPU backend. The engine's automatic choice looks for Dawn only where a GPU's Vulkan driver is
 * installed (vulkanGpuDrivers), so machines without one never load it.
 *
 * Limits: float32 only. Synchronous reads work (webgpu-sync-read.ts: they block until the GPU is done, as
 * reads do on any GPU); asynchronous ones (`await t.data()`) let the GPU run ahead.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { projectRoot } from '../util/paths.js';
import { captureDawnTicks, enableSyncReads } from './webgpu-sync-read.js';

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

/** A CPU Vulkan driver (lavapipe, SwiftShader), by its manifest's or library's file name: not a GPU. */
const SOFTWARE_DRIVER = /lvp|lavapipe|swiftshader/i;

/**
 * The Vulkan driver manifests (ICD JSON files) of GPUs that the Vulkan loader would find, as it looks for
 * them on Linux: VK_DRIVER_FILES (or the older VK_ICD_FILENAMES) when set, alone; else the icd.d folders
 * under the XDG config folders, /etc and the XDG data folders, plus VK_ADD_DRIVER_FILES. Each list entry
 * is a manifest or a folder of them. Software drivers are left out.
 */
export function vulkanGpuDrivers(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (v: string | undefined) => (v ?? '').split(':').filter(Boolean);
  const manifests = (entry: string): string[] => {
    try {
      return statSync(entry).isDirectory() ? readdirSync(entry).filter((f) => f.endsWith('.json')).map((f) => join(entry, f)) : [entry];
    } catch {
      return [];
    }
  };
  const explicit = list(env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES);
  const folders = [
    env.XDG_CONFIG_HOME || join(homedir(), '.config'), ...list(env.XDG_CONFIG_DIRS || '/etc/xdg'), '/etc',
    env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), ...list(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share'),
  ].map((d) => join(d, 'vulkan', 'icd.d'));
  const entries = explicit.length ? explicit : [...folders, ...list(env.VK_ADD_DRIVER_FILES)];
  return [...new Set(entries.flatMap(manifests))].filter((f) => {
    try {
      const library = (JSON.parse(readFileSync(f, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ?? '';
      return !SOFTWARE_DRIVER.test(`${basename(f)} ${basename(library)}`);
    } catch {
      return false;
    }
  });
}

/**
 * Makes tf's 'webgpu' backend available on the best adapter Dawn finds (high-performance preference), and
 * returns that adapter. Throws, saying why, when there is none, or when only a software adapter is found and
 * `software` is not set; without `software`, also before loading Dawn where no GPU's Vulkan driver is
 * installed. Does not switch tf to it: `tf.setBackend('webgpu')` does.
 */
export async function registerWebgpuBackend(opts: { software?: boolean } = {}): Promise<WebgpuAdapter> {
  if (registered) {
    if (registered.software && !opts.software) throw new Error(softwareOnly(registered));
    return registered;
  }
  const drivers = vulkanGpuDrivers();
  if (!opts.software && !drivers.length) throw new Error('no GPU Vulkan driver installed (no ICD manifest for one in the Vulkan loader\'s icd.d folders; a forced webgpu takes a software adapter with NOISELAB_WEBGPU_SOFTWARE=1)');
  // where a software adapter may be used: lavapipe beside whatever drivers the system has (read by the
  // Vulkan loader when Dawn starts)
  const manifest = opts.software ? lavapipeManifest() : null;
  if (manifest && !process.env.VK_ADD_DRIVER_FILES) process.env.VK_ADD_DRIVER_FILES = manifest;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  captureDawnTicks();
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(`no WebGPU adapter: ${opts.software ? noDriver(manifest) : `Dawn found none on the GPU driver(s) ${drivers.join(', ')}`}`);
  }
  const found = adapterOf(adapter);
  if (found.software && !opts.software) throw new Error(softwareOnly(found));
  // tfjs-backend-webgpu asks navigator.gpu for its adapter when tf first initialises the backend
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else (globalThis as { navigator?: object }).navigator = { gpu };
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error('@tensorflow/tfjs-backend-webgpu did not register the webgpu backend');
  enableSyncReads(WebGPUBackend);
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
  return `only a software WebGPU adapter was found (${describeAdapter(a)}); it is used only when asked for (NOISELAB_WEBGPU_SOFTWARE=1, or software: true)`;
}
