/**
 * The native backend recycles its kernels' output buffers: reuse must happen (it is what keeps V8's
 * GC quiet during training) and must never hand out storage that something can still read.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonPath } from '../src/engine/native/addon.js';
import { BufferPool } from '../src/engine/native/buffer-pool.js';
import { registerNativeBackend } from '../src/engine/native/index.js';

describe('BufferPool', () => {
  it('hands a released buffer out again for the same length, and only then', () => {
    const pool = new BufferPool(1 << 20, 4);
    const a = pool.take(100);
    pool.attach(a);
    pool.release(a);
    expect(pool.heldBytes).toBe(400);
    expect(pool.take(99)).not.toBe(a);
    expect(pool.take(100)).toBe(a);
    expect(pool.heldBytes).toBe(0);
  });

  it('never reuses a buffer that escaped, is shared, is viewed, or was never attached', () => {
    const pool = new BufferPool(1 << 20, 4);
    const escaped = pool.take(10);
    pool.attach(escaped);
    pool.escape(escaped);
    const shared = pool.take(10);
    pool.attach(shared);
    pool.attach(shared); // a second tensor on the same storage
    const viewed = pool.take(10);
    pool.attach(viewed);
    pool.attach(viewed.subarray(2, 5)); // a slice's storage
    const loose = pool.take(10);
    for (const b of [escaped, shared, viewed, loose]) pool.release(b);
    expect(pool.heldBytes).toBe(0);
    const foreign = new Float32Array(10); // not the pool's: ignored
    pool.attach(foreign);
    pool.release(foreign);
    expect(pool.heldBytes).toBe(0);
  });

  it('keeps at most maxFreeBytes, dropping the least recently used lengths first', () => {
    const pool = new BufferPool(1000, 4);
    const bufs = [50, 100, 150].map((n) => pool.take(n));
    for (const b of bufs) { pool.attach(b); pool.release(b); }
    // 200 + 400 + 600 bytes > 1000: the 50-float buffer went first
    expect(pool.heldBytes).toBe(1000);
    expect(pool.take(50)).not.toBe(bufs[0]);
    expect(pool.take(150)).toBe(bufs[2]);
  });

  it('does not track outputs shorter than minLength', () => {
    const pool = new BufferPool(1 << 20, 64);
    const a = pool.take(10);
    pool.attach(a);
    pool.release(a);
    expect(pool.heldBytes).toBe(0);
  });
});

describe.runIf(existsSync(addonPath()) || process.env.CI)('native backend output reuse', () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    await registerNativeBackend();
    await tf.setBackend('native');
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });
  const storage = (t: tf.Tensor) => (tf.backend() as unknown as { data: { get(id: unknown): { values: unknown } } }).data.get(t.dataId).values;
  const n = 5000;
  const input = (v: number) => tf.fill([n], v);

  it('reuses the storage of a disposed output for the next output of that size', () => {
    const x = input(2);
    const before = tf.memory().numTensors;
    const a = tf.relu(x);
    const buf = storage(a);
    a.dispose();
    const b = tf.relu(x);
    expect(storage(b)).toBe(buf);
    b.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('keeps what dataSync returned intact after the tensor is disposed', () => {
    const [x, y] = [input(3), input(-5)];
    const a = tf.relu(x);
    const seen = a.dataSync();
    a.dispose();
    const b = tf.neg(y);
    expect(seen[0]).toBe(3);
    expect(seen[n - 1]).toBe(3);
    tf.dispose([b, x, y]);
  });

  it('keeps a slice (a view of the storage) intact after its source is disposed', () => {
    const [x, y] = [input(4), input(7)];
    const a = tf.relu(x);
    const s = a.slice(0, n - 1000);
    a.dispose();
    const b = tf.neg(y);
    const c = tf.relu(y);
    expect(s.dataSync()[0]).toBe(4);
    tf.dispose([s, b, c, x, y]);
  });

  it('keeps a reshaped output (same storage, two tensors) intact', () => {
    const [x, y] = [input(6), input(8)];
    const a = tf.relu(x);
    const r = a.reshape([50, n / 50]);
    a.dispose();
    const b = tf.relu(y);
    expect(r.dataSync()[0]).toBe(6);
    tf.dispose([r, b, x, y]);
  });
});
