/** Sharpness as the claims measure it: the top eigenvalue of a loss's Hessian at a model's parameters, by Lanczos. */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { hessianOperator } from '../../techniques/curvature/operator.js';
import { lanczosEigenvalues } from '../../techniques/curvature/spectrum.js';
import { crossEntropy, type LossFn } from '../../train/losses.js';

/** lambda_max of the Hessian of loss(model(x), y) in all parameters (cross-entropy unless given). */
export function sharpness(model: Model, x: tf.Tensor, y: tf.Tensor1D, opts: { steps: number; rng: Rng; loss?: LossFn }): number {
  const lossFn = opts.loss ?? crossEntropy();
  const loss = (ps: tf.Tensor[]) => lossFn(model.apply(x, ps), y);
  return lanczosEigenvalues(hessianOperator(loss, model.params), { k: 1, steps: opts.steps, rng: opts.rng })[0];
}
