/**
 * Jacobian regularization (Hoffman, Roberts & Yaida 2019): penalise the squared Frobenius norm of
 * the Jacobian of the logits with respect to the input, (lambda / 2) ||J(x)||_F^2, averaged over the
 * batch. The norm is estimated from random projections: for v uniform on the unit sphere of the C
 * outputs, E[v v^T] = I / C, so C ||v^T J||^2 is unbiased for ||J||_F^2 and costs one input
 * gradient (and its backward pass in training) instead of C.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import type { Penalty } from '../../train/loop.js';

/** Per example, the exact ||J||_F^2 by one input gradient per output (C backward passes). */
export function jacobianFrobeniusSq(model: Model, x: tf.Tensor): Float64Array {
  const b = x.shape[0];
  const out = new Float64Array(b);
  const C = tf.tidy(() => model.apply(x.slice(0, 1)).shape[1]);
  for (let c = 0; c < C; c++) {
    // examples do not interact, so the gradient of the summed column holds each example's own row
    const sq = tf.tidy(() => {
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.slice(model.apply(xi), [0, c], [b, 1])))(x);
      return tf.sum(tf.square(g.reshape([b, -1])), 1).dataSync();
    });
    sq.forEach((v, i) => { out[i] += v; });
  }
  return out;
}

/** Per example, C ||v^T J||^2 for one v uniform on the sphere (a [b] tensor, differentiable in params). */
export function jacobianProjection(model: Model, x: tf.Tensor, rng: Rng, params?: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const C = model.apply(x.slice(0, 1), params).shape[1];
    const v = tf.tidy(() => {
      const g = rng.normalTensor([b, C]);
      return tf.div(g, tf.norm(g, 2, 1, true));
    });
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(model.apply(xi, params), v)))(x);
    return tf.mul(C, tf.sum(tf.square(g.reshape([b, -1])), 1)) as tf.Tensor1D;
  });
}

/** Settings of `jacobianPenalty`: the model, penalty weight `lambda` (>= 0), random projections per example (default 1) and random stream. */
export interface JacobianPenaltyOptions {
  model: Model;
  lambda: number;
  /** projections per example and step (the paper uses 1) */
  projections?: number;
  rng: Rng;
}

/** (lambda / 2) * batch mean of the projection estimate of ||J||_F^2, as a training penalty. */
export function jacobianPenalty(opts: JacobianPenaltyOptions): Penalty {
  const { model, lambda, rng } = opts;
  const projections = opts.projections ?? 1;
  if (!(lambda >= 0)) throw new Error(`jacobianPenalty: lambda must be >= 0, got ${lambda}`);
  if (!(Number.isInteger(projections) && projections >= 1)) throw new Error(`jacobianPenalty: projections must be an integer >= 1, got ${projections}`);
  return (x, _y, params) => tf.tidy(() => {
    const parts = Array.from({ length: projections }, () => tf.mean(jacobianProjection(model, x, rng, params)));
    return tf.mul(lambda / 2, tf.div(tf.addN(parts), projections)) as tf.Scalar;
  });
}
