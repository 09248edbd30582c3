/**
 * The two-layer ReLU network of the benign-overfitting theory (Frei et al. 2022; Xu et al. 2023):
 * f(x) = sum_j a_j relu(w_j . x) with a fixed second layer, a_j = +1/sqrt(m) for the first half of the
 * neurons and -1/sqrt(m) for the rest; only the first layer W trains. Biases are absent, as in the
 * theory. The logits are [-f/2, f/2], so softmax cross-entropy on class 1 (y = +1) is exactly the
 * logistic loss log(1 + exp(-y f)) and every classification tool of the library applies unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import { normalVariable, type Model } from './model.js';

/** Input dimension, width and initialisation of `twoLayerRelu`. */
export interface TwoLayerSpec {
  inputDim: number;
  /** number of hidden neurons m (even) */
  width: number;
  /** standard deviation of the first-layer weights at initialisation */
  initStd: number;
}

/**
 * The two-layer ReLU network above, first layer W [inputDim, width] ~ N(0, initStd^2) drawn from `rng` (its only
 * parameter); throws unless width is even and >= 2.
 */
export function twoLayerRelu(spec: TwoLayerSpec, rng: Rng): Model {
  const { inputDim, width } = spec;
  if (!(width >= 2 && width % 2 === 0)) throw new Error(`twoLayerRelu: width must be an even number >= 2, got ${width}`);
  const w = normalVariable(rng, [inputDim, width], spec.initStd, 'two_layer/kernel');
  const a = tf.tidy(() => tf.concat([tf.fill([width / 2, 1], 1 / Math.sqrt(width)), tf.fill([width / 2, 1], -1 / Math.sqrt(width))]));
  const features = (x: tf.Tensor, params?: readonly tf.Tensor[]) =>
    tf.tidy(() => tf.relu(tf.matMul(x.reshape([x.shape[0], inputDim]), (params?.[0] ?? w) as tf.Tensor2D))) as tf.Tensor2D;
  return {
    name: `two-layer relu ${inputDim}-${width}-1 (fixed output layer)`,
    params: [w],
    paramNames: ['two_layer/kernel'],
    features,
    apply: (x, params) => tf.tidy(() => {
      const f = tf.matMul(features(x, params), a);
      return tf.concat([f.mul(-0.5), f.mul(0.5)], 1) as tf.Tensor2D;
    }),
    dispose: () => tf.dispose([w, a]),
  };
}
