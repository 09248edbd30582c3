/**
 * A fully connected ReLU network with batch normalization (Ioffe & Szegedy 2015) after each hidden
 * layer's matrix product: dense (no bias; BN's shift replaces it) -> BN -> activation. In training mode a
 * batch is normalized by its own mean and (biased) variance, and each forward pass moves the running
 * statistics towards the batch's (PyTorch's convention: momentum 0.1, unbiased variance); in evaluation
 * mode the running statistics are used, so a prediction does not depend on the rest of its batch.
 *
 * A module of its own (not an option of `mlp`): the code version of every record on `mlp` stays as it is.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import { activate, initStd, normalVariable, onesVariable, zerosVariable, type Activation, type Init, type Model } from './model.js';

/** Architecture of `batchNormMlp`: layer widths, activation, initialisation and the running statistics' update. */
export interface BatchNormMlpSpec {
  /** layer widths from input to output, e.g. [196, 128, 128, 10] */
  sizes: number[];
  /** default 'relu' */
  activation?: Activation;
  /** default 'he' */
  init?: Init;
  /** weight of the batch's statistics in each update of the running ones (default 0.1) */
  momentum?: number;
  /** added to the variance before the square root (default 1e-5) */
  eps?: number;
}

/** A `Model` with batch normalization: `training` picks batch or running statistics. */
export interface BatchNormModel extends Model {
  /** true (the default): batch statistics, and the running ones updated; false: the running statistics */
  training: boolean;
  /** per hidden layer, the running mean and variance (not trained; disposed with the model) */
  readonly running: { mean: tf.Variable; variance: tf.Variable }[];
}

/** Fully connected network with batch normalization before each hidden activation; inputs are flattened. */
export function batchNormMlp(spec: BatchNormMlpSpec, rng: Rng): BatchNormModel {
  const { sizes } = spec;
  if (sizes.length < 2) throw new Error(`batchNormMlp: sizes needs at least input and output widths, got [${sizes}]`);
  const act = spec.activation ?? 'relu';
  const init = spec.init ?? 'he';
  const momentum = spec.momentum ?? 0.1;
  const eps = spec.eps ?? 1e-5;
  if (!(momentum > 0 && momentum <= 1)) throw new Error(`batchNormMlp: momentum must be in (0, 1], got ${momentum}`);
  const layers = sizes.length - 1;
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  const add = (v: tf.Variable, name: string) => (params.push(v), paramNames.push(name), params.length - 1);
  const running: BatchNormModel['running'] = [];
  const index = sizes.slice(1).map((fanOut, l) => {
    const fanIn = sizes[l];
    const kernel = add(normalVariable(rng, [fanIn, fanOut], initStd(init, fanIn, fanOut), `dense${l}/kernel`), `dense${l}/kernel`);
    if (l === layers - 1) return { kernel, bias: add(zerosVariable([fanOut], `dense${l}/bias`), `dense${l}/bias`) };
    const gain = add(onesVariable([fanOut], `dense${l}/bn_gain`), `dense${l}/bn_gain`);
    const shift = add(zerosVariable([fanOut], `dense${l}/bn_shift`), `dense${l}/bn_shift`);
    running.push(tf.tidy(() => ({ mean: tf.variable(tf.zeros([fanOut]), false), variance: tf.variable(tf.ones([fanOut]), false) })));
    return { kernel, gain, shift };
  });

  const model: BatchNormModel = {
    name: `mlp-bn(${sizes.join('-')},${act})`,
    params,
    paramNames,
    training: true,
    running,
    apply: (x, ps = params) => tf.tidy(() => run(x, ps, layers)),
    features: (x, ps = params) => tf.tidy(() => run(x, ps, layers - 1)),
    dispose: () => {
      params.forEach((p) => p.dispose());
      running.forEach((r) => { r.mean.dispose(); r.variance.dispose(); });
    },
  };

  function run(x: tf.Tensor, ps: readonly tf.Tensor[], upTo: number): tf.Tensor2D {
    let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
    for (let l = 0; l < upTo; l++) {
      const { kernel, bias, gain, shift } = index[l];
      const z = tf.matMul(h, ps[kernel] as tf.Tensor2D);
      if (bias !== undefined) { h = tf.add(z, ps[bias]) as tf.Tensor2D; continue; }
      const stats = running[l];
      let mean: tf.Tensor, variance: tf.Tensor;
      if (model.training) {
        ({ mean, variance } = tf.moments(z, 0));
        const n = z.shape[0];
        // the running statistics take the batch's values (an assignment: nothing of it reaches a gradient)
        stats.mean.assign(tf.add(tf.mul(stats.mean, 1 - momentum), tf.mul(mean, momentum)));
        const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
        stats.variance.assign(tf.add(tf.mul(stats.variance, 1 - momentum), tf.mul(unbiased, momentum)));
      } else {
        ({ mean, variance } = stats);
      }
      const normalized = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, eps)));
      h = activate(tf.add(tf.mul(normalized, ps[gain!]), ps[shift!]), act) as tf.Tensor2D;
    }
    return h;
  }
  return model;
}

/** Runs `fn` with the model in evaluation mode (running statistics), then restores its mode. */
export function inEvaluation<T>(model: BatchNormModel, fn: () => T): T {
  const was = model.training;
  model.training = false;
  try {
    return fn();
  } finally {
    model.training = was;
  }
}
