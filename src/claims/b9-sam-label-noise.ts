/**
 * B9. Sharpness-aware minimization (Foret, Kleiner, Mobahi & Neyshabur 2021): SAM finds flatter minima
 * (lower top Hessian eigenvalue) and generalizes better than SGD, notably under label noise.
 *
 * Setting, shrunk from WideResNets on CIFAR to a [196, hidden, 10] ReLU MLP on a Fashion-MNIST subset
 * at 14x14 whose training labels are corrupted by symmetric noise at each rate of a grid: per seed and
 * rate one initialisation and batch order, SGD with momentum vs SAM (rho) around the same momentum
 * optimizer, same lr and steps. Test accuracy on clean labels; sharpness = top eigenvalue of the
 * (noisy-label) training loss's Hessian at the end, by Lanczos (the curvature toolkit).
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, toTensors } from '../data/dataset.js';
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { symmetricNoise } from '../techniques/label-noise/index.js';
import { sam } from '../techniques/sharpness/index.js';
import { train } from '../train/loop.js';
import { chain, momentum } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { sharpness as lambdaMax } from './shared/sharpness.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B9Params extends BaseParams, FmnistSize {
  hidden: number;
  noiseRates: number[];
  lr: number;
  rho: number;
  batchSize: number;
  epochs: number;
  lanczosSteps: number;
}

export const ARMS = ['sgd', 'sam'] as const;
type Arm = (typeof ARMS)[number];
type Row = ClaimResult['rows'][number];

export interface B9Seed {
  rows: Row[];
  /** per noise rate, per arm */
  accuracy: Record<Arm, number>[];
  sharpness: Record<Arm, number>[];
}

export async function seedB9(p: B9Params, seed: number): Promise<B9Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const [clean, test] = [downsample(splits.train, 2), downsample(splits.test, 2)];
  const rows: Row[] = [];
  const accuracy: Record<Arm, number>[] = [];
  const sharpness: Record<Arm, number>[] = [];
  for (const rate of p.noiseRates) {
    const data = { ...clean, y: symmetricNoise(clean.y, rate, 10, rng.fork(`noise ${rate}`)).y };
    const acc = {} as Record<Arm, number>;
    const sharp = {} as Record<Arm, number>;
    for (const arm of ARMS) {
      const model = mlp({ sizes: [196, p.hidden, 10] }, rng.fork('init'));
      const { x, y } = toTensors(data);
      try {
        const base = momentum(p.lr, 0.9);
        const r = await train({ model, data, transform: arm === 'sam' ? chain(sam({ rho: p.rho }), base) : base, batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('order'), progress: 'silent', label: `B9 ${arm} noise ${rate} seed ${seed}` });
        if (r.status !== 'ok') throw new Error(`B9 seed ${seed}: ${arm} diverged at noise ${rate}`);
        acc[arm] = evaluate(model, test).accuracy;
        sharp[arm] = lambdaMax(model, x, y, { steps: p.lanczosSteps, rng: rng.fork('lanczos') });
        rows.push({ seed, noise: rate, arm, testAccuracy: acc[arm], lambdaMax: sharp[arm], trainLoss: r.finalLoss });
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    }
    accuracy.push(acc);
    sharpness.push(sharp);
  }
  return { rows, accuracy, sharpness };
}

export function summarizeB9(p: B9Params, perSeed: B9Seed[]): ClaimResult {
  const per = p.noiseRates.map((rate, i) => ({
    rate,
    acc: pairedT(perSeed.map((s) => s.accuracy[i].sam), perSeed.map((s) => s.accuracy[i].sgd)),
    // log ratio: sharpness spans orders of magnitude across rates
    sharp: pairedT(perSeed.map((s) => Math.log(s.sharpness[i].sam)), perSeed.map((s) => Math.log(s.sharpness[i].sgd))),
  }));
  const ok = per.every((q) => q.acc.lo > 0 && q.sharp.hi < 0);
  const numbers: Record<string, number> = { seeds: perSeed.length };
  per.forEach((q) => {
    const k = Math.round(100 * q.rate);
    Object.assign(numbers, { [`accDiff${k}`]: q.acc.mean, [`accDiff${k}Lo`]: q.acc.lo, [`accDiff${k}Hi`]: q.acc.hi, [`logSharp${k}`]: q.sharp.mean, [`logSharp${k}Lo`]: q.sharp.lo, [`logSharp${k}Hi`]: q.sharp.hi });
  });
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: per.map((q, i) => `noise ${q.rate}: test accuracy SAM ${mean(perSeed.map((s) => s.accuracy[i].sam)).toFixed(3)} vs SGD ${mean(perSeed.map((s) => s.accuracy[i].sgd)).toFixed(3)}, ` +
        `difference ${formatInterval(q.acc, 3)}; lambda_max SAM / SGD ${Math.exp(q.sharp.mean).toFixed(2)} [${Math.exp(q.sharp.lo).toFixed(2)}, ${Math.exp(q.sharp.hi).toFixed(2)}]`).join('; '),
      numbers,
    },
    figures: figuresB9(p, perSeed),
  };
}

function figuresB9(p: B9Params, perSeed: B9Seed[]): Figure[] {
  const bars = (f: (s: B9Seed, i: number, a: Arm) => number) => p.noiseRates.flatMap((rate, i) => ARMS.map((a) => {
    const v = perSeed.map((s) => f(s, i, a));
    return seedBar(`${a.toUpperCase()}, noise ${rate}`, v);
  }));
  return [
    barFigure('Clean test accuracy (mean over seeds, min-max)', 'test accuracy', bars((s, i, a) => s.accuracy[i][a])),
    barFigure('Top Hessian eigenvalue of the training loss at the end (mean over seeds, min-max)', 'lambda_max', bars((s, i, a) => s.sharpness[i][a])),
  ];
}

const common = { source: 'subset' as const, hidden: 256, noiseRates: [0.2, 0.4], lr: 0.05, rho: 0.05, batchSize: 128 };

export const claim = defineClaim<B9Params, B9Seed>({
  id: 'B9',
  slug: 'sam-label-noise',
  paper: 'Sharpness-Aware Minimization for Efficiently Improving Generalization (Foret et al. 2021)',
  claim: 'SAM finds flatter minima (lower lambda_max) and generalizes better than SGD, notably under label noise',
  setting: '[196, 256, 10] ReLU MLP on 14x14 Fashion-MNIST with 20% and 40% symmetric label noise; SGD momentum 0.9 (lr 0.05) vs SAM (rho 0.05) around it, ' +
    'same initialisation, batches and steps; lambda_max of the training loss by Lanczos at the end',
  rule: 'at every noise rate: test acc(SAM) > acc(SGD) and lambda_max(SAM) < lambda_max(SGD), paired over seeds (95% t-intervals of the difference / log ratio)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 256, nTest: 200, hidden: 32, epochs: 1, lanczosSteps: 8, noiseRates: [0.4] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, nTest: 1000, epochs: 20, lanczosSteps: 20 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, nTest: 1000, epochs: 60, lanczosSteps: 30, noiseRates: [0, 0.2, 0.4, 0.6] },
  },
  seed: seedB9,
  summarize: summarizeB9,
});
