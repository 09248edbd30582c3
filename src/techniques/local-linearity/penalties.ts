/**
 * Local-linearity regularisers against catastrophic overfitting in single-step adversarial training.
 * - ELLE (Abad Rocamora et al. 2024): for each example draw two points x_a, x_b uniformly in the l-inf
 *   ball of radius eps around x (clipped to the valid range) and alpha ~ U[0, 1]; with x_c = alpha x_a +
 *   (1 - alpha) x_b, the local linearity error
 *     E_lin = (L(x_c) - alpha L(x_a) - (1 - alpha) L(x_b))^2
 *   is zero when the loss is affine in the input along the segment and grows with its curvature (for a
 *   quadratic L(x) = x^T A x, L(x_c) - alpha L(x_a) - (1 - alpha) L(x_b) = -alpha (1 - alpha) (x_a - x_b)^T
 *   A (x_a - x_b) exactly). Three forward passes and one ordinary backward: no double backpropagation.
 * - GradAlign (Andriushchenko & Flammarion 2020): 1 - cos(grad_x L(x), grad_x L(x + eta)), eta uniform in
 *   the eps-ball; differentiating it in the parameters needs the input gradients' own gradients (double
 *   backpropagation).
 * Both are averaged over the batch. The losses are per example, functions of the inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';

/** A per-example loss: inputs [n, ...] -> losses [n]. */
export type ExampleLoss = (x: tf.Tensor) => tf.Tensor1D;

/** ELLE's random triple: two points `xa`, `xb` in the eps-ball and a mixing weight `alpha` in [0, 1] per example. */
export interface LinearityDraw {
  xa: tf.Tensor;
  xb: tf.Tensor;
  /** per example, [n] */
  alpha: tf.Tensor1D;
}

/** Uniform noise in [-eps, eps] with x's shape, from `rng` (deterministic on every backend). */
function ballNoise(x: tf.Tensor, eps: number, rng: Rng): tf.Tensor {
  return rng.uniformTensor(x.shape, -eps, eps);
}

function perExampleShape(alpha: tf.Tensor1D, x: tf.Tensor): tf.Tensor {
  return alpha.reshape([x.shape[0], ...new Array(x.rank - 1).fill(1)]);
}

/** ELLE's random triple for a batch: x_a, x_b uniform in the eps-ball (clipped to `clip`), alpha ~ U[0, 1] per example. */
export function drawLinearityTriple(x: tf.Tensor, eps: number, rng: Rng, clip?: [number, number]): LinearityDraw {
  if (!(eps >= 0)) throw new Error(`drawLinearityTriple: eps must be >= 0, got ${eps}`);
  return tf.tidy(() => {
    const cl = (t: tf.Tensor) => (clip ? tf.clipByValue(t, clip[0], clip[1]) : t);
    const xa = cl(tf.add(x, ballNoise(x, eps, rng)));
    const xb = cl(tf.add(x, ballNoise(x, eps, rng)));
    const alpha = rng.uniformTensor([x.shape[0]], 0, 1) as tf.Tensor1D;
    return { xa, xb, alpha };
  });
}

/** The per-example local linearity error (L(x_c) - alpha L(x_a) - (1 - alpha) L(x_b))^2, [n]. */
export function linearityErrors(loss: ExampleLoss, d: LinearityDraw): tf.Tensor1D {
  return tf.tidy(() => {
    const a = perExampleShape(d.alpha, d.xa);
    const xc = tf.add(tf.mul(a, d.xa), tf.mul(tf.sub(1, a), d.xb));
    const gap = tf.sub(loss(xc), tf.add(tf.mul(d.alpha, loss(d.xa)), tf.mul(tf.sub(1, d.alpha), loss(d.xb))));
    return tf.square(gap) as tf.Tensor1D;
  });
}

/** ELLE's penalty: the batch mean of the local linearity error at a fresh random triple. */
export function ellePenalty(loss: ExampleLoss, x: tf.Tensor, eps: number, rng: Rng, clip?: [number, number]): tf.Scalar {
  const d = drawLinearityTriple(x, eps, rng, clip);
  try {
    return tf.tidy(() => tf.mean(linearityErrors(loss, d)) as tf.Scalar);
  } finally {
    tf.dispose([d.xa, d.xb, d.alpha]);
  }
}

/**
 * GradAlign's penalty: batch mean of 1 - cos(grad_x L_i(x), grad_x L_i(x + eta)), eta ~ U[-eps, eps]
 * per coordinate (clipped to `clip`). `lossSum` is the summed loss, so its input gradient's rows are
 * the per-example gradients. Differentiable in whatever `lossSum` closes over (double backprop).
 */
export function gradAlignPenalty(lossSum: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps: number, rng: Rng, clip?: [number, number]): tf.Scalar {
  const noise = ballNoise(x, eps, rng);
  try {
    return tf.tidy(() => {
      const xn = clip ? tf.clipByValue(tf.add(x, noise), clip[0], clip[1]) : tf.add(x, noise);
      const g = tf.grad(lossSum);
      const n = x.shape[0];
      const g1 = g(x).reshape([n, -1]), g2 = g(xn).reshape([n, -1]);
      const cos = tf.div(tf.sum(tf.mul(g1, g2), 1), tf.add(tf.mul(tf.norm(g1, 2, 1), tf.norm(g2, 2, 1)), 1e-12));
      return tf.mean(tf.sub(1, cos)) as tf.Scalar;
    });
  } finally {
    noise.dispose();
  }
}
