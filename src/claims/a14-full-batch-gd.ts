/**
 * A14. Stochastic Training is Not Necessary for Generalization (Geiping, Goldblum, Pope, Moeller &
 * Goldstein 2022): non-stochastic full-batch gradient descent, given an explicit gradient-norm
 * regulariser (the term SGD adds implicitly) and the optimisation aids large steps need (learning-rate
 * warm-up, gradient clipping), generalises as well as small-batch SGD; without them it does worse.
 *
 * Setting: a ReLU MLP on a Fashion-MNIST subset, every arm from the same initialisation and for the
 * same number of epochs (SGD: n/B steps per epoch; full batch: one). Arms:
 * - SGD: batch B = 64, heavy-ball momentum 0.9, constant rate eps;
 * - full batch: momentum 0.9 at rate eta, nothing else;
 * - full batch + warm-up + clipping (reported, not deciding);
 * - full batch + warm-up + clipping + the gradient penalty (lambda / 2) (1/m) sum_k ||grad L_k||^2 over a
 *   FIXED partition of the training set into m sub-batches of B examples (nothing is random), its
 *   gradient by one finite difference per sub-batch (the paper's estimate). lambda = eps / (2 (1 - 0.9)):
 *   Smith et al.'s implicit regulariser of SGD with momentum at this batch size, not tuned.
 * The paper trains ResNet-18 and friends on CIFAR-10 (50k images, 300 SGD epochs, up to 3000 full-batch
 * epochs); here an MLP on 2k (ci) / 5k (full) images, at equal epochs.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, size, take, toTensors } from '../data/dataset.js';
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { restoreParams, snapshotParams } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { tEstimate } from '../stats/tests.js';
import type { ParamLoss } from '../techniques/curvature/hvp.js';
import { fullBatchOptimizer } from '../techniques/full-batch/index.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { momentum } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A14Params extends BaseParams, FmnistSize {
  /** image downsampling factor (1: 28x28; 2: 14x14) */
  downsample: number;
  hidden: number[];
  epochs: number;
  /** SGD's batch, also the size of the penalty's sub-batches */
  batchSize: number;
  /** SGD's rate (momentum 0.9) */
  sgdLr: number;
  /** full-batch rate (momentum 0.9) */
  fullLr: number;
  /** warm-up, as a share of the full-batch steps */
  warmupShare: number;
  /** global-norm clipping of the full-batch gradient */
  clip: number;
  /** finite-difference step of the penalty gradient */
  h: number;
  /** equivalence margin on test accuracy (accuracy units) */
  margin: number;
}

export const ARMS = ['sgd', 'full-batch', 'full-batch + warm-up + clip', 'full-batch + regulariser'] as const;
export type A14Arm = (typeof ARMS)[number];
const MOMENTUM = 0.9;

export interface A14Seed {
  test: Record<A14Arm, number>;
  train: Record<A14Arm, number>;
  /** training loss over epochs, per arm (recorded loss of the step's batch) */
  curves: Record<A14Arm, { epoch: number; loss: number }[]>;
  diverged: number;
}

/** Smith et al.'s implicit-regulariser weight of SGD with momentum: lambda = eps / (2 (1 - beta)). */
export const implicitLambda = (eps: number, beta = MOMENTUM) => eps / (2 * (1 - beta));

/** The fixed partition of the training set into round(n / b) contiguous sub-batches (sizes differ by at most one). */
export function fixedPartition(n: number, b: number): Int32Array[] {
  const m = Math.max(1, Math.round(n / b));
  return Array.from({ length: m }, (_, k) => {
    const lo = Math.floor((k * n) / m), hi = Math.floor(((k + 1) * n) / m);
    return Int32Array.from({ length: hi - lo }, (_, i) => lo + i);
  });
}

