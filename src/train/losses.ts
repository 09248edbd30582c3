import * as tf from '@tensorflow/tfjs';

/**
 * A loss maps (logits, integer labels) to a scalar. The training loop also passes the batch's example
 * indices, for losses that keep per-example state (early-learning regularization).
 */
export type LossFn = (logits: tf.Tensor2D, labels: tf.Tensor1D, indices?: Int32Array) => tf.Scalar;

/** Targets (1 - eps) * onehot + eps / K (Szegedy et al.); eps = 0 gives plain one-hot. */
export function smoothedTargets(labels: tf.Tensor1D, numClasses: number, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D;
    return eps === 0 ? onehot : onehot.mul(1 - eps).add(eps / numClasses);
  });
}

/**
 * log softmax along the last axis, as z - logsumexp(z) with the max subtracted for stability. The max
 * is read back and enters as a constant: logsumexp does not depend on the shift, so every derivative
 * stays exact, and no Max/Equal op (which tfjs cannot differentiate twice) is on the tape. Unlike
 * tf.logSoftmax this is differentiable to any order (Hessian-vector products need the second).
 */
export function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.tensor(tf.max(logits, 1, true).dataSync(), [logits.shape[0], 1]);
    const shifted = tf.sub(logits, m);
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true))) as tf.Tensor2D;
  });
}

/** Mean softmax cross-entropy, optionally against label-smoothed targets. */
export function crossEntropy(opts: { smoothing?: number } = {}): LossFn {
  const eps = opts.smoothing ?? 0;
  if (eps < 0 || eps >= 1) throw new Error(`crossEntropy: smoothing must be in [0, 1), got ${eps}`);
  return (logits, labels) => tf.tidy(() => {
    const t = smoothedTargets(labels, logits.shape[1], eps);
    return tf.neg(tf.mean(tf.sum(tf.mul(t, logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/**
 * Max suppression (Zhou et al. 2025): label smoothing with eps equals cross-entropy plus
 * eps * (z_true - mean_k z_k) on the logits; MaxSup penalises the top-1 logit instead,
 * eps * (z_max - mean_k z_k), so the regularization acts the same whether the prediction is right
 * or wrong (with a wrong top-1, LS's term would push the true logit down further). The max enters
 * through a one-hot mask of the argmax, so the gradient flows to the top logit only.
 */
export function maxSuppression(eps: number): LossFn {
  if (!(eps >= 0)) throw new Error(`maxSuppression: eps must be >= 0, got ${eps}`);
  const ce = crossEntropy();
  return (logits, labels) => tf.tidy(() => {
    const top = tf.oneHot(tf.argMax(logits, 1), logits.shape[1]).toFloat();
    const zMax = tf.sum(tf.mul(top, logits), 1);
    return tf.add(ce(logits, labels), tf.mul(eps, tf.mean(tf.sub(zMax, tf.mean(logits, 1))))) as tf.Scalar;
  });
}

/** Half the mean squared distance between outputs and one-hot targets (the loss of the edge-of-stability studies). */
export function squaredError(): LossFn {
  return (outputs, labels) => tf.tidy(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(outputs, tf.oneHot(labels, outputs.shape[1]).toFloat())), 1))) as tf.Scalar);
}

/**
 * Spectral decoupling (Pezeshki et al. 2021): the base loss plus (lambda / 2) times the mean squared
 * norm of the logits, which keeps a feature that is learned first from starving the others.
 */
export function spectralDecoupling(base: LossFn, lambda: number): LossFn {
  if (!(lambda >= 0)) throw new Error(`spectralDecoupling: lambda must be >= 0, got ${lambda}`);
  return (logits, labels) => tf.tidy(() => tf.add(base(logits, labels), tf.mul(lambda / 2, tf.mean(tf.sum(tf.square(logits), 1)))) as tf.Scalar);
}

/**
 * Early-learning regularization (Liu et al. 2020): cross-entropy plus lambda * mean log(1 - <t_i, p_i>),
 * where t_i is a running average (factor beta) of example i's past predictions. Early in training the
 * predictions follow the clean signal; the term then pulls each prediction toward its own history,
 * against memorizing a wrong label. The targets update on every call, so call it once per step.
 */
export function earlyLearningRegularization(opts: { examples: number; numClasses: number; beta?: number; lambda?: number }): LossFn {
  const { examples, numClasses } = opts;
  const beta = opts.beta ?? 0.7;
  const lambda = opts.lambda ?? 3;
  const targets = new Float32Array(examples * numClasses);
  const ce = crossEntropy();
  return (logits, labels, indices) => {
    if (!indices) throw new Error('earlyLearningRegularization: needs the batch indices (train passes them)');
    return tf.tidy(() => {
      const p = tf.clipByValue(tf.softmax(logits), 1e-4, 1 - 1e-4);
      const pv = p.dataSync();
      const k = numClasses;
      const t = new Float32Array(indices.length * k);
      indices.forEach((i, r) => {
        let sum = 0;
        for (let c = 0; c < k; c++) sum += pv[r * k + c];
        for (let c = 0; c < k; c++) targets[i * k + c] = beta * targets[i * k + c] + (1 - beta) * (pv[r * k + c] / sum);
        t.set(targets.subarray(i * k, (i + 1) * k), r * k);
      });
      const inner = tf.sum(tf.mul(tf.tensor2d(t, [indices.length, k]), p), 1);
      return tf.add(ce(logits, labels), tf.mul(lambda, tf.mean(tf.log(tf.sub(1, inner))))) as tf.Scalar;
    });
  };
}