/** Data and evaluation shared by the Fashion-MNIST claims. */
import type { Dataset } from '../../data/dataset.js';
import { loadFashionMnist, type FmnistSource } from '../../data/fashion-mnist.js';
import type { Model } from '../../models/model.js';
import { predictBatched } from '../../train/loop.js';
import { accuracy, argmaxRows, softmaxRows } from '../../metrics/classification.js';

export interface FmnistSize {
  nTrain: number;
  nTest: number;
  /** 'subset' (shipped, 5k/1k), 'full' or 'auto' */
  source: FmnistSource;
}

export function fmnistSplits(s: FmnistSize): { train: Dataset; test: Dataset } {
  const train = loadFashionMnist({ split: 'train', source: s.source, limit: s.nTrain });
  const test = loadFashionMnist({ split: 'test', source: s.source, limit: s.nTest });
  for (const [ds, want, arg] of [[train, s.nTrain, 'nTrain'], [test, s.nTest, 'nTest']] as const) {
    if (ds.y.length < want) throw new Error(`${arg}=${want} but the ${s.source} Fashion-MNIST ${ds.name} has only ${ds.y.length} examples`);
  }
  return { train, test };
}

export interface Evaluation {
  accuracy: number;
  /** logits [n, k] */
  logits: Float32Array;
  /** softmax probabilities [n, k], float64 */
  probs: Float64Array;
  /** penultimate features [n, d] */
  features?: Float32Array;
  featureDim?: number;
}

/** Accuracy and probabilities (and optionally features) of a model on a dataset. */
export function evaluate(model: Model, data: Dataset, withFeatures = false): Evaluation {
  const logits = predictBatched((x) => model.apply(x), data);
  const k = logits.shape[1]!;
  const values = logits.dataSync() as Float32Array;
  const probs = softmaxRows(values, k);
  logits.dispose();
  const acc = accuracy(argmaxRows(probs, k), data.y);
  if (!withFeatures) return { accuracy: acc, logits: values, probs };
  const feats = predictBatched((x) => model.features(x), data);
  const out = { accuracy: acc, logits: values, probs, features: feats.dataSync() as Float32Array, featureDim: feats.shape[1]! };
  feats.dispose();
  return out;
}

