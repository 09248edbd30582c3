import * as tf from '@tensorflow/tfjs';
import { dense } from '../engine/ops/dense.js';
import type { Rng } from '../random/rng.js';
import { activate, initStd, normalVariable, onesVariable, zerosVariable, type Activation, type Init, type Model } from './model.js';

/**
 * Architecture of `mlp`: layer widths, activation (default 'relu'), initialisation (default 'he') and optional
 * LayerNorm.
 */
export interface MlpSpec {
  /** layer widths from input to output, e.g. [784, 256, 256, 10] */
  sizes: number[];
  activation?: Activation;
  init?: Init;
  /**
   * 'layer': LayerNorm with a learned gain and shift before each hidden activation (the affine
   * normalization parameters that SAM-ON perturbs); their names end in /ln_gain and /ln_shift
   */
  norm?: 'layer';
}

/** Indices of a model's affine normalization parameters (gain and shift of each norm layer). */
export function normParamIndices(model: Model): number[] {
  return model.paramNames.flatMap((n, i) => (/\/ln_(gain|shift)$/.test(n) ? [i] : []));
}

const LN_EPS = 1e-5;

/** Fully connected network; inputs of any shape are flattened. */
export function mlp(spec: MlpSpec, rng: Rng): Model {
  const { sizes } = spec;
  if (sizes.length < 2) throw new Error(`mlp: sizes needs at least input and output widths, got [${sizes}]`);
  const act = spec.activation ?? 'relu';
  const init = spec.init ?? 'he';
  const layers = sizes.length - 1;
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  const add = (v: tf.Variable, name: string) => (params.push(v), paramNames.push(name), params.length - 1);
  // per layer, the indices of its parameters in `params` (kernel, bias, then gain and shift if normalized)
  const index = sizes.slice(1).map((fanOut, l) => {
    const fanIn = sizes[l];
    const kernel = add(normalVariable(rng, [fanIn, fanOut], initStd(init, fanIn, fanOut), `dense${l}/kernel`), `dense${l}/kernel`);
    const bias = add(zerosVariable([fanOut], `dense${l}/bias`), `dense${l}/bias`);
    if (spec.norm !== 'layer' || l === layers - 1) return { kernel, bias };
    const gain = add(onesVariable([fanOut], `dense${l}/ln_gain`), `dense${l}/ln_gain`);
    const shift = add(zerosVariable([fanOut], `dense${l}/ln_shift`), `dense${l}/ln_shift`);
    return { kernel, bias, gain, shift };
  });

  function run(x: tf.Tensor, ps: readonly tf.Tensor[], upTo: number): tf.Tensor2D {
    let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
    for (let l = 0; l < upTo; l++) {
      const hidden = l < layers - 1;
      const { kernel, bias, gain, shift } = index[l];
      if (gain !== undefined && shift !== undefined) {
        h = tf.add(tf.matMul(h, ps[kernel] as tf.Tensor2D), ps[bias]);
        const { mean, variance } = tf.moments(h, 1, true);
        h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, LN_EPS))), ps[gain]), ps[shift]) as tf.Tensor2D;
        h = activate(h, act) as tf.Tensor2D;
        continue;
      }
      // one fused op for matmul + bias (+ ReLU); tanh has no fused form
      h = dense(h, ps[kernel] as tf.Tensor2D, ps[bias], hidden && act === 'relu' ? 'relu' : 'linear');
      if (hidden && act !== 'relu') h = activate(h, act) as tf.Tensor2D;
    }
    return h;
  }

  return {
    name: `mlp(${sizes.join('-')},${act}${spec.norm ? ',layernorm' : ''})`,
    params,
    paramNames,
    apply: (x, ps = params) => tf.tidy(() => run(x, ps, layers)),
    features: (x, ps = params) => tf.tidy(() => run(x, ps, layers - 1)),
    dispose: () => params.forEach((p) => p.dispose()),
  };
}
