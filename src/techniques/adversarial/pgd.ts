/**
 * Projected gradient ascent (Madry et al. 2018) on a loss of the input, within an l2 or l-infinity
 * ball of radius eps around each example: l2 steps along the per-example normalised gradient and
 * rescales back onto the ball; l-infinity steps along the gradient's sign and clips. One step of
 * size eps in l-infinity is FGSM (Goodfellow et al. 2015). `clip` keeps the result in a valid range
 * (e.g. pixels in [0, 1]).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { BatchAugmentation } from '../../train/loop.js';
import { crossEntropy } from '../../train/losses.js';

/** Attack settings: ball radius `eps`, ascent `steps` of size `stepSize` in the `norm` ball, and an optional [min, max] range to clip inputs to. */
export interface PgdOptions {
  eps: number;
  steps: number;
  stepSize: number;
  norm: 'l2' | 'linf';
  clip?: [number, number];
}

/** Per example, the l2 norm over all non-batch axes, shaped to broadcast against t. */
function rowNorms(t: tf.Tensor): tf.Tensor {
  return tf.norm(t.reshape([t.shape[0], -1]), 2, 1, true).reshape([t.shape[0], ...new Array(t.rank - 1).fill(1)]);
}

/** The perturbed inputs x + delta, |delta| <= eps, that (locally) maximise `loss` (summed over the batch). */
export function pgd(loss: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, opts: PgdOptions): tf.Tensor {
  const { eps, steps, stepSize, norm } = opts;
  if (!(eps >= 0 && stepSize > 0 && Number.isInteger(steps) && steps >= 1)) throw new Error(`pgd: need eps >= 0, stepSize > 0 and integer steps >= 1; got ${eps}, ${stepSize}, ${steps}`);
  const gradOf = tf.grad(loss);
  let adv = x.clone();
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const g = gradOf(adv);
      const step = norm === 'l2' ? tf.div(g, tf.maximum(rowNorms(g), 1e-12)) : tf.sign(g);
      let delta = tf.sub(tf.add(adv, tf.mul(stepSize, step)), x);
      delta = norm === 'l2' ? tf.mul(delta, tf.minimum(1, tf.div(eps, tf.maximum(rowNorms(delta), 1e-12)))) : tf.clipByValue(delta, -eps, eps);
      const out = tf.add(x, delta);
      return opts.clip ? tf.clipByValue(out, opts.clip[0], opts.clip[1]) : out;
    });
    adv.dispose();
    adv = next;
  }
  return adv;
}

/**
 * Adversarial training (Madry et al. 2018) as a batch augmentation of the training loop: every batch
 * is replaced by its PGD examples against the model's current cross-entropy (the loop then descends
 * on them; the attack itself is not differentiated).
 */
export function adversarialTraining(model: Model, opts: PgdOptions): BatchAugmentation {
  const ce = crossEntropy();
  return ({ x, y }) => ({ x: pgd((xi) => ce(model.apply(xi), y), x, opts), y });
}
