/**
 * Recycled storage for the native kernels' outputs.
 *
 * A training step of the benchmark CNN allocates ~60 MB of fresh activations and gradients. Every
 * ArrayBuffer counts as V8 external memory, so that churn alone triggered a full mark-compact every
 * ~25 ms (4-6 ms each, a fifth of the step). Buffers of disposed tensors are instead kept and handed
 * out again for the next output of the same length.
 *
 * A buffer is reused only when nothing else can still see it: the cpu backend's `readSync` returns
 * its storage itself (so `dataSync()` results alias it), and some cpu kernels store a view of their
 * input (a contiguous `slice` is a `subarray`). Such buffers are marked escaped and left to the GC.
 */
export class BufferPool {
  /** free buffers by length, least recently used length first (Map keeps insertion order) */
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  /** owned buffers currently the storage of exactly one tensor */
  private readonly attached = new WeakSet<ArrayBuffer>();
  private readonly escaped = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;

  /**
   * @param maxFreeBytes bound on memory held by free buffers
   * @param minLength shorter outputs are plain allocations (not worth tracking)
   */
  constructor(readonly maxFreeBytes = 256 << 20, readonly minLength = 1024) {}

  /** An uninitialised buffer of n floats: callers write every element. */
  take(n: number): Float32Array {
    if (n < this.minLength) return fresh(n);
    const list = this.free.get(n);
    const a = list?.pop();
    if (!a) {
      const b = fresh(n);
      this.owned.add(b.buffer as ArrayBuffer);
      return b;
    }
    if (list!.length === 0) this.free.delete(n);
    this.freeBytes -= a.byteLength;
    return a;
  }

  /** Note that `values` became the storage of a tensor (the backend's write/move). */
  attach(values: unknown): void {
    const buf = this.owner(values);
    if (!buf) return;
    // a second tensor on the same buffer, or a view of part of it: no longer ours to reuse
    if (this.attached.has(buf) || (values as Float32Array).byteLength !== buf.byteLength) this.escaped.add(buf);
    else this.attached.add(buf);
  }

  /** Note that `values` is visible outside the backend (readSync's result aliases it). */
  escape(values: unknown): void {
    const buf = this.owner(values);
    if (buf) this.escaped.add(buf);
  }

  /** The tensor whose storage was `values` is gone: keep the buffer for reuse when that is safe. */
  release(values: unknown): void {
    const buf = this.owner(values);
    if (!buf || !this.attached.has(buf)) return;
    this.attached.delete(buf);
    if (this.escaped.has(buf)) return;
    const a = values as Float32Array;
    const list = this.free.get(a.length) ?? [];
    this.free.delete(a.length); // re-insert: most recently used length last
    list.push(a);
    this.free.set(a.length, list);
    this.freeBytes += a.byteLength;
    this.evict();
  }

  /** Bytes held by free buffers. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** Drop every free buffer (the GC reclaims them). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  private owner(values: unknown): ArrayBuffer | null {
    if (!(values instanceof Float32Array)) return null;
    const buf = values.buffer as ArrayBuffer;
    return this.owned.has(buf) ? buf : null;
  }

  private evict(): void {
    for (const [n, list] of this.free) {
      if (this.freeBytes <= this.maxFreeBytes) return;
      while (list.length > 0 && this.freeBytes > this.maxFreeBytes) this.freeBytes -= list.shift()!.byteLength;
      if (list.length === 0) this.free.delete(n);
    }
  }
}

/** Uninitialised storage (no memset: kernels overwrite it). */
function fresh(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}
