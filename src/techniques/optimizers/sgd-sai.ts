/**
 * SGD-SaI (Xu et al. 2024, "No More Adam: learning rate scaling at initialization is all you need"):
 * SGD with momentum whose learning rate is scaled, per parameter tensor, by the gradient
 * signal-to-noise ratio of the very first gradient, g-SNR = ||g|| / (std(g) + eps), and then frozen.
 * The state is one momentum buffer per parameter plus one scalar per tensor, against AdamW's two
 * buffers per parameter. Follows the authors' reference implementation: the buffer starts at the first
 * gradient and averages as buf <- beta buf + (1 - beta) g; weight decay is decoupled.
 */
import * as tf from '@tensorflow/tfjs';
import { addDecayedWeights, chain, scaleByLearningRate, type GradientTransformation, type Schedule } from '../../train/transforms.js';

/** State of `scaleBySai`: the per-tensor g-SNR (null before the first step) and the momentum buffers. */
export interface SaiState {
  /** g-SNR per parameter tensor, fixed at the first step */
  gsnr: number[] | null;
  buf: tf.Variable[];
}

/** g-SNR of one gradient tensor: its norm over its (unbiased) standard deviation plus eps. */
export function gradientSnr(g: tf.Tensor, eps = 1e-8): number {
  return tf.tidy(() => {
    const n = g.size;
    const norm = tf.norm(g).dataSync()[0];
    // a one-element tensor has no spread: the reference turns torch's NaN std into 0
    const std = n > 1 ? Math.sqrt(tf.sum(tf.square(tf.sub(g, tf.mean(g)))).dataSync()[0] / (n - 1)) : 0;
    return norm / (std + eps);
  });
}

/** The SGD-SaI preconditioner: momentum average scaled by each tensor's initial g-SNR. */
export function scaleBySai(beta = 0.9, eps = 1e-8): GradientTransformation<SaiState> {
  if (!(beta >= 0 && beta < 1)) throw new Error(`scaleBySai: momentum beta must be in [0, 1), got ${beta}`);
  return {
    name: `sai(${beta})`,
    init: (params) => ({ gsnr: null, buf: params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false))) }),
    update: (u, s) => {
      const first = s.gsnr === null;
      if (first) s.gsnr = u.map((g) => gradientSnr(g, eps));
      return u.map((g, i) => {
        const next = first ? g : s.buf[i].mul(beta).add(g.mul(1 - beta));
        s.buf[i].assign(next);
        return next.mul(s.gsnr![i]);
      });
    },
    dispose: (s) => s.buf.forEach((v) => v.dispose()),
  };
}

/** SGD-SaI with decoupled weight decay: p <- p (1 - lr wd) - lr gsnr buf. */
export const sgdSai = (lr: Schedule, opts: { momentum?: number; weightDecay?: number; eps?: number } = {}) =>
  chain(scaleBySai(opts.momentum ?? 0.9, opts.eps ?? 1e-8), addDecayedWeights(opts.weightDecay ?? 0), scaleByLearningRate(lr));
