/**
 * A6. Sparse MeZO (Liu et al. 2024): zeroth-order fine-tuning (SPSA, forward passes only) of a small
 * subset of the parameters, the smallest in magnitude, beats full-parameter MeZO at the same number
 * of forward passes.
 *
 * Setting, shrunk from LLM fine-tuning to an MLP: a [49, hidden, 10] MLP on Fashion-MNIST averaged to
 * 7x7 is pretrained with Adam, then the task shifts (labels rotate, y -> (y + 1) mod 10) and the
 * network is fine-tuned by MeZO for `steps` steps (two forward passes each) either on all parameters
 * or on the `fraction` of each tensor smallest in magnitude (mask fixed at the start of fine-tuning;
 * the paper also recomputes it). Each arm takes its best learning rate from the same grid, chosen by
 * the fine-tuning loss on the training set; the verdict compares test accuracy on the shifted task,
 * paired by seed.
 */
import * as tf from '@tensorflow/tfjs';
import { batches, batchTensors, downsample, type Dataset } from '../data/dataset.js';
import { barFigure, seedBar, lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { restoreParams, snapshotParams, type Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { magnitudeMasks, mezoStep } from '../techniques/zeroth-order/spsa.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A6Params extends BaseParams, FmnistSize {
  hidden: number;
  pretrainSteps: number;
  steps: number;
  batchSize: number;
  eps: number;
  lrs: number[];
  /** fraction of each tensor perturbed by Sparse MeZO */
  fraction: number;
}

export const ARMS = ['full', 'sparse'] as const;
type Arm = (typeof ARMS)[number];
type Row = ClaimResult['rows'][number];

export interface A6Seed {
  rows: Row[];
  /** test accuracy on the shifted task at the arm's chosen learning rate */
  accuracy: Record<Arm, number>;
  pretrainedAccuracy: number;
  /** fine-tuning loss along the run (every steps/20) at the chosen learning rate */
  curves: Record<Arm, number[]>;
}

const shift = (ds: Dataset): Dataset => ({ ...ds, name: `${ds.name}/rotated-labels`, y: Int32Array.from(ds.y, (c) => (c + 1) % 10) });

/** MeZO fine-tuning from the current parameters; returns the training-loss curve on the shifted task. */
function fineTune(p: A6Params, model: Model, data: Dataset, lr: number, masks: tf.Tensor[] | undefined, rng: Rng): number[] {
  const ce = crossEntropy();
  const order = batches(data.y.length, p.batchSize, rng.fork('batches'));
  const directions = rng.fork('directions');
  const curve: number[] = [];
  const every = Math.max(1, Math.floor(p.steps / 20));
  for (let t = 1; t <= p.steps; t++) {
    const { x, y } = batchTensors(data, order.next().value as Int32Array);
    try {
      const step = mezoStep((ps) => ce(model.apply(x, ps), y), model.params, { lr, eps: p.eps, rng: directions, masks });
      if (!Number.isFinite(step.projected)) return [...curve, Infinity];
    } finally {
      tf.dispose([x, y]);
    }
    if (t % every === 0) curve.push(lossOn(model, data));
  }
  return curve;
}

function lossOn(model: Model, data: Dataset): number {
  const { x, y } = batchTensors(data, Int32Array.from({ length: data.y.length }, (_, i) => i));
  try {
    return tf.tidy(() => crossEntropy()(model.apply(x), y).dataSync()[0]);
  } finally {
    tf.dispose([x, y]);
  }
}

export async function seedA6(p: A6Params, seed: number): Promise<A6Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const [pretrainSet, test] = [downsample(splits.train, 4), downsample(splits.test, 4)];
  const [tuneSet, tuneTest] = [shift(pretrainSet), shift(test)];
  const features = pretrainSet.featureShape.reduce((a, b) => a * b, 1);
  const model = mlp({ sizes: [features, p.hidden, 10] }, rng.fork('init'));
  const rows: Row[] = [];
  try {
    await train({ model, data: pretrainSet, transform: adam(1e-2), batchSize: 128, steps: p.pretrainSteps, rng: rng.fork('pretrain'), label: `A6 pretrain seed ${seed}` });
    const pretrainedAccuracy = evaluate(model, tuneTest).accuracy;
    const start = snapshotParams(model);
    const masks = magnitudeMasks(start, p.fraction);
    const accuracy = {} as Record<Arm, number>;
    const curves = {} as Record<Arm, number[]>;
    try {
      for (const arm of ARMS) {
        let best: { lr: number; loss: number; acc: number; curve: number[] } | null = null;
        for (const lr of p.lrs) {
          restoreParams(model, start);
          // the same batches and directions for every arm and learning rate
          const curve = fineTune(p, model, tuneSet, lr, arm === 'sparse' ? masks : undefined, rng.fork('finetune'));
          const loss = curve[curve.length - 1];
          const acc = Number.isFinite(loss) ? evaluate(model, tuneTest).accuracy : NaN;
          rows.push({ seed, arm, lr, trainLoss: loss, testAccuracy: acc, chosen: false });
          if (Number.isFinite(loss) && (!best || loss < best.loss)) best = { lr, loss, acc, curve };
        }
        if (!best) throw new Error(`A6 seed ${seed}: every learning rate diverged for ${arm}`);
        rows.find((r) => r.arm === arm && r.lr === best!.lr)!.chosen = true;
        accuracy[arm] = best.acc;
        curves[arm] = best.curve;
      }
    } finally {
      tf.dispose([...start, ...masks]);
    }
    return { rows, accuracy, pretrainedAccuracy, curves };
  } finally {
    model.dispose();
  }
}

