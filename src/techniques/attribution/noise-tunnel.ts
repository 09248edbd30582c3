/**
 * NoiseTunnel (Captum): run any attribution method on Gaussian-noised copies of each input and
 * aggregate. 'smoothgrad' averages (Smilkov et al. 2017), 'smoothgrad_sq' averages squares,
 * 'vargrad' takes the variance (Adebayo et al. 2018).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import type { Attribution } from './attribution.js';

/** How noisy attributions are aggregated: their mean (SmoothGrad), mean of squares (SmoothGrad-Squared) or variance (VarGrad). */
export type TunnelType = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';

/** Settings of a `NoiseTunnel`; `type` defaults to 'smoothgrad' and `chunk` to 256. */
export interface NoiseTunnelOptions {
  /** number of noisy samples per input */
  nSamples: number;
  /** noise standard deviation, in input units (SmoothGrad: 10-20% of the input range) */
  stdev: number;
  type?: TunnelType;
  rng: Rng;
  /** noisy copies evaluated per call of the wrapped method */
  chunk?: number;
}

/** Wraps an attribution method: attributes Gaussian-noised copies of each input and aggregates them per `TunnelType`. */
export class NoiseTunnel implements Attribution {
  readonly name: string;
  constructor(readonly method: Attribution, readonly opts: NoiseTunnelOptions) {
    if (!(opts.nSamples >= 1)) throw new Error(`NoiseTunnel: nSamples must be >= 1, got ${opts.nSamples}`);
    if (!(opts.stdev >= 0)) throw new Error(`NoiseTunnel: stdev must be >= 0, got ${opts.stdev}`);
    this.name = `${opts.type ?? 'smoothgrad'}(${method.name}, n=${opts.nSamples}, sigma=${opts.stdev})`;
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    const { nSamples, stdev, rng } = this.opts;
    const type = this.opts.type ?? 'smoothgrad';
    const b = inputs.shape[0];
    const chunk = Math.max(1, Math.floor((this.opts.chunk ?? 256) / b));
    let sum = tf.zerosLike(inputs);
    let sumSq = tf.zerosLike(inputs);
    for (let done = 0; done < nSamples; done += chunk) {
      const k = Math.min(chunk, nSamples - done);
      const [s, sq] = tf.tidy(() => {
        // k noisy copies of the whole batch, stacked along the batch axis: [k*b, ...]; the copies come
        // from broadcasting (tfjs-cpu's Tile kernel is slow)
        const noise = rng.normalTensor([k, ...inputs.shape], 0, stdev);
        const noisy = noise.add(inputs).reshape([k * b, ...inputs.shape.slice(1)]);
        const t = Array.from({ length: k * b }, (_, i) => targets[i % b]);
        const a = this.method.attribute(noisy, t).reshape([k, ...inputs.shape]);
        return [sum.add(a.sum(0)), sumSq.add(a.square().sum(0))];
      });
      sum.dispose(); sumSq.dispose();
      sum = s; sumSq = sq;
    }
    const out = tf.tidy(() => {
      const m = sum.div(nSamples);
      if (type === 'smoothgrad') return m;
      const m2 = sumSq.div(nSamples);
      return type === 'smoothgrad_sq' ? m2 : m2.sub(m.square());
    });
    sum.dispose(); sumSq.dispose();
    return out;
  }
}
