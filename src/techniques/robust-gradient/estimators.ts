/**
 * Robust estimates of a gradient from per-example gradients ("SGD with clipping is secretly estimating
 * the median gradient", Schaipp et al. 2024): the coordinate-wise median across examples, and norm
 * clipping, which the paper shows is a median estimate across iterations. Under heavy-tailed noise the
 * mean has unbounded variance; these do not.
 */
import * as tf from '@tensorflow/tfjs';

/** Median along `axis` (the mean of the two middle values for an even count). */
export function median(t: tf.Tensor, axis = -1): tf.Tensor {
  const ax = axis < 0 ? t.rank + axis : axis;
  if (ax < 0 || ax >= t.rank) throw new Error(`median: axis ${axis} out of range for a tensor of rank ${t.rank}`);
  const n = t.shape[ax];
  if (n === 0) throw new Error('median: the axis is empty');
  return tf.tidy(() => {
    const perm = t.shape.map((_, i) => i).filter((i) => i !== ax).concat(ax);
    // topk sorts the last axis in descending order: the median is the mean of its middle one or two
    const sorted = tf.topk(tf.transpose(t, perm), n, true).values;
    return tf.mean(tf.gather(sorted, [Math.floor((n - 1) / 2), Math.floor(n / 2)], t.rank - 1), -1);
  });
}

/** Every vector along the last axis scaled down to norm at most `maxNorm` (per-example clipping). */
export function clipByNorm(t: tf.Tensor, maxNorm: number): tf.Tensor {
  if (!(maxNorm > 0)) throw new Error(`clipByNorm: maxNorm must be > 0, got ${maxNorm}`);
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(t), -1, true));
    return tf.mul(t, tf.minimum(1, tf.div(maxNorm, tf.maximum(norms, 1e-30))));
  });
}
