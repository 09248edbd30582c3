/**
 * Elementwise arithmetic over a list of tensors (one per parameter) as one op: on the native backend
 * one kernel call for the whole list instead of one per tensor, which for a 20-layer MLP's 42
 * parameters is most of an optimizer step's engine time. The same float32 arithmetic as tf.mul and
 * tf.add, so results are bit-identical. Not differentiable (updates never are here).
 */
import * as tf from '@tensorflow/tfjs';
import { AXPY_KERNEL } from './kernels.js';

function native(ts: readonly tf.Tensor[]): boolean {
  return tf.getKernel(AXPY_KERNEL, tf.getBackend()) !== undefined && ts.every((t) => t.dtype === 'float32');
}

function axpy(xs: readonly tf.Tensor[], alpha: number, ys: readonly tf.Tensor[] | null): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = {};
  xs.forEach((x, i) => { inputs[`x${i}`] = x; if (ys) inputs[`y${i}`] = ys[i]; });
  return tf.engine().runKernel(AXPY_KERNEL, inputs, { alpha, count: xs.length, withY: ys !== null } as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** alpha x_i for every tensor of the list. */
export function scaleAll(xs: readonly tf.Tensor[], alpha: number): tf.Tensor[] {
  if (!xs.length) return [];
  return native(xs) ? axpy(xs, alpha, null) : xs.map((x) => tf.mul(x, alpha));
}

/** x_i + y_i for two lists of tensors of equal shapes. */
export function addAll(xs: readonly tf.Tensor[], ys: readonly tf.Tensor[]): tf.Tensor[] {
  if (xs.length !== ys.length) throw new Error(`addAll: ${xs.length} vs ${ys.length} tensors`);
  xs.forEach((x, i) => { if (!tf.util.arraysEqual(x.shape, ys[i].shape)) throw new Error(`addAll: tensor ${i} has shape [${x.shape}] vs [${ys[i].shape}]`); });
  if (!xs.length) return [];
  return native([...xs, ...ys]) ? axpy(xs, 1, ys) : xs.map((x, i) => tf.add(x, ys[i]));
}
