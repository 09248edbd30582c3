/**
 * B13. Understanding deep learning requires rethinking generalization (Zhang, Bengio, Hardt, Recht &
 * Vinyals 2017): networks fit a random labelling of their training data perfectly; fitting takes
 * longer the more labels are corrupted, and test accuracy falls to chance when all of them are.
 *
 * Setting, shrunk from CIFAR-10 to a Fashion-MNIST subset: the paper's "MLP 1x512" ([784, 512, 10]
 * ReLU) trained by SGD with momentum until every training label, corrupted or not, is predicted
 * (or a cap on epochs is reached, which counts as not fitted). Corruption as the paper's: each label,
 * with probability p, is redrawn uniformly from all ten classes. Per seed one initialisation and
 * batch order shared by every p; each p draws its own corruption.
 */
import { type Dataset } from '../data/dataset.js';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, tInterval } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { randomLabels } from '../techniques/label-noise/index.js';
import { train } from '../train/loop.js';
import { momentum } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B13Params extends BaseParams, FmnistSize {
  hidden: number;
  /** fractions of labels redrawn at random */
  corruption: number[];
  lr: number;
  batchSize: number;
  /** give up (not fitted) after this many epochs */
  maxEpochs: number;
}

export interface B13Run {
  corruption: number;
  /** epochs until every training label is predicted; null if the cap was reached first */
  epochsToFit: number | null;
  /** training accuracy on the (corrupted) labels after each epoch */
  trainCurve: number[];
  testAccuracy: number;
}

export interface B13Seed {
  runs: B13Run[];
}

export async function seedB13(p: B13Params, seed: number): Promise<B13Seed> {
  const rng = new Rng(seed);
  const { train: clean, test } = fmnistSplits(p);
  const stepsPerEpoch = Math.floor(clean.y.length / p.batchSize);
  const runs: B13Run[] = [];
  for (const corruption of p.corruption) {
    const data: Dataset = { ...clean, y: randomLabels(clean.y, corruption, 10, rng.fork(`labels ${corruption}`)).y };
    const model = mlp({ sizes: [784, p.hidden, 10] }, rng.fork('init'));
    try {
      const curve: number[] = [];
      await train({
        model, data, transform: momentum(p.lr, 0.9), batchSize: p.batchSize, epochs: p.maxEpochs, rng: rng.fork('order'), progress: 'silent',
        logEvery: stepsPerEpoch, label: `B13 corruption ${corruption} seed ${seed}`,
        onLog: () => {
          curve.push(evaluate(model, data).accuracy);
          return { trainAccuracy: curve.at(-1)! };
        },
        stopWhen: (r) => r.trainAccuracy === 1,
      });
      const fitted = curve.at(-1) === 1;
      runs.push({ corruption, epochsToFit: fitted ? curve.length : null, trainCurve: curve, testAccuracy: evaluate(model, test).accuracy });
    } finally {
      model.dispose();
    }
  }
  return { runs };
}

