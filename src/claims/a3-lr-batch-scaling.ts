/**
 * A3. Learning rates as a function of batch size (Granziol et al. 2022): the largest stable learning
 * rate grows linearly with the batch size for SGD and like its square root for Adam, because the top
 * eigenvalue of the batch Hessian exceeds the full-data one and falls as the batch grows.
 *
 * Setting, shrunk from VGG/WideResNet on CIFAR-100 to a [49, hidden, 10] ReLU MLP on Fashion-MNIST
 * averaged to 7x7: from one initialisation per seed, the largest stable lr of SGD and of Adam is
 * searched for each batch size (scan by 2, then three bisections: bracket ratio 2^(1/8)); a rate is
 * stable when the training loss after `steps` steps, on a fixed batch order, is below the loss at the
 * start. At the same initial point, the top Hessian eigenvalue (Lanczos on Hessian-vector products,
 * from the curvature toolkit) of the full training loss and of random batches of each size.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, take, toTensors } from '../data/dataset.js';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { labelEntropy } from '../metrics/classification.js';
import { mlp } from '../models/mlp.js';
import { restoreParams, snapshotParams, type Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT, tInterval } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { maxStableLr } from '../techniques/lr-stability/index.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam, sgd } from '../train/transforms.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { sharpness } from './shared/sharpness.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export const OPTIMIZERS = ['sgd', 'adam'] as const;
type Optimizer = (typeof OPTIMIZERS)[number];
type Row = ClaimResult['rows'][number];

export interface A3Params extends BaseParams, FmnistSize {
  hidden: number;
  batchSizes: number[];
  /** steps of training a stability probe runs */
  steps: number;
  /** where each optimizer's search starts */
  startLr: Record<Optimizer, number>;
  refinements: number;
  /** random batches per size whose top Hessian eigenvalues are averaged */
  hessianBatches: number;
  lanczosSteps: number;
}

export interface A3Seed {
  rows: Row[];
  /** largest stable lr per optimizer, aligned with batchSizes */
  maxLr: Record<Optimizer, number[]>;
  /** mean top eigenvalue of batch Hessians, aligned with batchSizes */
  batchLambda: number[];
  fullLambda: number;
}

const TRANSFORMS = { sgd, adam } as const;

function fullLoss(model: Model, x: tf.Tensor, y: tf.Tensor1D): number {
  return tf.tidy(() => crossEntropy()(model.apply(x), y).dataSync()[0]);
}

export async function seedA3(p: A3Params, seed: number): Promise<A3Seed> {
  const rng = new Rng(seed);
  const data = downsample(fmnistSplits(p).train, 4);
  const features = data.featureShape.reduce((a, b) => a * b, 1);
  const model = mlp({ sizes: [features, p.hidden, 10] }, rng.fork('init'));
  const init = snapshotParams(model);
  const all = toTensors(data);
  const rows: Row[] = [];
  try {
    const startLoss = fullLoss(model, all.x, all.y);
    const constantLoss = labelEntropy(data.y, 10);
    const maxLr = {} as Record<Optimizer, number[]>;
    for (const opt of OPTIMIZERS) {
      maxLr[opt] = [];
      for (const batchSize of p.batchSizes) {
        const stable = async (lr: number): Promise<boolean> => {
          restoreParams(model, init);
          let worst = -Infinity;
          // the same batch order at every rate, so stability is a function of lr alone
          const run = await train({
            model, data, transform: TRANSFORMS[opt](lr), batchSize, steps: p.steps, rng: rng.fork(`order B=${batchSize}`), progress: 'silent',
            logEvery: Math.max(1, Math.floor(p.steps / 10)), onLog: () => { worst = Math.max(worst, fullLoss(model, all.x, all.y)); },
          });
          return run.status === 'ok' && isStable(worst, fullLoss(model, all.x, all.y), startLoss, constantLoss);
        };
        const found = await maxStableLr(stable, { start: p.startLr[opt], refinements: p.refinements }).catch((e: Error) => {
          throw new Error(`A3 seed ${seed}, ${opt} at batch ${batchSize} (${p.steps} steps per probe): ${e.message}`);
        });
        maxLr[opt].push(found.lr);
        rows.push({ seed, optimizer: opt, batchSize, maxStableLr: found.lr, firstUnstableLr: found.unstableLr, probes: found.probes.length });
      }
    }
    restoreParams(model, init);
    const fullLambda = sharpness(model, all.x, all.y, { steps: p.lanczosSteps, rng: rng.fork('lanczos full') });
    rows.push({ seed, optimizer: 'hessian', batchSize: data.y.length, lambdaMax: fullLambda });
    const batchLambda = p.batchSizes.map((batchSize) => {
      const draws = rng.fork(`hessian batches B=${batchSize}`);
      const values = Array.from({ length: p.hessianBatches }, (_, k) => {
        const { x, y } = toTensors(take(data, draws.permutation(data.y.length).subarray(0, batchSize)));
        try {
          return sharpness(model, x, y, { steps: p.lanczosSteps, rng: draws.fork(`lanczos ${k}`) });
        } finally {
          tf.dispose([x, y]);
        }
      });
      rows.push({ seed, optimizer: 'hessian', batchSize, lambdaMax: mean(values) });
      return mean(values);
    });
    return { rows, maxLr, batchLambda, fullLambda };
  } finally {
    tf.dispose([...init, all.x, all.y]);
    model.dispose();
  }
}

