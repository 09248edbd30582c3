import * as tf from '@tensorflow/tfjs';

/** A loss maps (logits, integer labels) to a scalar. */
export type LossFn = (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;

/** Targets (1 - eps) * onehot + eps / K (Szegedy et al.); eps = 0 gives plain one-hot. */
export function smoothedTargets(labels: tf.Tensor1D, numClasses: number, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D;
    return eps === 0 ? onehot : onehot.mul(1 - eps).add(eps / numClasses);
  });
}

/** Mean softmax cross-entropy, optionally against label-smoothed targets. */
export function crossEntropy(opts: { smoothing?: number } = {}): LossFn {
  const eps = opts.smoothing ?? 0;
  if (eps < 0 || eps >= 1) throw new Error(`crossEntropy: smoothing must be in [0, 1), got ${eps}`);
  return (logits, labels) => tf.tidy(() => {
    const t = smoothedTargets(labels, logits.shape[1], eps);
    return tf.neg(tf.mean(tf.sum(tf.mul(t, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}
