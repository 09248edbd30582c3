/**
 * Noisy classifiers for classifier guidance: p_phi(y | x_t, t), trained on noised data x_t = alpha(t) x0 +
 * sigma(t) z, t ~ U(tMin, 1), whose input gradient grad_x log p_phi(y | x_t) stands in for the likelihood
 * score grad log p_t(y | x_t) in the conditional score grad log p_t(x | y) = score + likelihood score.
 * - 'ce': cross-entropy, the classifier of Dhariwal & Nichol 2021 and Song et al. 2021. It is fit to the
 *   class probabilities, not their input gradients, which Chao et al. 2022 show can mismatch.
 * - 'dlsm': denoising likelihood score matching (Chao et al. 2022, eq. 9): the classifier's input gradient
 *   plus the unconditional score must match the conditional denoising target grad log p(x_t | x0) =
 *   -z / sigma, (1/2) |sigma (grad_x log p_phi(y | x_t) + s(x_t)) + z|^2 with the sigma^2 weighting of
 *   DSM, plus `ceWeight` times the cross-entropy (the paper's total loss; default 1).
 * The unconditional score s is supplied (exact here, a trained score model in the paper). The DLSM loss
 * differentiates the input gradient with respect to the parameters: a second derivative, which the
 * engine builds from ordinary ops (noiselab's logSoftmax: tf.logSoftmax's gradient reads its saved output,
 * so differentiating it again drops the softmax's dependence on the parameters).
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { meanCoordinateVariance } from '../../stats/moments.js';
import { fitObjective } from '../../train/fit.js';
import { logSoftmax } from '../../train/losses.js';
import type { Objective } from '../../train/loop.js';
import type { NoisingProcess } from '../diffusion/process.js';
import type { TimeScore } from '../diffusion/samplers.js';

/** Options of {@link trainNoisyClassifier}. */
export interface NoisyClassifierOptions {
  objective: 'ce' | 'dlsm';
  /** the unconditional score, needed by 'dlsm' */
  score?: TimeScore;
  /** weight of the cross-entropy added to the DLSM loss (default 1, the paper's total loss) */
  ceWeight?: number;
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** training times are drawn from [tMin, 1] (default 1e-3) */
  tMin?: number;
  rng: Rng;
}

/** A trained noisy classifier. */
export interface NoisyClassifier {
  /** log p_phi(y | x_t) for every class, n x K */
  logProbs(x: Float64Array, t: number): Float64Array;
  /** grad_x log p_phi(y_i | x_t) at the n x d points x, for one class y or one per point */
  likelihoodScore(x: Float64Array, t: number, y: number | Int32Array): Float64Array;
  losses: number[];
  /** Frees the network's tensors; the classifier must not be used afterwards. */
  dispose(): void;
}

