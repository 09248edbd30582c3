/**
 * The DP-SGD training loop (Abadi et al. 2016) for an MLP: each step draws a Poisson sample of the
 * training set (every example independently with probability q, the accountant's assumption), sums
 * the per-example cross-entropy gradients clipped to norm C (ghost norms, `clippedGradientSum`), adds
 * Gaussian noise of std sigma C, divides by the expected batch q n and takes a plain SGD step. An empty
 * sample still takes a step (the noise alone), as the accountant counts it.
 *
 * `sigma: null` trains the non-private reference (epsilon = infinity) on the same sampling: the mean
 * cross-entropy gradient of the sampled batch, no clipping, no noise; an empty sample is skipped.
 *
 * Randomness: `rng.fork('sampling')` draws the samples and `rng.fork('noise')` the noise, so the
 * private and non-private runs of one rng see the same batches.
 */
import * as tf from '@tensorflow/tfjs';
import { batchTensors, type Dataset } from '../../data/dataset.js';
import type { Activation, Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { crossEntropy } from '../../train/losses.js';
import { clippedGradientSum, poissonSample, privatizedGradient } from './dp-sgd.js';

export interface DpSgdTrainOptions {
  /** Poisson sampling rate (expected batch / n) */
  q: number;
  steps: number;
  lr: number;
  /** per-example clipping norm C */
  clipNorm: number;
  /** noise multiplier (noise std sigma C on the clipped sum); null: the non-private reference */
  sigma: number | null;
  /** hidden-layer activation of the MLP (its last layer is linear) */
  activation: Activation;
  rng: Rng;
}

export interface DpSgdTrainResult {
  /** steps that updated the parameters */
  steps: number;
  /** steps whose Poisson sample was empty */
  emptySamples: number;
  /** examples drawn over all steps */
  examples: number;
}

/** Trains `model` (an MLP: params [W0, b0, W1, b1, ...]) in place by DP-SGD, or by its non-private reference. */
export function dpSgdTrain(model: Model, data: Dataset, opts: DpSgdTrainOptions): DpSgdTrainResult {
  const n = data.y.length;
  const { q, lr, clipNorm, sigma } = opts;
  if (!(q > 0 && q <= 1)) throw new Error(`dpSgdTrain: q must be in (0, 1], got ${q}`);
  if (!(Number.isInteger(opts.steps) && opts.steps >= 0)) throw new Error(`dpSgdTrain: steps must be a non-negative integer, got ${opts.steps}`);
  if (sigma !== null && !(sigma >= 0)) throw new Error(`dpSgdTrain: sigma must be >= 0 or null, got ${sigma}`);
  const sampling = opts.rng.fork('sampling');
  const noise = opts.rng.fork('noise');
  const ce = crossEntropy();
  const result: DpSgdTrainResult = { steps: 0, emptySamples: 0, examples: 0 };
  for (let t = 0; t < opts.steps; t++) {
    const idx = poissonSample(n, q, sampling);
    result.examples += idx.length;
    if (idx.length === 0) result.emptySamples++;
    if (idx.length === 0 && sigma === null) continue;
    tf.tidy(() => {
      const batch = idx.length > 0 ? batchTensors(data, idx) : null;
      let step: tf.Tensor[];
      if (sigma === null) {
        step = tf.grads((...ps: tf.Tensor[]) => ce(model.apply(batch!.x, ps), batch!.y))(model.params);
      } else {
        const clipped = batch
          ? clippedGradientSum({ params: model.params, activation: opts.activation }, batch.x, batch.y, data.numClasses, clipNorm).sum
          : model.params.map((v) => tf.zerosLike(v));
        step = privatizedGradient(clipped, sigma, clipNorm, q * n, noise);
      }
      model.params.forEach((v, i) => v.assign(tf.sub(v, tf.mul(lr, step[i]))));
    });
    result.steps++;
  }
  return result;
}
