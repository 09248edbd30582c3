/**
 * Denoising score matching over a ladder of noise levels (Vincent 2011; Song & Ermon 2019): a
 * network u(x~, log sigma) with score s = u / sigma is trained on x~ = x + sigma z to minimise
 * (1/2) |sigma s + z|^2 = (1/2) |u + z|^2, sigma drawn per example from the ladder (the sigma^2
 * weighting of the paper). Its minimiser is the score of the data perturbed at each sigma. This is a
 * regression on noise, not a classification, so it has its own small loop over the same gradient
 * transformations as `train`.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { adam } from '../../train/transforms.js';
import { createYielder } from '../../util/yield.js';
import type { NoiseScore } from './mixture.js';

export interface ScoreNet {
  score: NoiseScore;
  /** training loss every `steps / 50` steps */
  losses: number[];
  dispose(): void;
}

export interface ScoreNetOptions {
  sigmas: number[];
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  rng: Rng;
}

/** Train a noise-conditional score network on `data` (n points of dimension d, row-major). */
export async function trainScoreNet(data: Float32Array, d: number, opts: ScoreNetOptions): Promise<ScoreNet> {
  const { sigmas, rng } = opts;
  const n = data.length / d;
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d] }, rng.fork('init'));
  const transform = adam(opts.lr);
  const state = transform.init(model.params);
  const x = tf.tensor2d(data, [n, d]);
  const losses: number[] = [];
  const yieldNow = createYielder();
  try {
    for (let t = 0; t < opts.steps; t++) {
      const loss = tf.tidy(() => {
        const idx = tf.tensor1d(Int32Array.from({ length: opts.batchSize }, () => rng.int(n)), 'int32');
        const sigma = tf.tensor2d(Float32Array.from({ length: opts.batchSize }, () => sigmas[rng.int(sigmas.length)]), [opts.batchSize, 1]);
        const z = rng.normalTensor([opts.batchSize, d]);
        const noisy = tf.add(tf.gather(x, idx), tf.mul(sigma, z));
        const input = tf.concat([noisy, tf.log(sigma)], 1);
        const { value, grads } = tf.variableGrads(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.add(model.apply(input), z)), 1))) as tf.Scalar, model.params);
        const updates = transform.update(model.params.map((p) => grads[p.name]), state, model.params, { step: t, rng });
        model.params.forEach((p, i) => p.assign(p.add(updates[i])));
        return value;
      });
      if (t % Math.max(1, Math.floor(opts.steps / 50)) === 0) losses.push(loss.dataSync()[0]);
      loss.dispose();
      await yieldNow();
    }
  } finally {
    transform.dispose(state);
    x.dispose();
  }
  const score: NoiseScore = (points, sigma) => {
    const m = points.length / d;
    const out = tf.tidy(() => tf.div(model.apply(tf.concat([tf.tensor2d(Float32Array.from(points), [m, d]), tf.fill([m, 1], Math.log(sigma))], 1)), sigma));
    const values = Float64Array.from(out.dataSync());
    out.dispose();
    return values;
  };
  return { score, losses, dispose: () => model.dispose() };
}