export async function seedA14(p: A14Params, seed: number): Promise<A14Seed> {
  const rng = new Rng(seed);
  const raw = fmnistSplits(p);
  const [data, test] = p.downsample > 1 ? [downsample(raw.train, p.downsample), downsample(raw.test, p.downsample)] : [raw.train, raw.test];
  const n = size(data);
  const model = mlp({ sizes: [data.featureShape.reduce((a, b) => a * b, 1), ...p.hidden, 10] }, rng.fork('init'));
  const init = snapshotParams(model);
  const parts = fixedPartition(n, p.batchSize).map((idx) => toTensors(take(data, idx)));
  const ce = crossEntropy();
  const losses: ParamLoss[] = parts.map(({ x, y }) => (ps) => ce(model.apply(x, ps), y));
  const warmup = Math.round(p.warmupShare * p.epochs);
  const out: A14Seed = { test: {} as A14Seed['test'], train: {} as A14Seed['train'], curves: {} as A14Seed['curves'], diverged: 0 };
  try {
    for (const arm of ARMS) {
      restoreParams(model, init);
      const full = arm !== 'sgd';
      const transform = !full ? momentum(p.sgdLr, MOMENTUM) : fullBatchOptimizer({
        lr: p.fullLr, momentum: MOMENTUM,
        ...(arm === 'full-batch' ? {} : { warmup, clip: p.clip }),
        ...(arm === 'full-batch + regulariser' ? { penalty: { lambda: implicitLambda(p.sgdLr), losses, h: p.h } } : {}),
      });
      const perEpoch = full ? 1 : Math.floor(n / p.batchSize);
      // the same batch-order stream for every arm (the full-batch arms' order does not change their gradient)
      const r = await train({ model, data, transform, batchSize: full ? n : p.batchSize, epochs: p.epochs, rng: rng.fork('order'), logEvery: perEpoch, progress: 'silent', label: `A14 seed ${seed} ${arm}` });
      if (r.status !== 'ok') out.diverged++;
      out.curves[arm] = r.history.map((h) => ({ epoch: h.step / perEpoch, loss: h.loss }));
      out.test[arm] = evaluate(model, test).accuracy;
      out.train[arm] = evaluate(model, data).accuracy;
    }
    return out;
  } finally {
    tf.dispose(init);
    tf.dispose(parts.flatMap((q) => [q.x, q.y]));
    model.dispose();
  }
}

export function summarizeA14(p: A14Params, perSeed: A14Seed[]): ClaimResult {
  const acc = (arm: A14Arm) => perSeed.map((s) => s.test[arm]);
  // the premise: SGD must beat plain full-batch GD here, else there is no gap for the regulariser to close
  const plainGap = tEstimate(acc('full-batch').map((a, i) => a - acc('sgd')[i]));
  return {
    rows: perSeed.flatMap((s, i) => ARMS.map((arm) => ({ seed: p.seeds[i], arm, testAccuracy: s.test[arm], trainAccuracy: s.train[arm], finalLoss: s.curves[arm].at(-1)?.loss ?? null }))),
    verdict: verdict({
      headline: 'regMinusSgd',
      effects: [
        // "comparably strong performance": full batch + regulariser within +-1 point of SGD (TOST, 90% interval)
        paired('regMinusSgd', 'test accuracy, full batch + regulariser - SGD', acc('full-batch + regulariser'), acc('sgd'),
          { kind: 'equivalence', margin: p.margin }, { unit: 'accuracy', part: 'full batch + regulariser matches SGD' }),
        paired('plainMinusSgd', 'test accuracy, plain full batch - SGD', acc('full-batch'), acc('sgd'),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'accuracy', decides: false }),
        paired('aidsMinusSgd', 'test accuracy, full batch + warm-up + clipping - SGD', acc('full-batch + warm-up + clip'), acc('sgd'),
          { kind: 'equivalence', margin: p.margin }, { unit: 'accuracy', decides: false }),
        paired('regMinusPlain', 'test accuracy, full batch + regulariser - plain full batch', acc('full-batch + regulariser'), acc('full-batch'),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', decides: false }),
      ],
      premise: [
        premise('plainWorse', 'plain full batch - SGD test accuracy, upper 95% bound (SGD must beat plain full-batch GD here)', plainGap.hi, { atMost: 0 }),
        premise('noDivergence', 'runs that diverged (all arms and seeds)', perSeed.reduce((s, x) => s + x.diverged, 0), { atMost: 0 }, { digits: 0 }),
      ],
      numbers: {
        ...Object.fromEntries(ARMS.map((arm, i) => [['sgdAccuracy', 'plainAccuracy', 'aidsAccuracy', 'regAccuracy'][i], mean(acc(arm))])),
        ...Object.fromEntries(ARMS.map((arm, i) => [['sgdTrain', 'plainTrain', 'aidsTrain', 'regTrain'][i], mean(perSeed.map((s) => s.train[arm]))])),
        lambda: implicitLambda(p.sgdLr), subBatches: fixedPartition(p.nTrain, p.batchSize).length, seeds: perSeed.length,
      },
    }),
    figures: figuresA14(p, perSeed),
  };
}

