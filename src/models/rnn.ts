import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import { initStd, normalVariable, zerosVariable, type Model } from './model.js';

export interface RnnSpec {
  /** features per time step */
  inputSize: number;
  hidden: number;
  outputs: number;
  /**
   * recurrent weights ~ N(0, gain^2 / hidden): gain > 1 puts the network in the regime where
   * gradients through time can explode (Pascanu et al. 2013)
   */
  recurrentGain?: number;
}

/**
 * Vanilla (Elman) RNN h_t = tanh(x_t Wx + h_{t-1} Wh + b), reading out the last state: inputs
 * [batch, time, inputSize], logits [batch, outputs].
 */
export function rnn(spec: RnnSpec, rng: Rng): Model {
  const { inputSize, hidden, outputs } = spec;
  const gain = spec.recurrentGain ?? 1;
  const paramNames = ['rnn/input', 'rnn/recurrent', 'rnn/bias', 'readout/kernel', 'readout/bias'];
  const params = [
    normalVariable(rng, [inputSize, hidden], initStd('glorot', inputSize, hidden), paramNames[0]),
    normalVariable(rng, [hidden, hidden], gain / Math.sqrt(hidden), paramNames[1]),
    zerosVariable([hidden], paramNames[2]),
    normalVariable(rng, [hidden, outputs], initStd('glorot', hidden, outputs), paramNames[3]),
    zerosVariable([outputs], paramNames[4]),
  ];
  function lastState(x: tf.Tensor, ps: readonly tf.Tensor[]): tf.Tensor2D {
    if (x.rank !== 3 || x.shape[2] !== inputSize) throw new Error(`rnn: inputs must be [batch, time, ${inputSize}], got [${x.shape}]`);
    const [wx, wh, b] = ps as tf.Tensor2D[];
    // the input projection of every step at once, then the recurrence step by step
    const [batch, time] = x.shape as [number, number, number];
    const projected = tf.unstack(tf.reshape(tf.matMul(tf.reshape(x, [-1, inputSize]), wx), [batch, time, hidden]), 1) as tf.Tensor2D[];
    let h = tf.tanh(tf.add(projected[0], b)) as tf.Tensor2D;
    for (let t = 1; t < projected.length; t++) h = tf.tanh(tf.add(tf.add(projected[t], tf.matMul(h, wh)), b)) as tf.Tensor2D;
    return h;
  }
  return {
    name: `rnn(${inputSize}-${hidden}-${outputs},gain ${gain})`,
    params,
    paramNames,
    apply: (x, ps = params) => tf.tidy(() => tf.add(tf.matMul(lastState(x, ps), ps[3] as tf.Tensor2D), ps[4]) as tf.Tensor2D),
    features: (x, ps = params) => tf.tidy(() => lastState(x, ps)),
    dispose: () => params.forEach((p) => p.dispose()),
  };
}
