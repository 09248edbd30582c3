/**
 * Virtual adversarial training (Miyato, Maeda, Koyama & Ishii 2018): the local smoothness of the
 * predicted distribution, KL(p(.|x) || p(.|x + r_adv)), where r_adv (length eps) is the direction in
 * which the prediction changes fastest. That direction is the top eigenvector of the KL's Hessian
 * at r = 0, found by power iteration with finite differences: d <- normalise(grad_r KL(p(x) ||
 * p(x + xi d))). It needs no labels, so the penalty is taken on unlabeled data (semi-supervised).
 * p(x) and r_adv enter as constants, as in the paper.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import type { Penalty } from '../../train/loop.js';
import { logSoftmax } from '../../train/losses.js';

/** Settings of the virtual adversarial perturbation (radius, power-iteration step and count, random stream). */
export interface VatOptions {
  /** length of the virtual adversarial perturbation */
  eps: number;
  /**
   * finite-difference step of the power iteration; default 1e-3, since at the paper's 1e-6 the
   * change in the probabilities is near float32's resolution
   */
  xi?: number;
  /** power iterations (the paper: 1) */
  iterations?: number;
  rng: Rng;
}

/** Each example's vector divided by its l2 norm (over all non-batch axes). */
function normalizeRows(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const flat = t.reshape([t.shape[0], -1]);
    return tf.div(flat, tf.maximum(tf.norm(flat, 2, 1, true), 1e-12)).reshape(t.shape);
  });
}

/** KL(p || softmax(logits)) per batch, mean over examples; p given as log-probabilities. */
function meanKl(logP: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logSoftmax(logits))), 1)) as tf.Scalar);
}

/** Read back a tensor as a constant (no gradient flows through it). */
const constant = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape);

/** The unit direction (per example) in which the model's prediction at x changes fastest. */
export function virtualAdversarialDirection(model: Model, x: tf.Tensor, opts: VatOptions, params?: readonly tf.Tensor[]): tf.Tensor {
  const xi = opts.xi ?? 1e-3;
  return tf.tidy(() => {
    const logP = constant(logSoftmax(model.apply(x, params))) as tf.Tensor2D;
    let d = normalizeRows(opts.rng.normalTensor(x.shape));
    for (let k = 0; k < (opts.iterations ?? 1); k++) {
      const g = tf.grad((r: tf.Tensor) => meanKl(logP, model.apply(tf.add(x, r), params)))(tf.mul(xi, d));
      d = normalizeRows(constant(g));
    }
    return d;
  });
}

/** Mean KL(p(x) || p(x + eps d_adv)), differentiable in the parameters through p(x + r_adv) only. */
export function vatLoss(model: Model, x: tf.Tensor, opts: VatOptions, params?: readonly tf.Tensor[]): tf.Scalar {
  if (!(opts.eps > 0)) throw new Error(`vatLoss: eps must be > 0, got ${opts.eps}`);
  return tf.tidy(() => {
    const logP = constant(logSoftmax(model.apply(x, params))) as tf.Tensor2D;
    const r = tf.mul(opts.eps, virtualAdversarialDirection(model, x, opts, params));
    return meanKl(logP, model.apply(tf.add(x, r), params));
  });
}

/** VAT settings plus the model, the unlabeled pool, its batch size and the penalty weight. */
export interface VatPenaltyOptions extends VatOptions {
  model: Model;
  /** the unlabeled pool; each call draws `batchSize` examples from it */
  unlabeled: tf.Tensor;
  batchSize: number;
  /** weight of the VAT term */
  alpha: number;
}

/** alpha * VAT loss on a fresh batch of unlabeled examples, as a training penalty (the labeled batch is not used). */
export function vatPenalty(opts: VatPenaltyOptions): Penalty {
  const { model, unlabeled, batchSize, alpha, rng } = opts;
  if (!(alpha >= 0)) throw new Error(`vatPenalty: alpha must be >= 0, got ${alpha}`);
  return (_x, _y, params) => tf.tidy(() => {
    const batch = tf.gather(unlabeled, Int32Array.from({ length: batchSize }, () => rng.int(unlabeled.shape[0])));
    return tf.mul(alpha, vatLoss(model, batch, opts, params)) as tf.Scalar;
  });
}
