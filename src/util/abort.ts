/**
 * The abort signal long loops observe when the caller gives none: in a notebook, the kernel's
 * interrupt (so that interrupting `await train(...)` stops the training instead of leaving it running
 * in the background); elsewhere none.
 */
import { kernelHook } from '../kernel/display.js';

export function abortSignal(): AbortSignal | undefined {
  return kernelHook()?.signal;
}
