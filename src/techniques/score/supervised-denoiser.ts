/**
 * The supervised baseline of self-supervised denoising ("Noise2Clean"): an MLP f trained on pairs of
 * noisy and clean vectors to minimise |f(y) - x|^2, whose minimiser is the posterior mean E[x | y],
 * the MMSE denoiser. Noise2Score compares its score-based denoiser with such a network; here it has
 * the same widths and budget as the score network it is compared with.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Activation } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam, type Schedule } from '../../train/transforms.js';

/** Settings of `trainSupervisedDenoiser`: MLP widths and activation, Adam's steps, batch size and rate. */
export interface SupervisedDenoiserOptions {
  hidden: number[];
  /** hidden activation (default 'relu') */
  activation?: Activation;
  steps: number;
  batchSize: number;
  lr: Schedule;
  rng: Rng;
}

/** A trained supervised denoiser: denoise, training losses, disposal. */
export interface SupervisedDenoiser {
  /** f(y) at n noisy points of dimension d (row-major) */
  denoise(noisy: Float64Array): Float64Array;
  /** training loss (mean over rows of |f(y) - x|^2) every `steps / 50` steps */
  losses: number[];
  /** Frees the network's tensors; `denoise` must not be called afterwards. */
  dispose(): void;
}

/** Train f on aligned `noisy` and `clean` (n points of dimension d each, row-major) by least squares. */
export async function trainSupervisedDenoiser(noisy: Float32Array, clean: Float32Array, d: number, opts: SupervisedDenoiserOptions): Promise<SupervisedDenoiser> {
  if (noisy.length !== clean.length) throw new Error(`trainSupervisedDenoiser: ${noisy.length} noisy vs ${clean.length} clean values`);
  const n = noisy.length / d;
  const model = mlp({ sizes: [d, ...opts.hidden, d], activation: opts.activation }, opts.rng.fork('init'));
  const [y, x] = [tf.tensor2d(noisy, [n, d]), tf.tensor2d(clean, [n, d])];
  const b = opts.batchSize;
  const draw = opts.rng.fork('draws');
  const objective: Objective = () => {
    const idx = tf.tensor1d(Int32Array.from({ length: b }, () => draw.int(n)), 'int32');
    const [yb, xb] = [tf.gather(y, idx), tf.gather(x, idx)];
    return (ps) => tf.mean(tf.sum(tf.square(tf.sub(model.apply(yb, ps), xb)), 1)) as tf.Scalar;
  };
  let losses: number[];
  try {
    const run = await train({ model, objective, transform: adam(opts.lr), steps: opts.steps, rng: opts.rng.fork('train'), logEvery: 1, progress: 'silent', label: 'supervised denoiser' });
    const every = Math.max(1, Math.floor(opts.steps / 50));
    losses = run.history.filter((h) => (h.step - 1) % every === 0).map((h) => h.loss);
  } finally {
    y.dispose();
    x.dispose();
  }
  return {
    denoise: (points) => {
      const out = tf.tidy(() => model.apply(tf.tensor2d(Float32Array.from(points), [points.length / d, d])));
      const values = Float64Array.from(out.dataSync());
      out.dispose();
      return values;
    },
    losses,
    dispose: () => model.dispose(),
  };
}
