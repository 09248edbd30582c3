/**
 * How library code reaches the notebook kernel it runs in: the noiselab kernel puts this hook on the
 * global object before it runs a cell. Outside a kernel there is none and callers print instead.
 */

/** One end of a comm (the Jupyter protocol's channel between kernel code and a frontend widget). */
export interface Comm {
  readonly id: string;
  readonly targetName: string;
  /** a comm_msg to the frontend */
  send(data: unknown, metadata?: Record<string, unknown>): void;
  /** a comm_close to the frontend; the comm is gone on both sides */
  close(data?: unknown): void;
  /** called with each comm_msg's data from the frontend */
  onMsg: ((data: unknown, msg: { metadata: Record<string, unknown>; buffers: Buffer[] }) => void) | null;
  /** called once when the frontend closes the comm */
  onClose: ((data: unknown) => void) | null;
}

export interface KernelHook {
  /** a handler for comms the frontend opens with this target name (comm_open); the open message's data is passed on */
  registerCommTarget(name: string, handler: (comm: Comm, data: unknown) => void): void;
  /** opens a comm from the kernel side (comm_open to the frontend) */
  openComm(targetName: string, data?: unknown): Comm;
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