const LABELS: Record<A14Arm, string> = {
  sgd: 'SGD (B = 64)', 'full-batch': 'full-batch GD', 'full-batch + warm-up + clip': 'full batch + warm-up + clipping', 'full-batch + regulariser': 'full batch + warm-up + clipping + gradient penalty',
};

function figuresA14(p: A14Params, perSeed: A14Seed[]): Figure[] {
  return [
    barFigure('Test accuracy at equal epochs (mean over seeds, 95% t interval)', 'test accuracy', ARMS.map((arm) => seedBar(LABELS[arm], perSeed.map((s) => s.test[arm])))),
    lineFigure(`Training loss per epoch (seed ${p.seeds[0]})`, 'epoch', 'training loss (step batch)', ARMS.map((arm) => ({ name: LABELS[arm], x: perSeed[0].curves[arm].map((c) => c.epoch), y: perSeed[0].curves[arm].map((c) => c.loss) })), { logY: true }),
  ];
}

// fullLr 0.5: the lowest training loss after 300 full-batch steps among 0.05, 0.1, 0.2, 0.5, 1 (pilot seed 1000, plain full batch, full-scale
// data); clip 0.25: the paper's value, near that pilot's median gradient norm (0.30); SGD's rate and lambda are not tuned
const common = { source: 'subset' as const, downsample: 2, batchSize: 64, sgdLr: 0.05, fullLr: 0.5, clip: 0.25, h: 0.01, margin: 0.01, warmupShare: 0.1 };

export const claim = defineClaim<A14Params, A14Seed>({
  id: 'A14',
  slug: 'full-batch-gd',
  paper: 'Stochastic Training is Not Necessary for Generalization (Geiping, Goldblum, Pope, Moeller & Goldstein 2022)',
  claim: 'full-batch gradient descent with explicit gradient-norm regularisation (plus warm-up and clipping) matches small-batch SGD\'s test accuracy, so SGD\'s stochasticity is not necessary for generalisation',
  setting: 'ReLU MLP on Fashion-MNIST downsampled to 14x14, every arm from the same initialisation for the same epochs: SGD (batch 64, momentum 0.9, rate 0.05); ' +
    'full-batch GD (momentum 0.9, rate 0.5); full batch + linear warm-up (10% of the steps) + clipping to global norm 0.25; and that plus the gradient penalty ' +
    '(lambda / 2) mean_k ||grad L_k||^2 over a fixed partition into sub-batches of 64, lambda = 0.05 / (2 (1 - 0.9)) = 0.25 (SGD\'s implicit regulariser), ' +
    'its gradient by one finite difference (h = 0.01) per sub-batch. ci (cut to the CI budget): 2000 images, 64 hidden units, 5 epochs; ' +
    'full: 5000 images (the shipped subset), 128 hidden units, 300 epochs (the paper\'s SGD epochs; the paper: ResNets on CIFAR-10, up to 3000 full-batch epochs)',
  rule: 'full batch + regulariser - SGD test accuracy within +-0.01 (TOST, 90% interval, paired over 5 seeds); ' +
    'premise: plain full batch - SGD below 0 (upper 95% bound < 0: SGD beats plain full-batch GD here, else the claim cannot be tested) and no run diverges; ' +
    'reported: plain full batch - SGD, full batch + warm-up + clipping - SGD, regulariser - plain',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 256, nTest: 200, downsample: 4, hidden: [16], epochs: 2 },
    // ci is cut to the CI budget (~5 CPU s): 5 epochs, so full batch takes 5 steps; the verdict of record is the full run
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, nTest: 1000, hidden: [64], epochs: 5 },
    // full: ~0.55 CPU s per epoch and seed (all four arms; measured at 5000 images, 14x14, 128 hidden), so ~14 CPU min for 5 seeds x 300 epochs
    full: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 5000, nTest: 1000, hidden: [128], epochs: 300 },
  },
  seed: seedA14,
  summarize: summarizeA14,
});
