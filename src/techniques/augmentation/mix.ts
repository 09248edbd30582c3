/**
 * Batch augmentations for the training loop's `augment` option. Mixup (Zhang et al. 2018) trains on
 * convex combinations of pairs of examples and of their labels, lambda ~ Beta(alpha, alpha); cutout
 * (DeVries & Taylor 2017) zeroes a square patch at a random centre of each image (the patch may
 * extend past the border, as in the paper).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import type { BatchAugmentation } from '../../train/loop.js';

/** lambda ~ Beta(alpha, alpha) from two Gamma draws. */
export function betaSample(alpha: number, rng: Rng): number {
  const a = rng.gamma(alpha);
  const b = rng.gamma(alpha);
  return a / (a + b);
}

/** Mixup augmentation: mixes each batch with a permutation of itself at one lambda ~ Beta(alpha, alpha), alpha > 0, so the loss is lambda L(y) + (1 - lambda) L(y_perm). */
export function mixup(alpha: number): BatchAugmentation {
  if (!(alpha > 0)) throw new Error(`mixup: alpha must be > 0, got ${alpha}`);
  return ({ x, y }, rng) => {
    const lambda = betaSample(alpha, rng);
    const perm = tf.tensor1d(rng.permutation(x.shape[0]), 'int32');
    return { x: tf.add(tf.mul(lambda, x), tf.mul(1 - lambda, tf.gather(x, perm))), y, mix: { y: tf.gather(y, perm) as tf.Tensor1D, weight: lambda } };
  };
}

/** Zero a size x size square of every image in a [batch, height, width, channels] batch. */
export function cutout(size: number): BatchAugmentation {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`cutout: size must be a positive integer, got ${size}`);
  return ({ x, y }, rng) => {
    if (x.rank !== 4) throw new Error(`cutout: images must be [batch, height, width, channels], got [${x.shape}]`);
    const [n, h, w] = x.shape as [number, number, number, number];
    const mask = new Float32Array(n * h * w).fill(1);
    for (let i = 0; i < n; i++) {
      const [cy, cx] = [rng.int(h), rng.int(w)];
      const half = Math.floor(size / 2);
      for (let r = Math.max(0, cy - half); r < Math.min(h, cy - half + size); r++) {
        for (let c = Math.max(0, cx - half); c < Math.min(w, cx - half + size); c++) mask[(i * h + r) * w + c] = 0;
      }
    }
    return { x: tf.mul(x, tf.tensor4d(mask, [n, h, w, 1])), y };
  };
}

/** Add N(0, sigma^2) to every input value (training for randomized smoothing, Cohen et al. 2019). */
export function gaussianNoise(sigma: number): BatchAugmentation {
  if (!(sigma >= 0)) throw new Error(`gaussianNoise: sigma must be >= 0, got ${sigma}`);
  return ({ x, y }, rng) => ({ x: tf.add(x, rng.normalTensor(x.shape, 0, sigma)), y });
}
