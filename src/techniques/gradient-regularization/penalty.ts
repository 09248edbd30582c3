/**
 * Gradient regularization: training on L + (lambda/2) ||grad L||^2 needs the penalty's gradient,
 * grad (1/2 ||grad L||^2) = H grad L. Double backprop computes it exactly (a Hessian-vector product
 * with v = grad L); the finite-difference form of Karakida et al. (2023) needs only two gradients,
 * one after an ascent step: (grad L(theta + h grad L) - grad L(theta)) / h, with O(h) error.
 */
import * as tf from '@tensorflow/tfjs';
import { hessianVectorProduct, type ParamLoss } from '../curvature/hvp.js';

function gradient(loss: ParamLoss, params: readonly tf.Tensor[]): tf.Tensor[] {
  return tf.grads((...qs: tf.Tensor[]) => loss(qs))([...params]);
}

/** Exact gradient of (1/2)||grad L||^2 by double backprop (H grad L). */
export function penaltyGradientExact(loss: ParamLoss, params: readonly tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => hessianVectorProduct(loss, params, gradient(loss, params)));
}

/** Finite-difference gradient of (1/2)||grad L||^2: ascend by h along grad L, take the gradient there, difference. */
export function penaltyGradientFiniteDifference(loss: ParamLoss, params: readonly tf.Tensor[], h: number): tf.Tensor[] {
  if (!(h > 0)) throw new Error(`penaltyGradientFiniteDifference: step h must be > 0, got ${h}`);
  return tf.tidy(() => {
    const g = gradient(loss, params);
    const ascended = gradient(loss, params.map((p, i) => tf.add(p, tf.mul(h, g[i]))));
    return ascended.map((a, i) => tf.div(tf.sub(a, g[i]), h));
  });
}
