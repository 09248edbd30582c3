/**
 * The label-smoothing family of claims (B4, B5, B6) trains the same MLP on the same Fashion-MNIST
 * subset with different losses; one trainer keeps their arms comparable: per seed, every arm starts
 * from the same initialisation and sees the same batch order.
 */
import type { Dataset } from '../../data/dataset.js';
import { mlp } from '../../models/mlp.js';
import type { Model } from '../../models/model.js';
import { Rng } from '../../random/rng.js';
import { train, type TrainResult } from '../../train/loop.js';
import type { LossFn } from '../../train/losses.js';
import { adam } from '../../train/transforms.js';
import type { BaseParams } from '../types.js';
import type { FmnistSize } from './fmnist.js';

export interface SmoothingFamilyParams extends BaseParams, FmnistSize {
  hidden: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** label smoothing's eps (and MaxSup's weight) */
  smoothing: number;
}

/** Train one arm: a [784, ...hidden, 10] ReLU MLP with Adam. The caller disposes the model. */
export async function trainArm(p: SmoothingFamilyParams, data: Dataset, seed: number, loss: LossFn, label: string): Promise<{ model: Model; result: TrainResult }> {
  const rng = new Rng(seed);
  const model = mlp({ sizes: [784, ...p.hidden, 10] }, rng.fork('init'));
  try {
    const result = await train({ model, data, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, loss, rng: rng.fork('train'), label });
    return { model, result };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The family's scales: B5 and B6 evaluate the same models B4 trains. */
export const FAMILY_SCALES: Record<'smoke' | 'ci' | 'full', SmoothingFamilyParams> = {
  smoke: { seeds: [1, 2], source: 'subset', nTrain: 500, nTest: 200, hidden: [32], epochs: 2, batchSize: 100, lr: 1e-3, smoothing: 0.1 },
  ci: { seeds: [1, 2, 3, 4, 5], source: 'subset', nTrain: 256, nTest: 500, hidden: [32, 32], epochs: 16, batchSize: 128, lr: 1e-3, smoothing: 0.1 },
  // full (B4, B5): ~29 min on 2 cores, from the step cost measured at full width (ci's tiny steps are overhead-bound): 2 arms x 4690 steps x 75 ms
  // + evaluation ~2 CPU s = 706 CPU s a seed, x 5 seeds / 2 workers; nothing cut. (B6's full, B6_SCALES, trains 3 arms for 8 epochs.)
  full: { seeds: [1, 2, 3, 4, 5], source: 'auto', nTrain: 20000, nTest: 10000, hidden: [256, 256], epochs: 30, batchSize: 128, lr: 1e-3, smoothing: 0.1 },
};
