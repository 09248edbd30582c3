/**
 * Randomized smoothing (Cohen, Rosenfeld & Kolter 2019), as in their reference code: the smoothed
 * classifier g(x) = argmax_c P(f(x + N(0, sigma^2 I)) = c) is certifiably robust in l2 within
 * sigma * Phi^-1(p_A) whenever the top class has probability p_A > 1/2. Both procedures work from
 * Monte Carlo class counts, so their answers hold with probability 1 - alpha:
 * - `predict`: the top class, unless a two-sided binomial test cannot tell the top two apart
 *   (then abstain);
 * - `certify`: guess the class from n0 samples, bound its probability from below with n fresh ones
 *   (one-sided Clopper-Pearson), abstain below 1/2, else return the radius.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { betaIncomplete, betaQuantile, normalQuantile } from '../../stats/distributions.js';

/** Class index (-1) returned when the smoothed classifier abstains. */
export const ABSTAIN = -1;

/** Gaussian smoothing settings: noise standard deviation `sigma` (input units), random stream, and noisy copies per forward pass (default 500). */
export interface SmoothingOptions {
  sigma: number;
  rng: Rng;
  /** noisy copies per forward pass */
  batch?: number;
}

/** How often the base classifier predicts each class on n noisy copies of one input x [1, ...]. */
export function sampleCounts(model: Model, x: tf.Tensor, n: number, opts: SmoothingOptions): Int32Array {
  if (x.shape[0] !== 1) throw new Error(`sampleCounts: one input at a time, got a batch of ${x.shape[0]}`);
  let counts: Int32Array | null = null;
  for (let done = 0; done < n; done += opts.batch ?? 500) {
    const k = Math.min(opts.batch ?? 500, n - done);
    const pred = tf.tidy(() => {
      const noisy = tf.add(x, opts.rng.normalTensor([k, ...x.shape.slice(1)], 0, opts.sigma));
      return tf.argMax(model.apply(noisy), 1).dataSync();
    });
    counts ??= new Int32Array(tf.tidy(() => model.apply(x).shape[1]));
    for (const c of pred) counts[c]++;
  }
  return counts ?? new Int32Array(0);
}

/** One-sided (1 - alpha) Clopper-Pearson lower bound on a binomial proportion from k successes in n. */
export function lowerConfidenceBound(k: number, n: number, alpha: number): number {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n && n > 0)) throw new Error(`lowerConfidenceBound: need integers 0 <= k <= n, n > 0; got k=${k}, n=${n}`);
  return k === 0 ? 0 : betaQuantile(alpha, k, n - k + 1);
}

/** Two-sided binomial test of k successes in n against p = 1/2 (scipy's binom_test). */
export function binomialTestHalf(k: number, n: number): number {
  if (n === 0) return 1;
  const m = Math.max(k, n - k);
  if (2 * m === n) return 1;
  // P(X >= m) = I_{1/2}(m, n - m + 1); symmetric, so the two-sided p-value doubles it
  return Math.min(1, 2 * betaIncomplete(0.5, m, n - m + 1));
}

function topTwo(counts: Int32Array): [number, number] {
  let a = 0;
  let b = counts.length > 1 ? 1 : 0;
  if (counts[b] > counts[a]) [a, b] = [b, a];
  for (let c = 2; c < counts.length; c++) {
    if (counts[c] > counts[a]) [a, b] = [c, a];
    else if (counts[c] > counts[b]) b = c;
  }
  return [a, b];
}

/** Cohen et al.'s PREDICT: the smoothed classifier's class at x, or ABSTAIN. */
export function predict(model: Model, x: tf.Tensor, n: number, alpha: number, opts: SmoothingOptions): number {
  const counts = sampleCounts(model, x, n, opts);
  const [a, b] = topTwo(counts);
  return binomialTestHalf(counts[a], counts[a] + counts[b]) > alpha ? ABSTAIN : a;
}

/** The result of `certify`: class, certified l2 radius sigma * Phi^-1(pA), and the bound pA. */
export interface Certificate {
  /** the certified class, or ABSTAIN */
  prediction: number;
  /** l2 radius within which the prediction cannot change (0 when abstaining) */
  radius: number;
  /** lower confidence bound on p_A */
  pA: number;
}

/** Cohen et al.'s CERTIFY. */
export function certify(model: Model, x: tf.Tensor, n0: number, n: number, alpha: number, opts: SmoothingOptions): Certificate {
  const [guess] = topTwo(sampleCounts(model, x, n0, opts));
  const pA = lowerConfidenceBound(sampleCounts(model, x, n, opts)[guess], n, alpha);
  return pA < 0.5 ? { prediction: ABSTAIN, radius: 0, pA } : { prediction: guess, radius: opts.sigma * normalQuantile(pA), pA };
}
