/** An in-memory labelled dataset: row-major features plus integer labels. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';

/**
 * A labelled dataset in memory: n examples of shape `featureShape` as row-major float32 values, and int32 labels
 * in [0, numClasses).
 */
export interface Dataset {
  name: string;
  /** n * prod(featureShape) values */
  x: Float32Array;
  y: Int32Array;
  /** shape of one example, e.g. [28, 28, 1] or [2] */
  featureShape: number[];
  numClasses: number;
}

/** Number of examples. */
export function size(ds: Dataset): number {
  return ds.y.length;
}

/** Number of values in one example (the product of `featureShape`). */
export function featureSize(ds: Dataset): number {
  return ds.featureShape.reduce((a, b) => a * b, 1);
}

/** The examples at `indices`, in that order. */
export function take(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const d = featureSize(ds);
  const x = new Float32Array(indices.length * d);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    x.set(ds.x.subarray(j * d, (j + 1) * d), i * d);
    y[i] = ds.y[j];
  }
  return { ...ds, name, x, y };
}

/** First n examples (or all). */
export function head(ds: Dataset, n: number): Dataset {
  const m = Math.min(n, size(ds));
  return { ...ds, x: ds.x.subarray(0, m * featureSize(ds)), y: ds.y.subarray(0, m) };
}

/** Random split into two parts, the first of `fraction` of the examples. */
export function split(ds: Dataset, fraction: number, rng: Rng): [Dataset, Dataset] {
  const p = rng.permutation(size(ds));
  const k = Math.round(fraction * p.length);
  return [take(ds, p.subarray(0, k)), take(ds, p.subarray(k))];
}

/** x as a tensor of shape [n, ...featureShape], y as int32 [n]. */
export function toTensors(ds: Dataset): { x: tf.Tensor; y: tf.Tensor1D } {
  return {
    x: tf.tensor(ds.x, [size(ds), ...ds.featureShape], 'float32'),
    y: tf.tensor1d(ds.y, 'int32'),
  };
}

/** Mini-batches of indices over a fresh permutation each epoch (the last partial batch is dropped). */
export function* batches(n: number, batchSize: number, rng: Rng): Generator<Int32Array> {
  const bs = Math.min(batchSize, n);
  for (;;) {
    const p = rng.permutation(n);
    for (let i = 0; i + bs <= n; i += bs) yield p.subarray(i, i + bs);
  }
}

/** Gather a batch as tensors without building a Dataset copy. */
export function batchTensors(ds: Dataset, indices: Int32Array): { x: tf.Tensor; y: tf.Tensor1D } {
  return toTensors(take(ds, indices));
}

/** Images [h, w, c] averaged over `factor` x `factor` blocks (h and w divisible by factor). */
export function downsample(ds: Dataset, factor: number): Dataset {
  const [h, w, c] = ds.featureShape;
  if (ds.featureShape.length !== 3 || h % factor || w % factor) throw new Error(`downsample: ${ds.name} has feature shape [${ds.featureShape}], needs [h, w, c] divisible by ${factor}`);
  const [ho, wo] = [h / factor, w / factor];
  const n = size(ds);
  const x = new Float32Array(n * ho * wo * c);
  const norm = 1 / (factor * factor);
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) for (let ch = 0; ch < c; ch++) {
    x[((i * ho + Math.floor(r / factor)) * wo + Math.floor(q / factor)) * c + ch] += ds.x[((i * h + r) * w + q) * c + ch] * norm;
  }
  return { ...ds, name: `${ds.name}/${factor}x`, x, featureShape: [ho, wo, c] };
}
