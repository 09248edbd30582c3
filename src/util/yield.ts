/**
 * Long computations give the event loop a turn every few tens of milliseconds. In a notebook this is
 * what lets the kernel send output (tslab's zeromq socket refuses a second queued send until the loop
 * turns) and act on an interrupt; elsewhere it costs a setImmediate per interval.
 */
export function createYielder(intervalMs = 50): () => Promise<void> | void {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    return new Promise<void>((ok) => setImmediate(() => { last = performance.now(); ok(); }));
  };
}