export function summarizeA6(p: A6Params, perSeed: A6Seed[]): ClaimResult {
  const sparse = perSeed.map((s) => s.accuracy.sparse);
  const full = perSeed.map((s) => s.accuracy.full);
  const diff = pairedT(sparse, full);
  const wins = perSeed.filter((s) => s.accuracy.sparse > s.accuracy.full).length;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: diff.lo > 0 ? 'reproduced' : 'not reproduced',
      summary: `shifted-task test accuracy after ${p.steps} MeZO steps (${2 * p.steps} forward passes): sparse (${(100 * p.fraction).toFixed(0)}% smallest) ` +
        `${mean(sparse).toFixed(3)} vs full ${mean(full).toFixed(3)}, difference ${formatInterval(diff, 3)}, sparse ahead on ${wins}/${perSeed.length} seeds ` +
        `(pretrained network on the shifted task: ${mean(perSeed.map((s) => s.pretrainedAccuracy)).toFixed(3)})`,
      numbers: {
        sparseAccuracy: mean(sparse), fullAccuracy: mean(full), diff: diff.mean, diffLo: diff.lo, diffHi: diff.hi, wins, seeds: perSeed.length,
        pretrainedAccuracy: mean(perSeed.map((s) => s.pretrainedAccuracy)),
      },
    },
    figures: figuresA6(p, perSeed),
  };
}

function figuresA6(p: A6Params, perSeed: A6Seed[]): Figure[] {
  const every = Math.max(1, Math.floor(p.steps / 20));
  const n = perSeed[0].curves.full.length;
  return [
    lineFigure('Fine-tuning loss on the shifted task (mean over seeds, chosen learning rates)', 'forward passes', 'training loss', ARMS.map((a) => ({
      name: a === 'full' ? 'MeZO, all parameters' : `Sparse MeZO, ${(100 * p.fraction).toFixed(0)}% smallest`,
      x: Array.from({ length: n }, (_, i) => 2 * every * (i + 1)),
      y: Array.from({ length: n }, (_, i) => mean(perSeed.map((s) => s.curves[a][i] ?? NaN))),
    }))),
    barFigure('Shifted-task test accuracy (mean over seeds, min-max)', 'accuracy', ARMS.map((a) => {
      const v = perSeed.map((s) => s.accuracy[a]);
      return seedBar(a, v);
    })),
  ];
}

const common = { source: 'subset' as const, hidden: 32, eps: 1e-3, fraction: 0.2, batchSize: 128 };

export const claim = defineClaim<A6Params, A6Seed>({
  id: 'A6',
  slug: 'sparse-mezo',
  paper: 'Sparse MeZO: Less Parameters for Better Performance in Zeroth-Order LLM Fine-Tuning (Liu et al. 2024)',
  claim: 'zeroth-order (SPSA, forward passes only) fine-tuning of a small subset of parameters beats full-parameter MeZO at equal forward passes',
  setting: '[49, 32, 10] MLP on 7x7 Fashion-MNIST pretrained with Adam, then fine-tuned by MeZO on rotated labels (y -> y+1 mod 10); ' +
    'sparse = the 20% of each tensor smallest in magnitude (mask fixed at the start); each arm at its best learning rate from the same grid (by training loss)',
  rule: 'sparse-ZO test accuracy > full-ZO test accuracy at equal forward passes (paired t-interval over seeds above 0)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 500, nTest: 200, pretrainSteps: 50, steps: 40, lrs: [1e-3] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, nTest: 1000, pretrainSteps: 300, steps: 600, lrs: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1] },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'auto', nTrain: 10000, nTest: 2000, pretrainSteps: 2000, steps: 5000, lrs: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2] },
  },
  seed: seedA6,
  summarize: summarizeA6,
});
