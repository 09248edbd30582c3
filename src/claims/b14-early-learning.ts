/**
 * B14. Early-learning regularization prevents memorization of noisy labels (Liu, Niles-Weed, Razavian
 * & Fernandez-Granda 2020): with noisy labels a network first fits the clean signal (its predictions
 * on mislabeled examples follow their true class), then memorizes the wrong labels; ELR prevents the
 * memorization.
 *
 * Setting, shrunk from CIFAR ResNets to a [196, hidden, 10] ReLU MLP on a Fashion-MNIST subset at
 * 14x14 with symmetric label noise; per seed one initialisation and batch order, CE vs CE + ELR
 * (beta, lambda as the paper's CIFAR-10 defaults). After every epoch: the share of mislabeled training
 * examples predicted as their TRUE class (memorization drives it down) and the clean test accuracy.
 */
import { downsample, take } from '../data/dataset.js';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { symmetricNoise } from '../techniques/label-noise/index.js';
import { train } from '../train/loop.js';
import { crossEntropy, earlyLearningRegularization } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B14Params extends BaseParams, FmnistSize {
  hidden: number;
  noise: number;
  lr: number;
  batchSize: number;
  epochs: number;
  beta: number;
  lambda: number;
}

export const ARMS = ['cross-entropy', 'ELR'] as const;
type Arm = (typeof ARMS)[number];

export interface B14Seed {
  rows: ClaimResult['rows'];
  /** per epoch: accuracy against the true labels on the mislabeled training examples */
  mislabeled: Record<Arm, number[]>;
  test: Record<Arm, number[]>;
  /** share of training labels flipped, and how many flipped labels still equal the true one (0 by construction) */
  flippedShare: number;
  flippedSame: number;
}

export async function seedB14(p: B14Params, seed: number): Promise<B14Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const [clean, test] = [downsample(splits.train, 2), downsample(splits.test, 2)];
  const { y, flipped } = symmetricNoise(clean.y, p.noise, 10, rng.fork('noise'));
  const data = { ...clean, y };
  const flippedIdx = Array.from(flipped.keys()).filter((i) => flipped[i]);
  const wrong = take(clean, flippedIdx);
  const mislabeled = {} as Record<Arm, number[]>;
  const testAcc = {} as Record<Arm, number[]>;
  const rows: ClaimResult['rows'] = [];
  for (const arm of ARMS) {
    const model = mlp({ sizes: [196, p.hidden, 10] }, rng.fork('init'));
    const loss = arm === 'ELR' ? earlyLearningRegularization({ examples: data.y.length, numClasses: 10, beta: p.beta, lambda: p.lambda }) : crossEntropy();
    mislabeled[arm] = [];
    testAcc[arm] = [];
    try {
      await train({
        model, data, transform: adam(p.lr), loss, batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('order'), progress: 'silent',
        logEvery: Math.floor(data.y.length / p.batchSize), label: `B14 ${arm} seed ${seed}`,
        onLog: (step) => {
          // `wrong` holds the mislabeled examples with their true labels
          mislabeled[arm].push(evaluate(model, wrong).accuracy);
          testAcc[arm].push(evaluate(model, test).accuracy);
          rows.push({ seed, arm, epoch: Math.round(step / Math.floor(data.y.length / p.batchSize)), trueLabelAccuracyOnMislabeled: mislabeled[arm].at(-1)!, testAccuracy: testAcc[arm].at(-1)! });
        },
      });
    } finally {
      model.dispose();
    }
  }
  return { rows, mislabeled, test: testAcc, flippedShare: wrong.y.length / y.length, flippedSame: wrong.y.filter((c, i) => c === y[flippedIdx[i]]).length };
}

