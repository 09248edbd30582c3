/**
 * The ideal denoiser of the training set itself (the "delta mixture", one Gaussian of variance sigma^2
 * around each training point): a softmax-weighted mean of the training points. A network that matched it
 * everywhere would only reproduce its training data; Wang & Vastola compare learned denoisers with it
 * at low noise.
 */
import type { Denoiser } from './gaussian.js';

/** D(x, sigma) = sum_i w_i(x) x_i, w = softmax(-|x - x_i|^2 / (2 sigma^2)), over the n points of `train`. */
export function empiricalDenoiser(train: ArrayLike<number>, d: number): Denoiser {
  const n = train.length / d;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`empiricalDenoiser: train has ${train.length} values, not a positive multiple of d = ${d}`);
  const points = Float64Array.from(train);
  return (x, sigma) => {
    if (!(sigma > 0)) throw new Error(`empiricalDenoiser: sigma must be > 0, got ${sigma}`);
    if (x.length % d) throw new Error(`empiricalDenoiser: x has ${x.length} values, not a multiple of d = ${d}`);
    const out = new Float64Array(x.length);
    const logits = new Float64Array(n);
    const scale = -1 / (2 * sigma * sigma);
    for (let q = 0; q < x.length / d; q++) {
      let top = -Infinity;
      const xq = q * d;
      for (let i = 0; i < n; i++) {
        let s = 0;
        const pi = i * d;
        for (let j = 0; j < d; j++) {
          const diff = x[xq + j] - points[pi + j];
          s += diff * diff;
        }
        logits[i] = s * scale;
        if (logits[i] > top) top = logits[i];
      }
      let total = 0;
      const o = out.subarray(q * d, (q + 1) * d);
      for (let i = 0; i < n; i++) {
        const w = Math.exp(logits[i] - top);
        total += w;
        for (let j = 0; j < d; j++) o[j] += w * points[i * d + j];
      }
      for (let j = 0; j < d; j++) o[j] /= total;
    }
    return out;
  };
}

/**
 * The fraction of the variance of `target` (over points and coordinates, about its mean point) that
 * `approx` explains: 1 - sum |target - approx|^2 / sum |target - mean(target)|^2.
 */
export function explainedVariance(target: Float64Array, approx: Float64Array, d: number): number {
  if (target.length !== approx.length || target.length % d || target.length < 2 * d) throw new Error(`explainedVariance: need two arrays of the same length, at least 2 points of dimension ${d}, got ${target.length} and ${approx.length} values`);
  const n = target.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += target[i * d + j] / n;
  let [residual, total] = [0, 0];
  for (let i = 0; i < target.length; i++) {
    residual += (target[i] - approx[i]) ** 2;
    total += (target[i] - mean[i % d]) ** 2;
  }
  return 1 - residual / total;
}

/**
 * Wang & Vastola's measure: the fraction of the learned score s = (D(x) - x) / sigma^2 that an approximate
 * score explains, per noised point 1 - |s - s_approx|^2 / |s|^2 (uncentred), averaged over the points. The
 * sigma^2 cancels, so it is computed from the denoisers' outputs at the points x.
 */
export function scoreExplainedVariance(x: Float64Array, learned: Float64Array, approx: Float64Array, d: number): number {
  if (x.length !== learned.length || x.length !== approx.length || x.length % d || !x.length) throw new Error(`scoreExplainedVariance: need x, learned and approx of one length, a positive multiple of d = ${d}; got ${x.length}, ${learned.length}, ${approx.length}`);
  const n = x.length / d;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let [residual, size] = [0, 0];
    for (let j = i * d; j < (i + 1) * d; j++) {
      residual += (learned[j] - approx[j]) ** 2;
      size += (learned[j] - x[j]) ** 2;
    }
    total += 1 - residual / size;
  }
  return total / n;
}

/**
 * The fraction of the learned denoiser's deviation from a centre (the data mean) that an approximate
 * denoiser explains, 1 - sum |D - D_approx|^2 / sum |D - centre|^2 over the points. Unlike the uncentred
 * score share, a denoiser that only knows the mean scores 0 here, so it is not near 1 by construction at
 * high noise.
 */
export function deviationExplained(learned: Float64Array, approx: Float64Array, centre: Float64Array, d: number): number {
  if (learned.length !== approx.length || centre.length !== d || learned.length % d || !learned.length) throw new Error(`deviationExplained: need learned and approx of one length, a positive multiple of d = ${d}, and a centre of length d; got ${learned.length}, ${approx.length}, ${centre.length}`);
  let [residual, total] = [0, 0];
  for (let i = 0; i < learned.length; i++) {
    residual += (learned[i] - approx[i]) ** 2;
    total += (learned[i] - centre[i % d]) ** 2;
  }
  return 1 - residual / total;
}