/** Train p_phi(y | x_t, t) on n labelled points (x: n x d row-major, labels in 0..classes-1). */
export async function trainNoisyClassifier(process: NoisingProcess, x: Float64Array, labels: Int32Array, classes: number, opts: NoisyClassifierOptions): Promise<NoisyClassifier> {
  const n = labels.length;
  const d = x.length / n;
  if (!(n >= 2 && Number.isInteger(d) && d >= 1)) throw new Error(`trainNoisyClassifier: x must hold one point per label (${n} labels, ${x.length} values)`);
  if (!(Number.isInteger(classes) && classes >= 2) || labels.some((y) => !(y >= 0 && y < classes))) throw new Error(`trainNoisyClassifier: labels must be integers in [0, ${classes}), with classes >= 2`);
  if (opts.objective !== 'ce' && opts.objective !== 'dlsm') throw new Error(`trainNoisyClassifier: objective must be 'ce' or 'dlsm', got ${String(opts.objective)}`);
  if (opts.objective === 'dlsm' && !opts.score) throw new Error('trainNoisyClassifier: the \'dlsm\' objective needs the unconditional `score`');
  const tMin = opts.tMin ?? 1e-3;
  const ceWeight = opts.ceWeight ?? 1;
  const b = opts.batchSize;
  const v = meanCoordinateVariance(x, d);
  const cIn = (t: number) => 1 / Math.sqrt(process.alpha(t) ** 2 * v + process.sigma(t) ** 2);
  const cNoise = (t: number) => Math.log(process.sigma(t)) / 4;
  const model = mlp({ sizes: [d + 1, ...opts.hidden, classes] }, opts.rng.fork('init'));
  // logits at points xt (m x d tensor) with per-point input scales and noise features (m x 1)
  const logits = (xt: tf.Tensor2D, scale: tf.Tensor2D, noise: tf.Tensor2D, ps?: readonly tf.Tensor[]) => model.apply(tf.concat([tf.mul(xt, scale), noise], 1), ps) as tf.Tensor2D;
  const objective: Objective = (_batch, draw) => {
    const idx = Int32Array.from({ length: b }, () => draw.int(n));
    const ts = Array.from({ length: b }, () => tMin + (1 - tMin) * draw.uniform());
    const z = Float64Array.from({ length: b * d }, () => draw.normal());
    const xt = new Float64Array(b * d);
    for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) xt[i * d + j] = process.alpha(ts[i]) * x[idx[i] * d + j] + process.sigma(ts[i]) * z[i * d + j];
    const col = (f: (t: number) => number) => tf.tensor2d(Float32Array.from(ts, f), [b, 1]);
    const [scale, noise, sigma] = [col(cIn), col(cNoise), col(process.sigma)];
    const xT = tf.tensor2d(Float32Array.from(xt), [b, d]);
    const yT = tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => labels[i]), 'int32'), classes);
    const ce = (ps: readonly tf.Tensor[]) => tf.neg(tf.mean(tf.sum(tf.mul(yT, logSoftmax(logits(xT, scale, noise, ps))), 1)));
    if (opts.objective === 'ce') return (ps) => ce(ps) as tf.Scalar;
    // sigma s(x_t) + z, per point at its own t: the part of the DLSM residual that does not depend on phi
    const rest = new Float32Array(b * d);
    for (let i = 0; i < b; i++) {
      const s = opts.score!(xt.subarray(i * d, (i + 1) * d), ts[i]);
      for (let j = 0; j < d; j++) rest[i * d + j] = process.sigma(ts[i]) * s[j] + z[i * d + j];
    }
    const restT = tf.tensor2d(rest, [b, d]);
    return (ps) => {
      const grad = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(yT, logSoftmax(logits(p as tf.Tensor2D, scale, noise, ps)))))(xT);
      const dlsm = tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.add(tf.mul(sigma, grad), restT)), 1)));
      // the cross-entropy term stays at weight 0 too: input gradients do not depend on the output bias, which
      // would otherwise get no gradient at all
      return tf.add(dlsm, tf.mul(ceWeight, ce(ps))) as tf.Scalar;
    };
  };
  const losses = await fitObjective(model, objective, { steps: opts.steps, lr: opts.lr, rng: opts.rng.fork('train'), label: 'trainNoisyClassifier' });
  const at = (points: Float64Array, t: number) => {
    const m = points.length / d;
    if (!Number.isInteger(m)) throw new Error(`noisy classifier: x has ${points.length} values, not a multiple of d = ${d}`);
    return { m, xt: tf.tensor2d(Float32Array.from(points), [m, d]), scale: tf.fill([m, 1], cIn(t)) as tf.Tensor2D, noise: tf.fill([m, 1], cNoise(t)) as tf.Tensor2D };
  };
  return {
    logProbs: (points, t) => {
      const out = tf.tidy(() => { const a = at(points, t); return logSoftmax(logits(a.xt, a.scale, a.noise)); });
      const values = Float64Array.from(out.dataSync());
      out.dispose();
      return values;
    },
    likelihoodScore: (points, t, y) => {
      const out = tf.tidy(() => {
        const a = at(points, t);
        const ys = typeof y === 'number' ? new Int32Array(a.m).fill(y) : y;
        if (ys.length !== a.m) throw new Error(`noisy classifier: ${ys.length} labels for ${a.m} points`);
        const onehot = tf.oneHot(tf.tensor1d(ys, 'int32'), classes);
        return tf.grad((p: tf.Tensor) => tf.sum(tf.mul(onehot, logSoftmax(logits(p as tf.Tensor2D, a.scale, a.noise)))))(a.xt);
      });
      const values = Float64Array.from(out.dataSync());
      out.dispose();
      return values;
    },
    losses,
    dispose: () => model.dispose(),
  };
}
