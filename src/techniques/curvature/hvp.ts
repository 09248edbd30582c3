/**
 * Hessian-vector products by reverse-over-reverse differentiation: H v = d/dp (grad L(p) . v). The
 * one primitive of the curvature toolkit (PyHessian's design): eigenvalues, traces and densities are
 * built on it. Exact to any order thanks to the engine's higher-order gradient registrations.
 */
import * as tf from '@tensorflow/tfjs';
import { assertSecondOrderSafe, explainSecondOrderError, registerSecondOrderGradients } from './second-order.js';

registerSecondOrderGradients();

/** A scalar loss as a function of a list of parameter tensors. */
export type ParamLoss = (params: tf.Tensor[]) => tf.Scalar;

/** H v for the loss at `params` (tensors are not modified); v is aligned with params. */
export function hessianVectorProduct(loss: ParamLoss, params: readonly tf.Tensor[], v: readonly tf.Tensor[]): tf.Tensor[] {
  if (v.length !== params.length) throw new Error(`hessianVectorProduct: ${v.length} vector parts for ${params.length} parameters`);
  v.forEach((vi, i) => {
    if (!tf.util.arraysEqual(vi.shape, params[i].shape)) throw new Error(`hessianVectorProduct: v[${i}] has shape ${vi.shape}, parameter has ${params[i].shape}`);
  });
  return tf.tidy(() => {
    const gradDotV = (...ps: tf.Tensor[]) => {
      const g = tf.grads((...qs: tf.Tensor[]) => {
        const value = loss(qs);
        assertSecondOrderSafe('hessianVectorProduct', qs);
        return value;
      })(ps);
      return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, v[i])))) as tf.Scalar;
    };
    try {
      return tf.grads(gradDotV)([...params]);
    } catch (e) {
      throw explainSecondOrderError('hessianVectorProduct', e);
    }
  });
}
