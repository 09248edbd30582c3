/**
 * E3. Neural collapse in the terminal phase of training (Papyan, Han & Donoho 2020; perturbation
 * analysis by Tirer, Huang & Niles-Weed 2023): once a network fits its training set, training on
 * keeps shrinking the within-class variability of its penultimate features relative to the spread
 * of the class means (NC1 falls), though practical networks do not reach exact collapse.
 *
 * Setting: an MLP on a Fashion-MNIST subset trained by SGD with momentum and weight decay well past
 * zero training error, with Papyan et al.'s step decay (lr x0.1 at 1/3 and 2/3 of training); NC1 of
 * the training features after every epoch. The terminal phase starts at the first epoch with zero
 * training error.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { neuralCollapseNC1 } from '../metrics/representation.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { train } from '../train/loop.js';
import { addDecayedWeights, chain, momentum } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface E3Params extends BaseParams, FmnistSize {
  hidden: number[];
  epochs: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
  /** the lr is multiplied by this at 1/3 and again at 2/3 of training (Papyan et al.: 0.1) */
  decay: number;
}

/** Papyan et al.'s step schedule: lr, then lr x decay from 1/3 of the steps, lr x decay^2 from 2/3. */
export function stepDecay(lr: number, decay: number, totalSteps: number): (step: number) => number {
  return (step) => lr * decay ** (step >= (2 * totalSteps) / 3 ? 2 : step >= totalSteps / 3 ? 1 : 0);
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
      model, data, transform: chain(addDecayedWeights(p.weightDecay), momentum(stepDecay(p.lr, p.decay, stepsPerEpoch * p.epochs), 0.9)), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('order'),
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

/** log(NC1 at the end / NC1 at the start of the terminal phase); 0 for a seed that never reaches it. */
const tptLogRatio = (s: E3Seed) => (s.tptStart === null ? 0 : Math.log(s.nc1.at(-1)! / s.nc1[s.tptStart - 1]));

/** NC1 of two 1-D classes at -1 +- a and 1 +- a: Sigma_W = a^2, Sigma_B = 1, so NC1 = a^2 / 2. */
function nc1Check(a: number): number {
  return neuralCollapseNC1([-1 - a, -1 + a, 1 - a, 1 + a], 1, [0, 0, 1, 1], 2);
}

export function summarizeE3(p: E3Params, perSeed: E3Seed[]): ClaimResult {
  const reached = perSeed.filter((s) => s.tptStart !== null);
  const slopes = perSeed.map(tptSlope).filter((v): v is number => v !== null);
  const tptShare = mean(perSeed.map((s) => (s.tptStart === null ? 0 : (s.nc1.length - s.tptStart + 1) / s.nc1.length)));
  const atStart = reached.length ? mean(reached.map((s) => s.nc1[s.tptStart! - 1])) : NaN;
  const atEnd = mean(perSeed.map((s) => s.nc1.at(-1)!));
  const effects = [
    // Papyan et al. see NC1 fall by one to two orders of magnitude over the terminal phase; the smallest
    // fall that counts here is a halving (log 2)
    meanOf('tptLogRatio', 'log(NC1 at the end / NC1 at the start of the terminal phase)', perSeed.map(tptLogRatio), { kind: 'direction', sign: -1, smallest: Math.log(2) }, { unit: 'log NC1' }),
  ];
  if (slopes.length >= 2) effects.push(meanOf('tptSlope', 'slope of log NC1 per epoch in the terminal phase', slopes, { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'log NC1 / epoch', decides: false, digits: 4 }));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'tptLogRatio',
      effects,
      premise: [
        premise('reachedTpt', 'share of seeds reaching zero training error', reached.length / perSeed.length, { atLeast: 1 }, { digits: 2 }),
        // a terminal phase long enough to see collapse: at least a fifth of training
        premise('tptShare', 'share of the epochs in the terminal phase (mean over seeds)', tptShare, { atLeast: 0.2 }, { digits: 2 }),
      ],
      checks: [check('nc1TwoClasses', 'NC1 of two 1-D classes at -1 +- 0.5 and 1 +- 0.5 (exact 0.125)', nc1Check(0.5), 0.125, 1e-12)],
      // NC1 at the start of the terminal phase only where some seed reached it (a mean of none is NaN)
      numbers: { seeds: perSeed.length, reachedTptSeeds: reached.length, nc1First: mean(perSeed.map((s) => s.nc1[0])), ...(reached.length ? { nc1AtTpt: atStart } : {}), nc1AtEnd: atEnd },
    }),
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

const common = { source: 'subset' as const, hidden: [256, 256], lr: 0.02, weightDecay: 5e-4, batchSize: 64, decay: 0.1 };

export const claim = defineClaim<E3Params, E3Seed>({
  id: 'E3',
  slug: 'neural-collapse',
  paper: 'Perturbation Analysis of Neural Collapse (Tirer, Huang & Niles-Weed 2023); Prevalence of neural collapse during the terminal phase of deep learning training (Papyan et al. 2020)',
  claim: 'in the terminal phase of training, within-class variability collapses (NC1 falls)',
  setting: '[784, 256, 256, 10] ReLU MLP on 1200 Fashion-MNIST images, SGD momentum 0.9 (lr 0.02, batch 64) with weight decay 5e-4, lr x0.1 at 1/3 and 2/3 of training ' +
    '(Papyan et al.\'s schedule), 350 epochs (the paper\'s length) at full; ci, cut to the CI budget: a [784, 32, 32, 10] MLP on 256 images for 30 epochs. NC1 of the training features after every epoch. ' +
    'Shrunk from the paper: an MLP on a subset, not a ResNet on the full set',
  rule: 'log(NC1 at the end / NC1 at the first zero-training-error epoch) below 0, and not wholly short of a halving (-log 2), 95% t interval over seeds; ' +
    'premise: every seed reaches zero training error and the terminal phase covers >= 20% of the epochs; check: NC1 of a two-class toy = a^2 / 2; slope of log NC1 per epoch reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 100, nTest: 10, hidden: [32], epochs: 3 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 256, nTest: 10, hidden: [32, 32], epochs: 30 },
    // full: ~27 min on 2 cores (an epoch on 5000 images probed at 3.8 CPU s: 0.91 s x 350 epochs x 10 seeds / 2 workers); 5000 images cut to 1200, keeping 350 epochs and 10 seeds
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 1200, nTest: 10, epochs: 350 },
  },
  seed: seedE3,
  summarize: summarizeE3,
});
