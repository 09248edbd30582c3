import type * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
export type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The cpu backend's storage of a float32 tensor, or null (other dtypes go to the cpu kernel). */
export function f32(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/**
 * An output buffer without zero-filling: every native kernel writes all of its output (or clears it
 * itself where it accumulates), so the memset a new Float32Array does would be wasted on multi-MB
 * activations.
 */
export function outputBuffer(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}
