/**
 * Uniformly smoothed attributions: h(x) = E_{eta ~ U(B(0, r))} g(x + eta), estimated by the mean over n
 * points drawn uniformly in the l2 ball (direction Gaussian / norm, radius r U^(1/D)). With `normalize`, each
 * sample map is scaled to unit l2 norm first, so ||g|| <= 1 = M exactly and the certificate of
 * ./certificate.ts applies with bound 1 (the cosine of two maps ignores their scale).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import type { Attribution } from '../attribution/attribution.js';

/** k points, each uniform in the l2 ball of radius r in R^(shape) (D = the product of shape), as a tensor [k, ...shape]. */
export function ballNoise(rng: Rng, k: number, shape: number[], r: number): tf.Tensor {
  const dim = shape.reduce((a, b) => a * b, 1);
  const z = rng.normalArray(k * dim);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += z[i * dim + j] ** 2;
    const scale = (r * Math.pow(rng.uniform(), 1 / dim)) / Math.sqrt(s);
    for (let j = 0; j < dim; j++) z[i * dim + j] *= scale;
  }
  return tf.tensor(z, [k, ...shape], 'float32');
}

/** Each map of a batch [b, ...] scaled to unit l2 norm (a zero map stays zero). */
export function unitMaps(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const flat = a.reshape([a.shape[0], -1]);
    const norm = flat.square().sum(1, true).sqrt().maximum(1e-30);
    return flat.div(norm).reshape(a.shape);
  });
}

/** An attribution method whose maps are scaled to unit norm (the bounded map g of the certificate, M = 1). */
export class UnitAttribution implements Attribution {
  readonly name: string;
  constructor(readonly method: Attribution) {
    this.name = `unit(${method.name})`;
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    return tf.tidy(() => unitMaps(this.method.attribute(inputs, targets)));
  }
}

/** Settings of `UniformSmoothing`: samples per input, ball radius (input units), random stream and batch chunk (default 256 noisy examples per call). */
export interface UniformSmoothingOptions {
  nSamples: number;
  /** radius of the l2 ball the noise is uniform in */
  radius: number;
  rng: Rng;
  /** noisy copies per call of the wrapped method */
  chunk?: number;
}

/** The Monte Carlo uniformly smoothed attribution of any method (NoiseTunnel with ball noise and the mean). */
export class UniformSmoothing implements Attribution {
  readonly name: string;
  constructor(readonly method: Attribution, readonly opts: UniformSmoothingOptions) {
    if (!(opts.nSamples >= 1 && opts.radius >= 0)) throw new Error(`UniformSmoothing: need nSamples >= 1 and radius >= 0, got ${opts.nSamples}, ${opts.radius}`);
    this.name = `uniform-smoothed(${method.name}, n=${opts.nSamples}, r=${opts.radius})`;
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    const b = inputs.shape[0];
    const chunk = Math.max(1, Math.floor((this.opts.chunk ?? 256) / b));
    let sum = tf.zerosLike(inputs);
    for (let done = 0; done < this.opts.nSamples; done += chunk) {
      const k = Math.min(chunk, this.opts.nSamples - done);
      const next = tf.tidy(() => {
        const noisy = ballNoise(this.opts.rng, k * b, inputs.shape.slice(1), this.opts.radius).reshape([k, ...inputs.shape]).add(inputs).reshape([k * b, ...inputs.shape.slice(1)]);
        const t = Array.from({ length: k * b }, (_, i) => targets[i % b]);
        return sum.add(this.method.attribute(noisy, t).reshape([k, ...inputs.shape]).sum(0));
      });
      sum.dispose();
      sum = next;
    }
    const out = sum.div(this.opts.nSamples);
    sum.dispose();
    return out;
  }
}
