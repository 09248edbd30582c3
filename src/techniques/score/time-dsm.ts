/**
 * Denoising score matching in continuous time for the noising processes of ../diffusion (Song et al.
 * 2021, eq. 7): a network u(c_in x_t, c_noise) with score s(x, t) = u / sigma(t) is trained on
 * x_t = alpha(t) x_0 + sigma(t) z, t ~ U(tMin, 1), to minimise (1/2) |u + z|^2, which is the paper's loss with the weighting lambda(t) = sigma(t)^2. Its
 * minimiser is the score of p_t at every t. The input is scaled to unit variance,
 * c_in = 1/sqrt(alpha^2 v + sigma^2) with v the data's mean per-coordinate variance, and the noise level
 * enters as c_noise = log(sigma(t)) / 4 (Karras et al. 2022's preconditioning): without them a VE process
 * feeds the network inputs of scale sigmaMax = 50 at t = 1. The training loop is the objective-based
 * {@link train}; every step draws its examples, times and noise from the loop's objective stream. Adam's
 * rate decays to 0 on a cosine: the late, small steps average the gradient noise as Song et al.'s EMA of
 * the weights does.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import type { NoisingProcess } from '../diffusion/process.js';
import type { TimeScore } from '../diffusion/samplers.js';

/** Options of {@link trainTimeScore}. */
export interface TimeScoreOptions {
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** the smallest training time (default 1e-3, the samplers' tMin; Song et al. use 1e-5 for VP) */
  tMin?: number;
  rng: Rng;
}

/** A trained time-conditional score model. */
export interface TimeScoreNet {
  score: TimeScore;
  /** the training loss at about 50 evenly spaced steps */
  losses: number[];
  /** Frees the network's tensors; `score` must not be called afterwards. */
  dispose(): void;
}

/** Train a score model s(x, t) of `process` on `data` (n points of dimension d, row-major). */
export async function trainTimeScore(process: NoisingProcess, data: Float64Array, d: number, opts: TimeScoreOptions): Promise<TimeScoreNet> {
  const n = data.length / d;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(n) && n >= 2)) throw new Error(`trainTimeScore: need d >= 1 dividing data.length (${data.length}) and at least 2 points, got d=${d}`);
  const tMin = opts.tMin ?? 1e-3;
  if (!(tMin > 0 && tMin < 1)) throw new Error(`trainTimeScore: tMin must be in (0, 1), got ${tMin}`);
  const { rng, batchSize: b } = opts;
  const v = dataVariance(data, d);
  const cIn = (t: number) => 1 / Math.sqrt(process.alpha(t) ** 2 * v + process.sigma(t) ** 2);
  const cNoise = (t: number) => Math.log(process.sigma(t)) / 4;
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d] }, rng.fork('init'));
  const x0 = tf.tensor2d(Float32Array.from(data), [n, d]);
  // per-example coefficients [alpha, sigma, c_in, c_noise] of the drawn times, b x 1 each
  const coefficients = (ts: number[]) => [process.alpha, process.sigma, cIn, cNoise].map((f) => tf.tensor2d(Float32Array.from(ts, f), [b, 1]));
  const objective: Objective = (_batch, draw) => {
    const idx = tf.tensor1d(Int32Array.from({ length: b }, () => draw.int(n)), 'int32');
    const [alpha, sigma, scaleIn, noiseIn] = coefficients(Array.from({ length: b }, () => tMin + (1 - tMin) * draw.uniform()));
    const z = draw.normalTensor([b, d]);
    const xt = tf.add(tf.mul(alpha, tf.gather(x0, idx)), tf.mul(sigma, z));
    const input = tf.concat([tf.mul(scaleIn, xt), noiseIn], 1);
    return (ps) => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.add(model.apply(input, ps), z)), 1))) as tf.Scalar;
  };
  let losses: number[];
  try {
    const run = await train({ model, objective, transform: adam(cosineDecay(opts.lr, opts.steps)), steps: opts.steps, rng: rng.fork('train'), logEvery: 1, progress: 'silent', label: 'time score net' });
    if (run.status !== 'ok') throw new Error(`trainTimeScore: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${opts.steps}`);
    const every = Math.max(1, Math.floor(opts.steps / 50));
    losses = run.history.filter((h) => (h.step - 1) % every === 0).map((h) => h.loss);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    x0.dispose();
  }
  const score: TimeScore = (points, t) => {
    const m = points.length / d;
    const out = tf.tidy(() => {
      const input = tf.concat([tf.mul(tf.tensor2d(Float32Array.from(points), [m, d]), cIn(t)), tf.fill([m, 1], cNoise(t))], 1);
      return tf.div(model.apply(input), process.sigma(t));
    });
    const values = Float64Array.from(out.dataSync());
    out.dispose();
    return values;
  };
  return { score, losses, dispose: () => model.dispose() };
}

const cosineDecay = (lr: number, steps: number) => (step: number) => 0.5 * lr * (1 + Math.cos((Math.PI * step) / steps));

/** The mean over coordinates of each coordinate's variance. */
function dataVariance(data: Float64Array, d: number): number {
  const n = data.length / d;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let [s, ss] = [0, 0];
    for (let i = 0; i < n; i++) [s, ss] = [s + data[i * d + j], ss + data[i * d + j] ** 2];
    total += ss / n - (s / n) ** 2;
  }
  return total / d;
}
