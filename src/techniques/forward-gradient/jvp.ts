/**
 * Forward-mode derivatives for tfjs, which only has reverse mode: the double-vjp trick. For
 * y = f(x), u -> J^T u is linear in u, so J v = d/du <J^T u, v>, a reverse pass over a reverse pass
 * (exact to any order thanks to the engine's higher-order gradient registrations).
 */
import * as tf from '@tensorflow/tfjs';

/** A function of a list of tensors (parameters or inputs) to one tensor. */
export type TensorFunction = (xs: tf.Tensor[]) => tf.Tensor;

/** The value f(x) and Jacobian-vector product J v from one forward-mode pass. */
export interface JvpResult {
  /** f(x) */
  value: tf.Tensor;
  /** J v, shaped like f(x) */
  tangent: tf.Tensor;
}

/** f(x) and the Jacobian-vector product J v at x; `tangents` is aligned with `primals`. */
export function jvp(f: TensorFunction, primals: readonly tf.Tensor[], tangents: readonly tf.Tensor[]): JvpResult {
  if (tangents.length !== primals.length) throw new Error(`jvp: ${tangents.length} tangents for ${primals.length} primals`);
  tangents.forEach((v, i) => {
    if (!tf.util.arraysEqual(v.shape, primals[i].shape)) throw new Error(`jvp: tangents[${i}] has shape [${v.shape}], primals[${i}] has [${primals[i].shape}]`);
  });
  return tf.tidy(() => {
    const value = f([...primals]);
    // <J^T u, v> as a function of u; its gradient at any u (it is linear) is J v
    const vjpDotV = (u: tf.Tensor) => {
      const vjps = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(xs), u)))([...primals]);
      return tf.addN(vjps.map((g, i) => tf.sum(tf.mul(g, tangents[i])))) as tf.Scalar;
    };
    const tangent = tf.grad(vjpDotV)(tf.zerosLike(value));
    return { value, tangent };
  });
}

/** The directional derivative of a scalar function at x along v (a number). */
export function directionalDerivative(f: (xs: tf.Tensor[]) => tf.Scalar, primals: readonly tf.Tensor[], tangents: readonly tf.Tensor[]): number {
  const { value, tangent } = jvp(f, primals, tangents);
  try {
    return tangent.dataSync()[0];
  } finally {
    tf.dispose([value, tangent]);
  }
}
