/**
 * A small CNN that curvature tools can differentiate twice: `cnn`'s shape (3x3 conv, ReLU, 2x2 pooling
 * blocks, then dense layers) with average pooling in place of max pooling, whose backward kernel has
 * no second derivative in tfjs (techniques/curvature/second-order refuses it). Used where per-layer
 * Hessian traces of conv and dense layers are needed (C3).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import type { CnnSpec } from './cnn.js';
import { initStd, normalVariable, zerosVariable, type Model } from './model.js';

/**
 * conv3x3-relu-avgpool blocks, then dense layers (ReLU between them); parameters alternate kernel and
 * bias, convs first ("conv{i}/kernel", then "dense{l}/kernel"), as in `cnn`.
 */
export function avgPoolCnn(spec: CnnSpec, rng: Rng): Model {
  const init = spec.init ?? 'he';
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  let [h, w, c] = spec.inputShape;
  spec.channels.forEach((out, i) => {
    params.push(normalVariable(rng, [3, 3, c, out], initStd(init, 9 * c, 9 * out), `conv${i}/kernel`));
    params.push(zerosVariable([out], `conv${i}/bias`));
    paramNames.push(`conv${i}/kernel`, `conv${i}/bias`);
    [h, w, c] = [Math.ceil(h / 2), Math.ceil(w / 2), out];
  });
  const dims = [h * w * c, ...spec.hidden, spec.numClasses];
  for (let l = 0; l + 1 < dims.length; l++) {
    params.push(normalVariable(rng, [dims[l], dims[l + 1]], initStd(init, dims[l], dims[l + 1]), `dense${l}/kernel`));
    params.push(zerosVariable([dims[l + 1]], `dense${l}/bias`));
    paramNames.push(`dense${l}/kernel`, `dense${l}/bias`);
  }
  const nConv = spec.channels.length;
  const nDense = dims.length - 1;

  function run(x: tf.Tensor, ps: readonly tf.Tensor[], dense: number): tf.Tensor2D {
    let a = (x.rank === 4 ? x : x.reshape([x.shape[0], ...spec.inputShape])) as tf.Tensor4D;
    for (let i = 0; i < nConv; i++) {
      a = tf.relu(tf.add(tf.conv2d(a, ps[2 * i] as tf.Tensor4D, 1, 'same'), ps[2 * i + 1])) as tf.Tensor4D;
      a = tf.avgPool(a, 2, 2, 'same');
    }
    let z = a.reshape([a.shape[0], -1]) as tf.Tensor2D;
    for (let l = 0; l < dense; l++) {
      const k = 2 * (nConv + l);
      z = tf.add(tf.matMul(z, ps[k] as tf.Tensor2D), ps[k + 1]) as tf.Tensor2D;
      if (l < nDense - 1) z = tf.relu(z);
    }
    return z;
  }

  return {
    name: `avgPoolCnn(${spec.channels.join('-')}|${spec.hidden.join('-')})`,
    params,
    paramNames,
    apply: (x, ps = params) => tf.tidy(() => run(x, ps, nDense)),
    features: (x, ps = params) => tf.tidy(() => run(x, ps, nDense - 1)),
    dispose: () => params.forEach((p) => p.dispose()),
  };
}
