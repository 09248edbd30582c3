/**
 * The amortized residual denoising autoencoder (AR-DAE; Lim et al. 2020), the score estimator of
 * Noise2Score (Kim & Ye 2021). A network g(z) is trained on z = y + tau u, u ~ N(0, I), with the loss
 * |u + tau g(z)|^2, tau drawn per example from N(0, delta^2) and delta annealed towards 0 during
 * training; the score of the data y is read out as g(y), the limit tau -> 0. At a fixed |tau| the
 * minimiser is the score of the data perturbed by N(0, tau^2 I) (denoising score matching with the
 * tau^2 weighting), so as delta -> 0 it tends to the score of the data itself. Lim et al. also feed
 * the noise level to the network (amortising over it); here, as in Noise2Score's use, the network
 * takes no tau, and delta falls linearly from `deltaMax` at the first step to `deltaMin` at the last.
 * At small delta the gradient's signal shrinks like delta^2 and its noise like delta, so the net
 * lags behind the moving optimum unless the anneal is slow (see the unit test).
 *
 * Exact case (`gaussianArdaeSlope`): for Gaussian data N(m, diag(v)) and an affine g, the population
 * loss is quadratic and its minimiser is g(z) = -(z - m) / (v + 3 delta^2) per coordinate (the fourth
 * moment of tau, 3 delta^4, adds the 3); at delta = 0 it is the exact score -(z - m) / v.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Activation } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam, type Schedule } from '../../train/transforms.js';

/** Settings of `trainArdae`: MLP widths and activation, Adam's steps, batch size and rate, and the annealed delta. */
export interface ArdaeOptions {
  /** hidden widths of the MLP ([] for an affine g) */
  hidden: number[];
  /** hidden activation (default 'relu') */
  activation?: Activation;
  steps: number;
  batchSize: number;
  /** Adam's learning rate, a number or a function of the step (0-based) */
  lr: Schedule;
  /** delta at the first step: tau ~ N(0, delta^2) per example */
  deltaMax: number;
  /** delta at the last step (linear in between) */
  deltaMin: number;
  rng: Rng;
}

/** A trained AR-DAE: the score read out at tau = 0, training losses, disposal. */
export interface ArdaeNet {
  /** the learned score g(x) of the training data's distribution at n points of dimension d (row-major) */
  score(points: Float64Array): Float64Array;
  /** training loss every `steps / 50` steps */
  losses: number[];
  /** the model's parameters as arrays, in the MLP's order (kernel, bias per layer) */
  parameters(): Float32Array[];
  /** Frees the network's tensors; `score` must not be called afterwards. */
  dispose(): void;
}

/** delta at step `step` (0-based) of `steps`: linear from `max` at the first step to `min` at the last. */
export function ardaeDelta(step: number, steps: number, max: number, min: number): number {
  if (steps <= 1) return min;
  return max + ((min - max) * step) / (steps - 1);
}

/**
 * The AR-DAE loss of a batch: mean over rows of |u + tau g|^2, for the network's output `g` at
 * y + tau u, the noise `u` (both [b, d]) and `tau` ([b, 1]).
 */
export function ardaeLoss(g: tf.Tensor2D, u: tf.Tensor2D, tau: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.add(u, tf.mul(tau, g))), 1)) as tf.Scalar);
}

/**
 * The minimiser of the AR-DAE population loss over affine g for Gaussian data with per-coordinate
 * variance `variance` and tau ~ N(0, delta^2): g(z) = slope * (z - m), slope = -1 / (variance + 3 delta^2).
 */
export function gaussianArdaeSlope(variance: number, delta: number): number {
  return -1 / (variance + 3 * delta * delta);
}

/** Train an AR-DAE on `data` (n points of dimension d, row-major): the score of the data's distribution. */
export async function trainArdae(data: Float32Array, d: number, opts: ArdaeOptions): Promise<ArdaeNet> {
  const { rng, steps } = opts;
  const n = data.length / d;
  const model = mlp({ sizes: [d, ...opts.hidden, d], activation: opts.activation }, rng.fork('init'));
  const x = tf.tensor2d(data, [n, d]);
  const b = opts.batchSize;
  const draw = rng.fork('draws');
  let step = 0;
  const objective: Objective = () => {
    const delta = ardaeDelta(step++, steps, opts.deltaMax, opts.deltaMin);
    const idx = tf.tensor1d(Int32Array.from({ length: b }, () => draw.int(n)), 'int32');
    const tau = tf.tensor2d(Float32Array.from({ length: b }, () => delta * draw.normal()), [b, 1]);
    const u = draw.normalTensor([b, d]) as tf.Tensor2D;
    const input = tf.add(tf.gather(x, idx), tf.mul(tau, u));
    return (ps) => ardaeLoss(model.apply(input, ps) as tf.Tensor2D, u, tau);
  };
  let losses: number[];
  try {
    const run = await train({ model, objective, transform: adam(opts.lr), steps, rng: rng.fork('train'), logEvery: 1, progress: 'silent', label: 'AR-DAE' });
    const every = Math.max(1, Math.floor(steps / 50));
    losses = run.history.filter((h) => (h.step - 1) % every === 0).map((h) => h.loss);
  } finally {
    x.dispose();
  }
  return {
    score: (points) => {
      const out = tf.tidy(() => model.apply(tf.tensor2d(Float32Array.from(points), [points.length / d, d])));
      const values = Float64Array.from(out.dataSync());
      out.dispose();
      return values;
    },
    losses,
    parameters: () => model.params.map((p) => Float32Array.from(p.dataSync())),
    dispose: () => model.dispose(),
  };
}