export function summarizeB14(p: B14Params, perSeed: B14Seed[]): ClaimResult {
  const peak = (s: B14Seed, a: Arm) => Math.max(...s.mislabeled[a]);
  const last = (s: B14Seed, a: Arm) => s.mislabeled[a].at(-1)!;
  const per = (f: (s: B14Seed) => number) => perSeed.map(f);
  const m = (f: (s: B14Seed) => number) => mean(perSeed.map(f));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects: [
        // early learning: at its best, CE predicts the TRUE class on most mislabeled examples (the paper's Figure 1)
        meanOf('cePeak', 'CE: peak true-label accuracy on the mislabeled training examples', per((s) => peak(s, 'cross-entropy')),
          { kind: 'direction', sign: 1, reference: 0.5, smallest: 0 }, { unit: 'accuracy', part: 'CE fits the clean signal, then memorizes' }),
        // memorization: peak minus final is >= 0 by construction (a max over epochs), so only a drop of at least
        // 0.05 counts, several times the sampling error of one evaluation on ~800 examples (~0.015)
        paired('ceDrop', 'CE: peak minus final true-label accuracy on the mislabeled examples', per((s) => peak(s, 'cross-entropy')), per((s) => last(s, 'cross-entropy')),
          { kind: 'direction', sign: 1, smallest: 0.05 }, { unit: 'accuracy', part: 'CE fits the clean signal, then memorizes' }),
        // ELR prevents it: ends above CE by at least the drop that counts as memorization
        paired('elrVsCe', 'final true-label accuracy on the mislabeled examples, ELR - CE', per((s) => last(s, 'ELR')), per((s) => last(s, 'cross-entropy')),
          { kind: 'direction', sign: 1, smallest: 0.05 }, { unit: 'accuracy', part: 'ELR prevents memorization' }),
        paired('elrDrop', 'ELR: peak minus final true-label accuracy on the mislabeled examples', per((s) => peak(s, 'ELR')), per((s) => last(s, 'ELR')),
          { kind: 'direction', sign: 1, smallest: 0.05 }, { unit: 'accuracy', part: 'ELR prevents memorization', decides: false }),
        paired('testGain', 'final clean test accuracy, ELR - CE', per((s) => s.test.ELR.at(-1)!), per((s) => s.test['cross-entropy'].at(-1)!),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', part: 'ELR prevents memorization', decides: false }),
      ],
      headline: 'elrVsCe',
      premise: [
        premise('flippedShare', 'share of training labels flipped (symmetric noise at the nominal rate)', m((s) => s.flippedShare), { atLeast: p.noise - 0.05, atMost: p.noise + 0.05 }),
      ],
      checks: [
        check('flippedSame', 'flipped labels equal to their true class (all seeds)', perSeed.reduce((a, s) => a + s.flippedSame, 0), 0, 0),
      ],
      numbers: { cePeakMean: m((s) => peak(s, 'cross-entropy')), ceFinal: m((s) => last(s, 'cross-entropy')), elrFinal: m((s) => last(s, 'ELR')), seeds: perSeed.length },
    }),
    figures: figuresB14(p, perSeed),
  };
}

function figuresB14(p: B14Params, perSeed: B14Seed[]): Figure[] {
  const epochs = Array.from({ length: perSeed[0].mislabeled['cross-entropy'].length }, (_, i) => i + 1);
  const curve = (f: (s: B14Seed) => number[]) => epochs.map((_, i) => mean(perSeed.map((s) => f(s)[i])));
  return [
    lineFigure(`Mislabeled training examples predicted as their true class (mean over seeds, ${Math.round(100 * p.noise)}% noise)`, 'epoch', 'true-label accuracy',
      ARMS.map((a) => ({ name: a, x: epochs, y: curve((s) => s.mislabeled[a]) }))),
    lineFigure('Clean test accuracy (mean over seeds)', 'epoch', 'test accuracy', ARMS.map((a) => ({ name: a, x: epochs, y: curve((s) => s.test[a]) }))),
  ];
}

const common = { source: 'subset' as const, hidden: 256, noise: 0.4, lr: 1e-3, batchSize: 64, beta: 0.7, lambda: 3 };

export const claim = defineClaim<B14Params, B14Seed>({
  id: 'B14',
  slug: 'early-learning',
  paper: 'Early-Learning Regularization Prevents Memorization of Noisy Labels (Liu et al. 2020)',
  claim: 'with noisy labels, nets first fit the clean signal then memorize; ELR prevents the memorization',
  setting: '[196, 256, 10] ReLU MLP on 10000 Fashion-MNIST images at 14x14 with 40% symmetric label noise, Adam 1e-3, batch 64, 100 epochs; CE vs CE + ELR (beta 0.7, lambda 3); ' +
    'ci (cut to the CI budget): [196, 64, 10] on 128 images for 25 epochs',
  rule: 'CE: peak true-label accuracy on the mislabeled training points > 0.5 and peak minus final > 0 by >= 0.05 (t over seeds); ELR: final value above CE\'s by >= 0.05 ' +
    '(paired t); ELR\'s own drop and the clean test gain reported only; premise: flipped share within 0.05 of the noise rate; check: no flipped label equals its true class',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 128, nTest: 100, hidden: 64, epochs: 2 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 128, nTest: 300, hidden: 64, epochs: 25 },
    // full: ~20 min on 2 cores (an epoch of both arms on 10000 images ~2.4 CPU s, from 1.2 measured on 5000; x 100 epochs x 10 seeds / 2 workers); not cut
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 10000, nTest: 2000, source: 'auto', epochs: 100 },
  },
  seed: seedB14,
  summarize: summarizeB14,
});
