/**
 * Gradients through discrete (categorical) samples (Jang, Gu & Poole 2017): the Gumbel-softmax
 * relaxation y = softmax((logits + g) / tau), g ~ Gumbel(0, 1), differentiable in the logits and
 * turning into the one-hot Gumbel-max sample argmax(logits + g) as tau -> 0; and the score-function
 * (REINFORCE) estimator f(z) grad log p(z), unbiased for E f(z) but noisy.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';

/** Standard Gumbel noise -log(-log u), shape `shape`, from the seeded stream. */
export function gumbelNoise(shape: number[], rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    while (u === 0) u = rng.uniform();
    g[i] = -Math.log(-Math.log(u));
  }
  return tf.tensor(g, shape);
}

/** Gumbel-softmax samples softmax((logits + g) / tau) along the last axis; `noise` is reused when given. */
export function gumbelSoftmax(logits: tf.Tensor, tau: number, noise: tf.Tensor): tf.Tensor {
  if (!(tau > 0)) throw new Error(`gumbelSoftmax: temperature tau must be > 0, got ${tau}`);
  return tf.tidy(() => tf.softmax(tf.div(tf.add(logits, noise), tau)));
}

/** Gumbel-max: the exact categorical sample argmax(logits + g) as one-hot rows. */
export function gumbelMax(logits: tf.Tensor, noise: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.oneHot(tf.argMax(tf.add(logits, noise), -1), logits.shape.at(-1)!).toFloat());
}

/** A function of a batch of (relaxed or one-hot) category vectors [n, k], one value per row [n]. */
export type CategoryObjective = (z: tf.Tensor) => tf.Tensor;

/**
 * Per-sample Gumbel-softmax gradients of f(y) with respect to the logits [k], one row per noise row:
 * the logits are tiled so that the gradient of the sum is each row's own gradient.
 */
export function gumbelSoftmaxGradients(f: CategoryObjective, logits: tf.Tensor1D, tau: number, noise: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const tiled = tf.tile(logits.expandDims(0), [noise.shape[0], 1]);
    return tf.grad((l: tf.Tensor) => tf.sum(f(gumbelSoftmax(l, tau, noise))))(tiled) as tf.Tensor2D;
  });
}

/** Per-sample score-function (REINFORCE) gradients f(z) (onehot(z) - softmax(logits)) for categorical samples z. */
export function scoreFunctionGradients(f: CategoryObjective, logits: tf.Tensor1D, noise: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const z = gumbelMax(logits, noise);
    return tf.mul(f(z).expandDims(1), tf.sub(z, tf.softmax(logits).expandDims(0))) as tf.Tensor2D;
  });
}

/**
 * Score-function gradients with a leave-one-out baseline: row i uses f(z_i) - mean_{j != i} f(z_j),
 * which keeps the estimator unbiased (the baseline does not depend on z_i) and removes most of the
 * variance that comes from f's offset.
 */
export function scoreFunctionGradientsLoo(f: CategoryObjective, logits: tf.Tensor1D, noise: tf.Tensor2D): tf.Tensor2D {
  const n = noise.shape[0];
  if (n < 2) throw new Error(`scoreFunctionGradientsLoo: needs at least 2 samples, got ${n}`);
  return tf.tidy(() => {
    const z = gumbelMax(logits, noise);
    const values = f(z);
    const baseline = tf.div(tf.sub(tf.sum(values), values), n - 1);
    return tf.mul(tf.sub(values, baseline).expandDims(1), tf.sub(z, tf.softmax(logits).expandDims(0))) as tf.Tensor2D;
  });
}

/** The exact gradient of E_{z ~ Cat(softmax(logits))} f(z) = sum_k p_k f(e_k) with respect to the logits. */
export function exactCategoricalGradient(f: CategoryObjective, logits: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[0];
    const values = f(tf.eye(k));
    return tf.grad((l: tf.Tensor) => tf.sum(tf.mul(tf.softmax(l), values)))(logits) as tf.Tensor1D;
  });
}
