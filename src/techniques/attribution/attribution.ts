/**
 * Attribution methods as in Captum: each has one `attribute(inputs, targets)` call returning a
 * tensor shaped like the inputs, and wrappers (NoiseTunnel) compose with any method.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';

/** An attribution method: maps a batch of inputs and target classes to per-input attribution maps of the inputs' shape. */
export interface Attribution {
  readonly name: string;
  /** inputs [batch, ...]; targets: one class index per input */
  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor;
}

/**
 * Sum over the batch of logits[i, target_i]: its input gradient is each example's own gradient.
 * `params` evaluates the model at other parameter values (for penalties on attributions in training).
 */
export function targetScore(model: Model, x: tf.Tensor, targets: ArrayLike<number>, params?: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const logits = model.apply(x, params);
    const [b, k] = logits.shape;
    // a mask built directly (tf.oneHot rejects single-output models)
    const mask = new Float32Array(b * k);
    for (let i = 0; i < b; i++) {
      const t = targets[i];
      if (!(Number.isInteger(t) && t >= 0 && t < k)) throw new Error(`target ${t} for input ${i} is not a class index in 0..${k - 1}`);
      mask[i * k + t] = 1;
    }
    return tf.sum(tf.mul(logits, tf.tensor2d(mask, [b, k]))) as tf.Scalar;
  });
}

/** Vanilla gradient of the target logit with respect to the input (Simonyan et al. 2013). */
export class Saliency implements Attribution {
  readonly name = 'gradient';
  constructor(readonly model: Model) {}

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    if (targets.length !== inputs.shape[0]) {
      throw new Error(`Saliency.attribute: ${targets.length} targets for a batch of ${inputs.shape[0]}`);
    }
    return tf.tidy(() => tf.grad((x: tf.Tensor) => targetScore(this.model, x, targets))(inputs));
  }
}
