/**
 * Forward-gradient estimators (Baydin et al.; Fournier et al., "Can forward gradient match
 * backpropagation?"): the directional derivative along a guess v, from one forward-mode pass, times
 * the guess. With v ~ N(0, I), (grad . v) v is an unbiased estimate of the gradient whose cosine with
 * it shrinks like 1/sqrt(d); a guess that already points near the gradient (for instance the gradient
 * of a local loss) is used projected, (grad . v) v / |v|^2, and is as good as its alignment.
 * Vectors are flat Float64Arrays over the concatenated parameters, as in the curvature toolkit.
 */
import * as tf from '@tensorflow/tfjs';
import { dot, norm } from '../../linalg/vectors.js';
import type { ParamLoss } from '../curvature/hvp.js';
import { unflatten } from '../../util/flat.js';
import { directionalDerivative } from './jvp.js';

/** Cosine similarity a . b / (|a| |b|), in [-1, 1] (NaN if either vector is zero). */
export function cosine(a: Float64Array, b: Float64Array): number {
  return dot(a, b) / (norm(a) * norm(b));
}

/** A forward-gradient estimate and the directional derivative it was built from. */
export interface ForwardGradient {
  /** the gradient estimate, flat over the concatenated params */
  estimate: Float64Array;
  /** grad . v, from one jvp */
  directional: number;
}

/**
 * (grad . v) v, unbiased for Gaussian v; with `project`, (grad . v) v / |v|^2, the gradient's
 * component along v (for guesses that are not isotropic).
 */
export function forwardGradient(loss: ParamLoss, params: readonly tf.Tensor[], guess: Float64Array, opts: { project?: boolean } = {}): ForwardGradient {
  const tangents = unflatten(guess, params);
  try {
    const directional = directionalDerivative(loss, params, tangents);
    const scale = opts.project ? directional / dot(guess, guess) : directional;
    return { directional, estimate: guess.map((g) => g * scale) };
  } finally {
    tf.dispose(tangents);
  }
}