export function summarizeB13(p: B13Params, perSeed: B13Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s, i) => s.runs.map((r) => ({
    seed: p.seeds[i], corruption: r.corruption, epochsToFit: r.epochsToFit, finalTrainAccuracy: r.trainCurve.at(-1)!, testAccuracy: r.testAccuracy,
  })));
  const all = perSeed.flatMap((s) => s.runs);
  const fitted = all.filter((r) => r.epochsToFit !== null).length;
  // per seed, the slope of epochs-to-fit on the corrupted fraction (unfitted runs count at the cap)
  const slopes = perSeed.map((s) => fitLine(s.runs.map((r) => r.corruption), s.runs.map((r) => r.epochsToFit ?? p.maxEpochs)).slope);
  const slope = tInterval(slopes);
  const top = Math.max(...p.corruption);
  const chance = tInterval(perSeed.map((s) => s.runs.find((r) => r.corruption === top)!.testAccuracy));
  const meanAt = (c: number, f: (r: B13Run) => number) => mean(perSeed.map((s) => f(s.runs.find((r) => r.corruption === c)!)));
  const ok = fitted === all.length && slope.lo > 0 && top === 1 && chance.lo <= 0.1 && chance.hi >= 0.1;
  return {
    rows,
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `training accuracy 100% in ${fitted}/${all.length} runs (cap ${p.maxEpochs} epochs); epochs to fit ` +
        p.corruption.map((c) => `${meanAt(c, (r) => r.epochsToFit ?? p.maxEpochs).toFixed(1)} at ${c}`).join(', ') +
        `, slope ${formatInterval(slope, 1)} epochs per unit of corruption; test accuracy ${meanAt(0, (r) => r.testAccuracy).toFixed(3)} with true labels, ` +
        `${formatInterval(chance, 3)} with all labels random (chance 0.1)`,
      numbers: {
        seeds: perSeed.length, runs: all.length, fitted, slope: slope.mean, slopeLo: slope.lo, slopeHi: slope.hi,
        epochsClean: meanAt(0, (r) => r.epochsToFit ?? p.maxEpochs), epochsRandom: meanAt(top, (r) => r.epochsToFit ?? p.maxEpochs),
        testClean: meanAt(0, (r) => r.testAccuracy), testRandom: chance.mean, testRandomLo: chance.lo, testRandomHi: chance.hi,
      },
    },
    figures: figuresB13(p, perSeed),
  };
}

function figuresB13(p: B13Params, perSeed: B13Seed[]): Figure[] {
  const first = perSeed[0].runs;
  const span = (f: (r: B13Run) => number) => p.corruption.map((c) => perSeed.map((s) => f(s.runs.find((r) => r.corruption === c)!)));
  const band = (vals: number[][]) => ({ y: vals.map(mean), errorLow: vals.map((v) => Math.min(...v)), errorHigh: vals.map((v) => Math.max(...v)) });
  return [
    lineFigure(`Training accuracy on the corrupted labels by epoch (seed ${p.seeds[0]}; each run stops once it fits)`, 'epoch', 'training accuracy',
      first.map((r) => ({ name: `${Math.round(100 * r.corruption)}% random`, x: r.trainCurve.map((_, i) => i + 1), y: r.trainCurve }))),
    lineFigure('Epochs until every training label is fit (mean over seeds, min-max)', 'fraction of labels random', 'epochs to fit',
      [{ name: 'epochs to fit', mode: 'lines+markers', x: p.corruption, ...band(span((r) => r.epochsToFit ?? p.maxEpochs)) }]),
    lineFigure('Test accuracy on true labels (mean over seeds, min-max)', 'fraction of labels random', 'test accuracy',
      [{ name: 'test accuracy', mode: 'lines+markers', x: p.corruption, ...band(span((r) => r.testAccuracy)) }, { name: 'chance', mode: 'lines', x: [0, 1], y: [0.1, 0.1] }]),
  ];
}

const common = { source: 'subset' as const, hidden: 512, corruption: [0, 0.2, 0.4, 0.6, 0.8, 1], lr: 0.01, batchSize: 32 };

export const claim = defineClaim<B13Params, B13Seed>({
  id: 'B13',
  slug: 'random-labels',
  paper: 'Understanding deep learning requires rethinking generalization (Zhang et al. 2017)',
  claim: 'networks fit random labels perfectly; fitting time grows with the corrupted fraction; test accuracy falls to chance',
  setting: '[784, 512, 10] ReLU MLP (the paper\'s MLP 1x512) on 1000 Fashion-MNIST images, each label redrawn uniformly with probability 0, 0.2, ..., 1; ' +
    'SGD momentum 0.9, lr 0.01, batch 32, until training accuracy is 100% (at most 300 epochs); test on 1000 true-labelled images',
  rule: 'training accuracy reaches 100% in every run; epochs-to-fit increases with the corrupted fraction (per-seed slopes, 95% t-interval above 0); ' +
    'test accuracy with all labels random has a 95% t-interval that covers 0.1',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 64, nTest: 100, hidden: 64, corruption: [0, 1], maxEpochs: 20 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 500, nTest: 1000, maxEpochs: 300 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, nTest: 1000, maxEpochs: 500 },
  },
  seed: seedB13,
  summarize: summarizeB13,
});
