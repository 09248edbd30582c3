import type * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BufferPool } from './buffer-pool.js';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
export type KernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The cpu backend's storage of a float32 tensor, or null (other dtypes go to the cpu kernel). */
export function f32(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** Storage of native kernel outputs, recycled when their tensors are disposed (see BufferPool). */
export const outputPool = new BufferPool();

/** An uninitialised output buffer: every native kernel writes all of its output (or clears it itself). */
export function outputBuffer(n: number): Float32Array {
  return outputPool.take(n);
}