/**
 * A probe is stable when the full training loss never rose above where it started (checked ten times
 * along the run) and ends below the best constant predictor's: a rate that blows the loss up, or
 * knocks the ReLU network into predicting a constant, is past the edge.
 */
export function isStable(worstLoss: number, finalLoss: number, startLoss: number, constantLoss: number): boolean {
  return worstLoss <= startLoss && finalLoss < constantLoss;
}

const logSlope = (x: readonly number[], y: readonly number[]): number => fitLine(x.map(Math.log), y.map(Math.log)).slope;

export function summarizeA3(p: A3Params, perSeed: A3Seed[]): ClaimResult {
  const exponent = (opt: Optimizer) => perSeed.map((s) => logSlope(p.batchSizes, s.maxLr[opt]));
  const [sgdExp, adamExp] = [exponent('sgd'), exponent('adam')];
  const sgdCi = tInterval(sgdExp);
  const adamCi = tInterval(adamExp);
  const diff = pairedT(sgdExp, adamExp);
  const lambdaSlope = tInterval(perSeed.map((s) => logSlope(p.batchSizes, s.batchLambda)));
  // E lambda_max(H_batch) >= lambda_max(H_full) exactly (lambda_max is convex, E H_batch = H_full); the
  // estimates are noisy, so the check is on the geometric mean over seeds at each B, and the smallest
  // batch's paired interval
  const logRatio = (i: number) => perSeed.map((s) => Math.log(s.batchLambda[i] / s.fullLambda));
  const ratios = p.batchSizes.map((_, i) => Math.exp(mean(logRatio(i))));
  const minRatio = Math.min(...ratios);
  const smallest = tInterval(logRatio(0));
  const near = (ci: { mean: number }, target: number) => Math.abs(ci.mean - target) <= 0.25;
  const ok = near(sgdCi, 1) && near(adamCi, 0.5) && diff.lo > 0 && minRatio > 1 && smallest.lo > 0 && lambdaSlope.hi < 0;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `exponent of max stable lr in batch size (B = ${p.batchSizes[0]}-${p.batchSizes.at(-1)}): SGD ${formatInterval(sgdCi, 2)}, Adam ${formatInterval(adamCi, 2)}, ` +
        `SGD minus Adam ${formatInterval(diff, 2)}; top Hessian eigenvalue of a batch / of the full data ${ratios.map((r) => r.toFixed(2)).join(', ')} ` +
        `(log ratio at B=${p.batchSizes[0]} ${formatInterval(smallest, 2)}), ` +
        `slope of log lambda_max(batch) on log B ${formatInterval(lambdaSlope, 2)}`,
      numbers: {
        sgdExponent: sgdCi.mean, sgdLo: sgdCi.lo, sgdHi: sgdCi.hi, adamExponent: adamCi.mean, adamLo: adamCi.lo, adamHi: adamCi.hi,
        diff: diff.mean, diffLo: diff.lo, diffHi: diff.hi, minLambdaRatio: minRatio, smallestBatchLogRatioLo: smallest.lo,
        lambdaSlope: lambdaSlope.mean, lambdaSlopeLo: lambdaSlope.lo, lambdaSlopeHi: lambdaSlope.hi, seeds: perSeed.length,
      },
    },
    figures: figuresA3(p, perSeed, sgdCi.mean, adamCi.mean),
  };
}

