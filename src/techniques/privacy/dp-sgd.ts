/**
 * DP-SGD (Abadi et al. 2016) for MLPs: per-example gradients clipped to norm C, summed, plus Gaussian
 * noise of std sigma C. The per-example gradients are never materialised: for a dense layer the
 * gradient of example i is the outer product h_i delta_i of its input and its output gradient, so
 * its squared norm is |h_i|^2 |delta_i|^2 ("ghost" norms) and the clipped sum is h^T (c * delta), one
 * backward pass for the whole batch.
 */
import * as tf from '@tensorflow/tfjs';
import { activate, type Activation } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';

/** An MLP given by its parameter tensors and hidden activation, for per-example gradient computation. */
export interface DenseStack {
  /** [W0, b0, W1, b1, ...] as the mlp model orders them */
  params: readonly tf.Tensor[];
  /** activation of the hidden layers (the last layer is linear) */
  activation: Activation;
}

/** The result of `clippedGradientSum`: the summed clipped gradients and the unclipped per-example norms. */
export interface ClippedSum {
  /** sum over examples of the clipped per-example gradients, aligned with params (caller disposes) */
  sum: tf.Tensor[];
  /** per-example gradient norms before clipping */
  norms: Float32Array;
}

/** Per-example softmax cross-entropy gradients of an MLP, each clipped to `clipNorm`, summed. */
export function clippedGradientSum(net: DenseStack, x: tf.Tensor, labels: tf.Tensor1D, numClasses: number, clipNorm: number): ClippedSum {
  if (!(clipNorm > 0)) throw new Error(`clippedGradientSum: clipNorm must be > 0, got ${clipNorm}`);
  if (net.params.length % 2 !== 0) throw new Error(`clippedGradientSum: params must be [W, b] pairs, got ${net.params.length} tensors`);
  const layers = net.params.length / 2;
  const n = x.shape[0];
  const out = tf.tidy(() => {
    // forward with an offset on every pre-activation: at offsets 0, the gradient of the summed loss
    // with respect to offset l is delta_l, one row per example
    const forward = (offsets: readonly tf.Tensor[] | null) => {
      const inputs: tf.Tensor2D[] = [];
      let h = x.reshape([n, -1]) as tf.Tensor2D;
      for (let l = 0; l < layers; l++) {
        inputs.push(h);
        let z = tf.add(tf.matMul(h, net.params[2 * l] as tf.Tensor2D), net.params[2 * l + 1]) as tf.Tensor2D;
        if (offsets) z = tf.add(z, offsets[l]);
        h = (l < layers - 1 ? activate(z, net.activation) : z) as tf.Tensor2D;
      }
      return { inputs, logits: h };
    };
    const summedLoss = (...offsets: tf.Tensor[]) =>
      tf.neg(tf.sum(tf.mul(tf.logSoftmax(forward(offsets).logits), tf.oneHot(labels, numClasses)))) as tf.Scalar;
    const deltas = tf.grads(summedLoss)(net.params.filter((_, i) => i % 2 === 1).map((b) => tf.zeros([n, b.shape[0]]))) as tf.Tensor2D[];
    // the layers' inputs, outside the gradient's scope (which disposes its intermediates)
    const { inputs } = forward(null);
    // |g_i|^2 = sum over layers of (|h_i|^2 + 1) |delta_i|^2 (weights and bias)
    const sq = tf.addN(deltas.map((d, l) => tf.mul(tf.add(tf.sum(tf.square(inputs[l]), 1), 1), tf.sum(tf.square(d), 1))));
    const norms = tf.sqrt(sq);
    const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norms, 1e-12))).reshape([n, 1]);
    const sum = deltas.flatMap((d, l) => {
      const cd = tf.mul(d, scale);
      return [tf.matMul(inputs[l], cd, true, false), tf.sum(cd, 0)];
    });
    return { sum, norms };
  });
  const norms = out.norms.dataSync() as Float32Array;
  out.norms.dispose();
  return { sum: out.sum, norms };
}

/**
 * The noisy gradient of one DP-SGD step: (clipped sum + N(0, (sigma C)^2)) / expectedBatch, with
 * expectedBatch = q N under Poisson sampling (the accountant's assumption).
 */
export function privatizedGradient(clipped: readonly tf.Tensor[], sigma: number, clipNorm: number, expectedBatch: number, rng: Rng): tf.Tensor[] {
  return clipped.map((g) => tf.tidy(() => tf.div(tf.add(g, rng.normalTensor(g.shape, 0, sigma * clipNorm)), expectedBatch)));
}

/** Poisson sampling: every index of [0, n) independently with probability q. */
export function poissonSample(n: number, q: number, rng: Rng): Int32Array {
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.uniform() < q) picked.push(i);
  return Int32Array.from(picked);
}
