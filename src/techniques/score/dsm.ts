/**
 * Denoising score matching over a ladder of noise levels (Vincent 2011; Song & Ermon 2019): a
 * network u(x~, log sigma) with score s = u / sigma is trained on x~ = x + sigma z to minimise
 * (1/2) |sigma s + z|^2 = (1/2) |u + z|^2, sigma drawn per example from the ladder (the sigma^2
 * weighting of the paper). Its minimiser is the score of the data perturbed at each sigma. It is an
 * Objective of the training loop: each step draws its examples, noise levels and noise from `rng`.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import type { NoiseScore } from './mixture.js';

/** A trained noise-conditional score network, its training losses and disposal. */
export interface ScoreNet {
  score: NoiseScore;
  /** training loss every `steps / 50` steps */
  losses: number[];
  /** Frees the network's tensors; `score` must not be called afterwards. */
  dispose(): void;
}

/** Settings of `trainScoreNet`: noise levels (each batch row draws one uniformly), MLP widths, and Adam's steps, batch size and rate. */
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
  const x = tf.tensor2d(data, [n, d]);
  const b = opts.batchSize;
  const objective: Objective = () => {
    const idx = tf.tensor1d(Int32Array.from({ length: b }, () => rng.int(n)), 'int32');
    const sigma = tf.tensor2d(Float32Array.from({ length: b }, () => sigmas[rng.int(sigmas.length)]), [b, 1]);
    const z = rng.normalTensor([b, d]);
    const input = tf.concat([tf.add(tf.gather(x, idx), tf.mul(sigma, z)), tf.log(sigma)], 1);
    return (ps) => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.add(model.apply(input, ps), z)), 1))) as tf.Scalar;
  };
  let losses: number[];
  try {
    const run = await train({ model, objective, transform: adam(opts.lr), steps: opts.steps, rng: rng.fork('train'), logEvery: 1, progress: 'silent', label: 'score net' });
    const every = Math.max(1, Math.floor(opts.steps / 50));
    losses = run.history.filter((h) => (h.step - 1) % every === 0).map((h) => h.loss);
  } finally {
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
