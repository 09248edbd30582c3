/** Lists of tensors as one flat float64 vector (in list order), and back. */
import * as tf from '@tensorflow/tfjs';

export function flatten(ts: readonly tf.Tensor[]): Float64Array {
  const out = new Float64Array(ts.reduce((n, t) => n + t.size, 0));
  let off = 0;
  for (const t of ts) {
    out.set(t.dataSync(), off);
    off += t.size;
  }
  return out;
}

/** Tensors shaped like `like`, filled from consecutive parts of `flat` (caller disposes). */
export function unflatten(flat: Float64Array, like: readonly { shape: number[]; size: number }[]): tf.Tensor[] {
  const total = like.reduce((n, t) => n + t.size, 0);
  if (flat.length !== total) throw new Error(`unflatten: vector of ${flat.length} for tensors of ${total} elements`);
  let off = 0;
  return like.map((t) => {
    const part = tf.tensor(Float32Array.from(flat.subarray(off, off + t.size)), t.shape);
    off += t.size;
    return part;
  });
}
