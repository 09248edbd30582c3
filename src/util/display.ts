/** Rich output in a notebook (the noiselab kernel, or tslab): a full MIME bundle in one display message. */
import { createRequire } from 'node:module';
import { kernelHook, type Comm } from '../kernel/display.js';

type DisplayWriter = (msg: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void;

/**
 * Displays `data` (MIME type -> value; include text/plain) when running in a notebook kernel and returns
 * true; elsewhere returns false and the caller prints a fallback.
 */
export function displayBundle(data: Record<string, unknown>): boolean {
  const hook = kernelHook();
  if (hook) {
    hook.display(data);
    return true;
  }
  const writer = displayWriter();
  if (!writer) return false;
  writer({ data, metadata: {}, transient: {} }, false);
  return true;
}

function displayWriter(): DisplayWriter | null {
  try {
    // tslab's public display.raw sends one MIME type per message; its writer sends a full bundle
    return (createRequire(import.meta.url)('tslab/dist/jupyter.js') as { lastWriteDisplayData: DisplayWriter | null }).lastWriteDisplayData;
  } catch {
    return null; // not in a tslab kernel
  }
}

/** Clears the running cell's output (with `wait`, when its next output arrives); a no-op outside the noiselab kernel. */
export function clearOutput(wait = false): void {
  kernelHook()?.clearOutput(wait);
}

/**
 * A line the user types in the notebook frontend, as Python's input() (with `password`, not echoed).
 * Outside the noiselab kernel, or in a frontend that takes no input (a headless run), it throws.
 */
export function input(prompt = '', opts: { password?: boolean } = {}): Promise<string> {
  const hook = kernelHook();
  if (!hook) return Promise.reject(new Error('input(): not in the noiselab kernel'));
  return hook.input(prompt, opts);
}

/**
 * Handles comms a frontend opens with `targetName` (the Jupyter comm protocol, as widget libraries use
 * it): `handler(comm, data)` may send, close and set `comm.onMsg`/`comm.onClose`. Outside the noiselab
 * kernel it throws.
 */
export function registerCommTarget(targetName: string, handler: (comm: Comm, data: unknown) => void): void {
  const hook = kernelHook();
  if (!hook) throw new Error('registerCommTarget(): not in the noiselab kernel');
  hook.registerCommTarget(targetName, handler);
}

/** True inside a notebook kernel, where displayBundle shows rich output. */
export const inNotebook = (): boolean => kernelHook() !== null || displayWriter() !== null;
