/**
 * Generalised Gauss-Newton products G v = J^T H_z J v, with J the Jacobian of the model outputs z with
 * respect to the parameters and H_z the Hessian of the loss with respect to z. For softmax cross-entropy
 * G is the Fisher information of the model's predictive distribution. tfjs has no forward mode, so
 * J v is obtained with two reverse passes: J v = d/du (J^T u . v), linear in u.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLoss } from './hvp.js';
import { assertSecondOrderSafe, explainSecondOrderError } from './second-order.js';

/** Model outputs (e.g. logits) as a function of the parameters. */
export type ParamOutputs = (params: tf.Tensor[]) => tf.Tensor;
/** The loss as a function of the model outputs. */
export type OutputLoss = (outputs: tf.Tensor) => tf.Scalar;

function vjp(outputs: ParamOutputs, params: readonly tf.Tensor[], u: tf.Tensor): tf.Tensor[] {
  return tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(outputs(ps), u)))([...params]);
}

/** G v at `params`; v is aligned with params. Tensors passed in are not modified or disposed. */
export function ggnVectorProduct(outputs: ParamOutputs, loss: OutputLoss, params: readonly tf.Tensor[], v: readonly tf.Tensor[]): tf.Tensor[] {
  if (v.length !== params.length) throw new Error(`ggnVectorProduct: ${v.length} vector parts for ${params.length} parameters`);
  return tf.tidy(() => {
    try {
      const z = outputs([...params]);
      // J v: gradient in u of the linear function u -> (J^T u) . v (the backward pass's saved outputs do not
      // depend on u, so only ops with no second gradient at all matter here)
      const jv = tf.grad((u: tf.Tensor) => tf.addN(vjp(outputs, params, u).map((g, i) => tf.sum(tf.mul(g, v[i])))) as tf.Scalar)(tf.zerosLike(z));
      // H_z (J v): Hessian-vector product of the loss in the outputs
      const checked = (zz: tf.Tensor) => {
        const value = loss(zz);
        assertSecondOrderSafe('ggnVectorProduct', [zz]);
        return value;
      };
      const hjv = tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(tf.grad(checked)(zz), jv)))(z);
      return vjp(outputs, params, hjv);
    } catch (e) {
      throw explainSecondOrderError('ggnVectorProduct', e);
    }
  });
}

/** The loss of the outputs composed with the model, for the Hessian of the same objective. */
export function composeLoss(outputs: ParamOutputs, loss: OutputLoss): ParamLoss {
  return (ps) => loss(outputs(ps));
}
