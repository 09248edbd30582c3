/**
 * How library code reaches the notebook kernel it runs in: the noiselab kernel puts this hook on the
 * global object before it runs a cell. Outside a kernel there is none and callers print instead.
 */

export interface KernelHook {
  /** a display_data message with this MIME bundle (include text/plain); with an id it can be updated */
  display(data: Record<string, unknown>, opts?: { displayId?: string; update?: boolean }): void;
  /** clears the cell's output now, or (wait) when the next output arrives */
  clearOutput(wait?: boolean): void;
  /** a line typed by the user in the frontend (input_request); refused where the frontend allows none */
  input(prompt: string, opts?: { password?: boolean }): Promise<string>;
  /** aborted when the user interrupts the running cell: long loops observe it and return what they have */
  readonly signal: AbortSignal;
}

const KEY = Symbol.for('noiselab.kernel');

export function kernelHook(): KernelHook | null {
  return ((globalThis as Record<symbol, unknown>)[KEY] as KernelHook | undefined) ?? null;
}

export function installKernelHook(hook: KernelHook): void {
  (globalThis as Record<symbol, unknown>)[KEY] = hook;
}
