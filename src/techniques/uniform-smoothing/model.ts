/**
 * A small CNN whose attributions can be attacked by gradient: strided 3x3 convolutions (no pooling, whose
 * gradients tfjs cannot differentiate again) with ReLU, then a dense layer. Its `surrogate(beta)` shares the
 * parameters but uses softplus_beta(z) = softplus(beta z) / beta, whose input Hessian is not zero almost
 * everywhere: attribution attacks on ReLU networks differentiate such a surrogate (Dombrowski et al. 2019)
 * and evaluate the ReLU network itself.
 */
import * as tf from '@tensorflow/tfjs';
import { initStd, normalVariable, zerosVariable, type Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';

/** Architecture of a `stridedCnn`: input shape, channels of each stride-2 convolution and class count. */
export interface StridedCnnSpec {
  /** [height, width, channels] of one input */
  inputShape: [number, number, number];
  /** output channels of each stride-2 3x3 convolution */
  channels: number[];
  numClasses: number;
}

/** A ReLU strided CNN that can also hand out its softplus surrogate. */
export interface StridedCnn extends Model {
  /** the same network (same variables) with softplus_beta in place of ReLU; disposing it disposes nothing */
  surrogate(beta: number): Model;
}

/** A strided ReLU CNN with He-normal kernels and zero biases; its surrogates share its variables. */
export function stridedCnn(spec: StridedCnnSpec, rng: Rng): StridedCnn {
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  let [h, w, c] = spec.inputShape;
  spec.channels.forEach((out, i) => {
    params.push(normalVariable(rng, [3, 3, c, out], initStd('he', 9 * c, 9 * out), `sconv${i}/kernel`), zerosVariable([out], `sconv${i}/bias`));
    paramNames.push(`conv${i}/kernel`, `conv${i}/bias`);
    [h, w, c] = [Math.ceil(h / 2), Math.ceil(w / 2), out];
  });
  params.push(normalVariable(rng, [h * w * c, spec.numClasses], initStd('he', h * w * c, spec.numClasses), 'sdense/kernel'), zerosVariable([spec.numClasses], 'sdense/bias'));
  paramNames.push('dense/kernel', 'dense/bias');
  const n = spec.channels.length;

  function run(x: tf.Tensor, ps: readonly tf.Tensor[], act: (z: tf.Tensor) => tf.Tensor, logits: boolean): tf.Tensor2D {
    let a = (x.rank === 4 ? x : x.reshape([x.shape[0], ...spec.inputShape])) as tf.Tensor4D;
    for (let i = 0; i < n; i++) a = act(tf.add(tf.conv2d(a, ps[2 * i] as tf.Tensor4D, 2, 'same'), ps[2 * i + 1])) as tf.Tensor4D;
    const z = a.reshape([a.shape[0], -1]) as tf.Tensor2D;
    return logits ? (tf.add(tf.matMul(z, ps[2 * n] as tf.Tensor2D), ps[2 * n + 1]) as tf.Tensor2D) : z;
  }
  const make = (name: string, act: (z: tf.Tensor) => tf.Tensor, dispose: () => void): Model => ({
    name, params, paramNames,
    apply: (x, ps = params) => tf.tidy(() => run(x, ps, act, true)),
    features: (x, ps = params) => tf.tidy(() => run(x, ps, act, false)),
    dispose,
  });
  const base = make(`strided-cnn(${spec.channels.join('-')})`, tf.relu, () => params.forEach((p) => p.dispose()));
  return {
    ...base,
    surrogate: (beta: number) => make(`${base.name}, softplus beta ${beta}`, (z) => tf.div(tf.softplus(tf.mul(z, beta)), beta), () => {}),
  };
}
