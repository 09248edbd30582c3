/**
 * Attribution priors (Erion, Janizek, Sturmfels, Lundberg & Lee 2021): train on loss + lambda *
 * Omega(attributions), with the attributions by expected gradients from one (reference, path point)
 * draw per example and step, so the prior costs one extra input gradient (and its backward pass).
 * The image prior is Omega = total variation of each attribution map (anisotropic, unnormalised):
 * smooth maps, with the gradient flowing to the parameters through the input gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import type { Penalty } from '../../train/loop.js';
import { targetScore } from './attribution.js';

/** Settings of the total-variation attribution prior: the model, reference inputs, penalty weight `lambda`, random stream and map shape. */
export interface SmoothnessPriorOptions {
  model: Model;
  /** references to draw x' from (usually the training inputs), each of the inputs' size */
  references: tf.Tensor;
  lambda: number;
  rng: Rng;
  /** each input's [height, width] as a map */
  mapShape: [number, number];
}

/** Mean total variation of [b, h, w] maps (sum of absolute neighbour differences per map). */
export function meanTotalVariation(maps: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const [b, h, w] = maps.shape;
    const dx = tf.abs(tf.sub(tf.slice(maps, [0, 0, 1], [b, h, w - 1]), tf.slice(maps, [0, 0, 0], [b, h, w - 1])));
    const dy = tf.abs(tf.sub(tf.slice(maps, [0, 1, 0], [b, h - 1, w]), tf.slice(maps, [0, 0, 0], [b, h - 1, w])));
    return tf.div(tf.add(tf.sum(dx), tf.sum(dy)), b) as tf.Scalar;
  });
}

/** The image prior as a training penalty: lambda * mean TV of the true class's one-draw expected-gradients maps. */
export function smoothnessPrior(opts: SmoothnessPriorOptions): Penalty {
  const { model, references, lambda, rng, mapShape } = opts;
  if (!(lambda >= 0)) throw new Error(`smoothnessPrior: lambda must be >= 0, got ${lambda}`);
  if (mapShape[0] * mapShape[1] !== references.size / references.shape[0]) {
    throw new Error(`smoothnessPrior: mapShape [${mapShape}] does not hold an input of shape [${references.shape.slice(1)}]`);
  }
  return (x, y, params) => tf.tidy(() => {
    const b = x.shape[0];
    // references may be stored flat: drawn ones take the batch's shape
    const refs = tf.gather(references, Int32Array.from({ length: b }, () => rng.int(references.shape[0]))).reshape(x.shape);
    const alpha = tf.tensor(rng.uniformArray(b), [b, ...new Array(x.rank - 1).fill(1)]);
    const delta = tf.sub(x, refs);
    const targets = y.dataSync();
    const g = tf.grad((p: tf.Tensor) => targetScore(model, p, targets, params))(tf.add(refs, tf.mul(alpha, delta)));
    return tf.mul(lambda, meanTotalVariation(tf.mul(delta, g).reshape([b, ...mapShape]) as tf.Tensor3D)) as tf.Scalar;
  });
}
