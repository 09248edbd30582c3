/** The small Fashion-MNIST CNN that attribution claims explain (B1's setting), trained for one seed. */
import { take, type Dataset } from '../../data/dataset.js';
import { cnn } from '../../models/cnn.js';
import type { Model } from '../../models/model.js';
import { Rng } from '../../random/rng.js';
import { train } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './fmnist.js';

export interface FmnistCnnParams extends FmnistSize {
  /** output channels of the 3x3 conv-ReLU-maxpool blocks */
  channels: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** held-out images to explain */
  images: number;
}

export interface TrainedFmnistCnn {
  /** the trained CNN (the caller disposes it) */
  model: Model;
  testAcc: number;
  /** `images` test images drawn at random (the seed's 'images' stream) */
  picks: Dataset;
  /** the seed's generator (its 'init', 'train' and 'images' streams are used here) */
  rng: Rng;
}

/** Train the CNN with Adam for one seed (init, batches and picked images from that seed's streams). */
export async function trainFmnistCnn(p: FmnistCnnParams, seed: number, label: string): Promise<TrainedFmnistCnn> {
  const { train: trainSet, test } = fmnistSplits(p);
  const rng = new Rng(seed);
  const model = cnn({ inputShape: [28, 28, 1], channels: p.channels, hidden: [], numClasses: 10 }, rng.fork('init'));
  try {
    const r = await train({ model, data: trainSet, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('train'), label: `${label} cnn seed ${seed}` });
    if (r.status !== 'ok') throw new Error(`CNN training diverged for seed ${seed}`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const testAcc = evaluate(model, test).accuracy;
  const picks = take(test, rng.fork('images').permutation(test.y.length).subarray(0, p.images));
  return { model, testAcc, picks, rng };
}
