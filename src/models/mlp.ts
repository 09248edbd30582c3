import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import { activate, initStd, normalVariable, zerosVariable, type Activation, type Init, type Model } from './model.js';

export interface MlpSpec {
  /** layer widths from input to output, e.g. [784, 256, 256, 10] */
  sizes: number[];
  activation?: Activation;
  init?: Init;
}

/** Fully connected network; inputs of any shape are flattened. */
export function mlp(spec: MlpSpec, rng: Rng): Model {
  const { sizes } = spec;
  if (sizes.length < 2) throw new Error(`mlp: sizes needs at least input and output widths, got [${sizes}]`);
  const act = spec.activation ?? 'relu';
  const init = spec.init ?? 'he';
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    params.push(normalVariable(rng, [fanIn, fanOut], initStd(init, fanIn, fanOut), `dense${l}/kernel`));
    params.push(zerosVariable([fanOut], `dense${l}/bias`));
    paramNames.push(`dense${l}/kernel`, `dense${l}/bias`);
  }
  const layers = sizes.length - 1;

  function run(x: tf.Tensor, ps: readonly tf.Tensor[], upTo: number): tf.Tensor2D {
    let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
    for (let l = 0; l < upTo; l++) {
      const hidden = l < layers - 1;
      // one fused kernel for matmul + bias (+ ReLU); tanh has no fused form
      h = tf.fused.matMul({ a: h, b: ps[2 * l] as tf.Tensor2D, bias: ps[2 * l + 1], activation: hidden && act === 'relu' ? 'relu' : 'linear' }) as tf.Tensor2D;
      if (hidden && act !== 'relu') h = activate(h, act) as tf.Tensor2D;
    }
    return h;
  }

  return {
    name: `mlp(${sizes.join('-')},${act})`,
    params,
    paramNames,
    apply: (x, ps = params) => tf.tidy(() => run(x, ps, layers)),
    features: (x, ps = params) => tf.tidy(() => run(x, ps, layers - 1)),
    dispose: () => params.forEach((p) => p.dispose()),
  };
}
