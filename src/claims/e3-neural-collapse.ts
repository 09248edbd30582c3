/**
 * E3. Neural collapse in the terminal phase of training (Papyan, Han & Donoho 2020; perturbation
 * analysis by Tirer, Huang & Niles-Weed 2023): once a network fits its training set, training on
 * keeps shrinking the within-class variability of its penultimate features relative to the spread
 * of the class means (NC1 falls), though practical networks do not reach exact collapse.
 *
 * Setting: an MLP on a Fashion-MNIST subset trained by SGD with momentum and weight decay well past
 * zero training error; NC1 of the training features after every epoch. The terminal phase starts at
 * the first epoch with zero training error.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { neuralCollapseNC1 } from '../metrics/representation.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, tInterval } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { train } from '../train/loop.js';
import { addDecayedWeights, chain, momentum } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface E3Params extends BaseParams, FmnistSize {
  hidden: number[];
  epochs: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
}

export interface E3Seed {
  rows: ClaimResult['rows'];
  /** per epoch: training accuracy and NC1 */
  trainAccuracy: number[];
  nc1: number[];
  /** first epoch (1-based) with zero training error, or null */
  tptStart: number | null;
}

export async function seedE3(p: E3Params, seed: number): Promise<E3Seed> {
  const rng = new Rng(seed);
  const { train: data } = fmnistSplits(p);
  const model = mlp({ sizes: [784, ...p.hidden, 10] }, rng.fork('init'));
  const stepsPerEpoch = Math.floor(data.y.length / p.batchSize);
  const out: E3Seed = { rows: [], trainAccuracy: [], nc1: [], tptStart: null };
  try {
    await train({
      model, data, transform: chain(addDecayedWeights(p.weightDecay), momentum(p.lr, 0.9)), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('order'),
      progress: 'silent', logEvery: stepsPerEpoch, label: `E3 seed ${seed}`,
      onLog: (step) => {
        const ev = evaluate(model, data, true);
        const nc1 = neuralCollapseNC1(ev.features!, ev.featureDim!, data.y, 10);
        out.trainAccuracy.push(ev.accuracy);
        out.nc1.push(nc1);
        const epoch = Math.round(step / stepsPerEpoch);
        if (ev.accuracy === 1 && out.tptStart === null) out.tptStart = epoch;
        out.rows.push({ seed, epoch, trainAccuracy: ev.accuracy, nc1 });
      },
    });
  } finally {
    model.dispose();
  }
  return out;
}

/** Slope of log NC1 on epoch over the terminal phase, or null without one of at least 5 epochs. */
function tptSlope(s: E3Seed): number | null {
  if (s.tptStart === null || s.nc1.length - s.tptStart + 1 < 5) return null;
  const epochs = Array.from({ length: s.nc1.length - s.tptStart + 1 }, (_, i) => s.tptStart! + i);
  return fitLine(epochs, epochs.map((e) => Math.log(s.nc1[e - 1]))).slope;
}

export function summarizeE3(p: E3Params, perSeed: E3Seed[]): ClaimResult {
  const slopes = perSeed.map(tptSlope);
  const reached = slopes.filter((v): v is number => v !== null);
  const slope = reached.length >= 2 ? tInterval(reached) : null;
  const ok = reached.length === perSeed.length && slope !== null && slope.hi < 0;
  const atStart = mean(perSeed.filter((s) => s.tptStart).map((s) => s.nc1[s.tptStart! - 1]));
  const atEnd = mean(perSeed.map((s) => s.nc1.at(-1)!));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `zero training error reached on ${perSeed.filter((s) => s.tptStart).length}/${perSeed.length} seeds (epoch ${perSeed.map((s) => s.tptStart ?? '-').join(', ')}); ` +
        `NC1 ${mean(perSeed.map((s) => s.nc1[0])).toFixed(3)} after epoch 1, ${atStart.toFixed(3)} at the start of the terminal phase, ${atEnd.toFixed(3)} after ${p.epochs} epochs; slope of log NC1 per epoch in the terminal phase ` +
        (slope ? formatInterval(slope, 4) : 'n/a'),
      numbers: {
        seeds: perSeed.length, reachedTpt: reached.length, nc1First: mean(perSeed.map((s) => s.nc1[0])), nc1AtTpt: atStart, nc1AtEnd: atEnd,
        slope: slope?.mean ?? NaN, slopeLo: slope?.lo ?? NaN, slopeHi: slope?.hi ?? NaN,
      },
    },
    figures: figuresE3(perSeed),
  };
}

function figuresE3(perSeed: E3Seed[]): Figure[] {
  const epochs = perSeed[0].nc1.map((_, i) => i + 1);
  return [
    lineFigure('NC1 = Tr(Sigma_W Sigma_B^+) / C of the training features per epoch (one line per seed; markers: first epoch with zero training error)', 'epoch', 'NC1', [
      ...perSeed.map((s, i) => ({ name: `seed ${s.rows[0]?.seed ?? i + 1}`, x: epochs, y: s.nc1 })),
      { name: 'terminal phase starts', mode: 'markers' as const, x: perSeed.filter((s) => s.tptStart).map((s) => s.tptStart!), y: perSeed.filter((s) => s.tptStart).map((s) => s.nc1[s.tptStart! - 1]) },
    ], { logY: true }),
    lineFigure('Training accuracy per epoch', 'epoch', 'training accuracy', perSeed.map((s, i) => ({ name: `seed ${s.rows[0]?.seed ?? i + 1}`, x: epochs, y: s.trainAccuracy }))),
  ];
}

const common = { source: 'subset' as const, hidden: [256, 256], lr: 0.02, weightDecay: 5e-4, batchSize: 64 };

export const claim = defineClaim<E3Params, E3Seed>({
  id: 'E3',
  slug: 'neural-collapse',
  paper: 'Perturbation Analysis of Neural Collapse (Tirer, Huang & Niles-Weed 2023); Prevalence of neural collapse during the terminal phase of deep learning training (Papyan et al. 2020)',
  claim: 'in the terminal phase of training, within-class variability collapses (NC1 falls)',
  setting: '[784, 256, 256, 10] ReLU MLP on 1000 Fashion-MNIST images, SGD momentum 0.9 (lr 0.02, batch 64) with weight decay 5e-4, 150 epochs; NC1 of the training features after every epoch',
  rule: 'every seed reaches zero training error; the per-seed slope of log NC1 on epoch over the terminal phase has a 95% t-interval below 0',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 100, nTest: 10, hidden: [32], epochs: 3 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 1000, nTest: 10, epochs: 150 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, nTest: 10, epochs: 350 },
  },
  seed: seedE3,
  summarize: summarizeE3,
});