function figuresA3(p: A3Params, perSeed: A3Seed[], sgdExp: number, adamExp: number): Figure[] {
  const geo = (f: (s: A3Seed) => number) => Math.exp(mean(perSeed.map((s) => Math.log(f(s)))));
  const fitted = (opt: Optimizer, k: number) => {
    const at = p.batchSizes.map((_, i) => geo((s) => s.maxLr[opt][i]));
    const c = mean(at.map((v, i) => Math.log(v) - k * Math.log(p.batchSizes[i])));
    return p.batchSizes.map((b) => Math.exp(c + k * Math.log(b)));
  };
  return [
    lineFigure('Largest stable learning rate vs batch size (geometric mean over seeds, min-max; lines: fitted power laws)', 'batch size', 'max stable lr', [
      ...OPTIMIZERS.map((opt) => ({
        name: opt, x: p.batchSizes, y: p.batchSizes.map((_, i) => geo((s) => s.maxLr[opt][i])), mode: 'markers' as const,
        errorLow: p.batchSizes.map((_, i) => Math.min(...perSeed.map((s) => s.maxLr[opt][i]))),
        errorHigh: p.batchSizes.map((_, i) => Math.max(...perSeed.map((s) => s.maxLr[opt][i]))),
      })),
      { name: `SGD fit, exponent ${sgdExp.toFixed(2)}`, x: p.batchSizes, y: fitted('sgd', sgdExp) },
      { name: `Adam fit, exponent ${adamExp.toFixed(2)}`, x: p.batchSizes, y: fitted('adam', adamExp) },
    ], { logX: true, logY: true }),
    lineFigure('Top Hessian eigenvalue at initialisation: batch vs full training data', 'batch size', 'lambda_max', [
      { name: 'batch Hessian (mean over batches, geometric mean over seeds)', x: p.batchSizes, y: p.batchSizes.map((_, i) => geo((s) => s.batchLambda[i])), mode: 'lines+markers' },
      { name: `full data (${p.nTrain} examples)`, x: p.batchSizes, y: p.batchSizes.map(() => geo((s) => s.fullLambda)) },
    ], { logX: true, logY: true }),
  ];
}

const common = { source: 'subset' as const, nTest: 100, hidden: 64, startLr: { sgd: 0.1, adam: 1e-3 }, refinements: 3 };

export const claim = defineClaim<A3Params, A3Seed>({
  id: 'A3',
  slug: 'lr-batch-scaling',
  paper: 'Learning Rates as a Function of Batch Size: A Random Matrix Theory Approach to Neural Network Training (Granziol et al. 2022)',
  claim: 'the largest stable lr scales ~linearly with batch size for SGD and ~sqrt for Adam; the batch-Hessian top eigenvalue exceeds the full-data one and falls with B',
  setting: '[49, 64, 10] ReLU MLP on 7x7 Fashion-MNIST, one initialisation per seed; max stable lr by scan and bisection (stable: training loss after a fixed number of steps ' +
    'below the starting loss, same batch order at every rate); top Hessian eigenvalues by Lanczos at the same point, full data and random batches',
  rule: 'fitted exponents of max stable lr in B with CIs: SGD near 1, Adam near 0.5 (means within 0.25), SGD minus Adam paired CI above 0; ' +
    'lambda_max(batch) above lambda_max(full) at every B (geometric mean over seeds; paired CI above 0 at the smallest B) and its log-log slope in B below 0',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 256, batchSizes: [8, 32], steps: 40, hessianBatches: 1, lanczosSteps: 8 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, batchSizes: [4, 8, 16, 32, 64, 128], steps: 100, hessianBatches: 4, lanczosSteps: 20 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'auto', nTrain: 10000, batchSizes: [2, 4, 8, 16, 32, 64, 128, 256, 512], steps: 300, hessianBatches: 10, lanczosSteps: 30 },
  },
  seed: seedA3,
  summarize: summarizeA3,
});
