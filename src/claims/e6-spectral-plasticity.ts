/**
 * E6. Learning Continually by Spectral Regularization (Lewandowski, Schuurmans & Machado 2024): a
 * network trained on one task after another loses plasticity (it fits later tasks worse); regularising
 * each weight matrix's top singular value towards 1, which the paper argues sustains the gradient diversity the network had
 * at initialisation, sustains trainability better than L2 towards zero or L2 towards the initial weights.
 *
 * Setting (the paper's random-label memorisation benchmark, shrunk): a fixed set of N Fashion-MNIST
 * training images, average-pooled 2 x 2 to 14 x 14; each task gives them fresh uniformly random labels
 * (10 classes), so every task is pure memorisation and no task helps the next. A ReLU MLP 196-128-128-10
 * (He init) is trained with Adam (lr 0.003, batch 32, state kept across tasks) for a fixed number of
 * steps per task. Per task, its accuracy on its own training set at the task's end. Arms, from the same
 * initialisation and the same labels:
 * - plain: cross-entropy only;
 * - L2: + lambda sum theta^2;
 * - L2 Init (Kumar et al.): + lambda sum (theta - theta_0)^2;
 * - spectral: + lambda sum_l (sigma_max(W_l)^2 - 1)^2 over the three weight matrices (k = 2), sigma_max
 *   by two power steps per update with persistent vectors. (arXiv 2406.06811v2 section 4 also puts each
 *   layer's bias into its matrix as an extra column; not done here.)
 * Each regulariser's lambda was picked on pilot seeds (1000, 1001; 20 tasks of 100 steps, N = 128) as the
 * best of {1e-3, 1e-2} (spectral, L2 Init) or {1e-4, 1e-3} (L2) by mean accuracy over the last 5 tasks.
 * The Wasserstein-to-init regulariser is implemented (src/techniques/spectral-regularization) but not
 * run here.
 */
import { seedLinesFigure, barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { downsample, type Dataset } from '../data/dataset.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import {
  denseTopSingular, matrixIndices, powerSingular, SpectralPenalty, spectralPenaltyGradient, trainContinual, type RegulariserKind,
} from '../techniques/spectral-regularization/index.js';
import * as tf from '@tensorflow/tfjs';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { tEstimate } from '../stats/tests.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export type E6Arm = Exclude<RegulariserKind, 'wassersteinInit'>;

export interface E6Params extends BaseParams {
  /** images memorised per task */
  images: number;
  hidden: number;
  tasks: number;
  stepsPerTask: number;
  batch: number;
  lr: number;
  /** the last tasks whose mean accuracy is compared */
  lastTasks: number;
  /** arms run, with their lambda ('none' and 'spectral' and 'l2Init' are needed by the rule) */
  arms: Partial<Record<E6Arm, number>>;
}

/** the paper regularises sigma_max^k towards 1 with k = 2 */
const K = 2;
/** smallest claimed gains in mean accuracy over the last tasks (accuracy units) */
const GAIN_VS_PLAIN = 0.05;
/** power steps per update for the tracked sigma_max */
const POWER_STEPS = 2;
/** the spectral arm must end with its largest sigma_max at most this share of plain's (the regulariser must act on sigma_max) */
const SIGMA_SHARE = 0.9;
/** non-inferiority margin of the spectral arm's last-tasks minus first-tasks accuracy ("prevented", reported) */
const PREVENTED_MARGIN = 0.05;
const GAIN_VS_L2INIT = 0.02;
const ARM_NAMES: Record<E6Arm, string> = { none: 'plain Adam', l2: 'L2', l2Init: 'L2 Init', spectral: 'spectral' };

export interface E6Seed {
  rows: ClaimResult['rows'];
  /** per arm: task accuracies, their slope on the task index, the mean over the last tasks */
  acc: Partial<Record<E6Arm, number[]>>;
  slope: Partial<Record<E6Arm, number>>;
  last: Partial<Record<E6Arm, number>>;
  /** per arm: sigma_max of each weight matrix at the end */
  sigmaEnd: Partial<Record<E6Arm, number[]>>;
  /** sigma_max of each weight matrix at initialisation (every arm starts there) */
  sigmaInit: number[];
  /** per arm: whether training stayed finite */
  finite: Partial<Record<E6Arm, boolean>>;
  /**
   * worst relative error of sigma_max as the penalty tracked it (one warm-started power step per update)
   * against the dense value, over the spectral arm's final matrices (reported: the penalty flattens the top
   * of the spectrum, and a near-degenerate top pair is slow for power steps)
   */
  trackedRelErr: number;
  /** on a random 9 x 6 matrix: relative error of 200 power steps against the dense sigma_max */
  powerRelErr: number;
  /** worst relative error of the autodiff gradient of the spectral penalty against 2 (s^k - 1) k s^(k-1) u v^T on a random matrix */
  gradRelErr: number;
}

function images(p: E6Params, rng: Rng): Dataset {
  const all = loadFashionMnist({ split: 'train', source: 'subset' });
  const pick = rng.permutation(all.y.length).subarray(0, p.images);
  const x = new Float32Array(p.images * 784);
  pick.forEach((src, i) => x.set(all.x.subarray(src * 784, (src + 1) * 784), i * 784));
  return downsample({ ...all, name: 'fmnist-random-labels', x, y: new Int32Array(p.images) }, 2);
}

/**
 * The instruments on a random 9 x 6 matrix against its dense singular triple: sigma_max by 200 power steps
 * (relative error), and the penalty's autodiff gradient against the closed form (relative to its largest entry).
 */
function instrumentChecks(rng: Rng): { power: number; gradient: number } {
  const [r, c] = [9, 6];
  const w = Float64Array.from({ length: r * c }, () => 0.5 * rng.normal());
  const exact = denseTopSingular(w, r, c);
  const power = Math.abs(powerSingular(w, r, c, 200, undefined, rng.fork('power')).sigma - exact.sigma) / exact.sigma;
  const pen = new SpectralPenalty([[r, c]], rng.fork('start'), K, 200);
  const wt = tf.tensor2d(Float32Array.from(w), [r, c]);
  pen.refresh([wt]);
  const g = tf.tidy(() => tf.grad((m: tf.Tensor) => pen.penalty([m]))(wt).dataSync());
  wt.dispose();
  pen.dispose();
  const ref = spectralPenaltyGradient(exact, K);
  const scale = Math.max(...ref.map(Math.abs));
  return { power, gradient: Math.max(...ref.map((v, i) => Math.abs(g[i] - v))) / scale };
}

export async function seedE6(p: E6Params, seed: number): Promise<E6Seed> {
  const rng = new Rng(seed);
  const base = images(p, rng.fork('images'));
  const labels = rng.fork('labels');
  const taskLabels = Array.from({ length: p.tasks }, (_, t) => {
    const lr = labels.fork(`task${t}`);
    return Int32Array.from({ length: p.images }, () => lr.int(10));
  });
  const out: E6Seed = { rows: [], acc: {}, slope: {}, last: {}, sigmaEnd: {}, sigmaInit: [], finite: {}, trackedRelErr: 0, powerRelErr: 0, gradRelErr: 0 };
  ({ power: out.powerRelErr, gradient: out.gradRelErr } = instrumentChecks(rng.fork('instruments')));
  const taskIndex = Array.from({ length: p.tasks }, (_, t) => t + 1);
  for (const [arm, lambda] of Object.entries(p.arms) as [E6Arm, number][]) {
    // same initial weights, labels and batch order in every arm: the regulariser is the only difference
    const model = mlp({ sizes: [196, p.hidden, p.hidden, 10] }, rng.fork('init'));
    try {
      if (!out.sigmaInit.length) out.sigmaInit = matrixIndices(model).map((i) => {
        const [rows, cols] = model.params[i].shape;
        return denseTopSingular(model.params[i].dataSync(), rows, cols).sigma;
      });
      const r = trainContinual({
        model, tasks: p.tasks, stepsPerTask: p.stepsPerTask, batch: p.batch, lr: p.lr, regulariser: arm, lambda, spectralK: K, powerIters: POWER_STEPS, sigmaSteps: 0,
        rng: rng.fork('train'), task: (t) => ({ ...base, y: taskLabels[t] }),
      });
      const acc = r.taskAccuracy;
      out.finite[arm] = r.finite && acc.every(Number.isFinite);
      out.acc[arm] = acc;
      out.slope[arm] = fitLine(taskIndex, acc).slope;
      out.last[arm] = mean(acc.slice(-p.lastTasks));
      // sigma_max at the end, exact (dense) rather than by power steps
      out.sigmaEnd[arm] = matrixIndices(model).map((i) => {
        const [rows, cols] = model.params[i].shape;
        return denseTopSingular(model.params[i].dataSync(), rows, cols).sigma;
      });
      if (arm === 'spectral' && out.finite[arm]) matrixIndices(model).forEach((i, l) => {
        const [rows, cols] = model.params[i].shape;
        const dense = denseTopSingular(model.params[i].dataSync(), rows, cols).sigma;
        out.trackedRelErr = Math.max(out.trackedRelErr, Math.abs(r.trackedSigma![l] - dense) / dense);
      });
      acc.forEach((a, t) => out.rows.push({ seed, arm: ARM_NAMES[arm], lambda, task: t + 1, accuracy: a }));
    } finally {
      model.dispose();
    }
  }
  return out;
}

export function summarizeE6(p: E6Params, perSeed: E6Seed[]): ClaimResult {
  const arms = Object.keys(p.arms) as E6Arm[];
  // a diverged arm leaves NaN accuracies: the effects are then taken over the seeds where every arm stayed finite
  // (a premise makes the verdict inconclusive whenever any did not), and over zeros when fewer than two remain
  const nonFinite = perSeed.reduce((n, s) => n + arms.filter((a) => !s.finite[a]).length, 0);
  const kept = perSeed.filter((s) => arms.every((a) => s.finite[a]));
  const usable = kept.length >= 2;
  const get = (f: (s: E6Seed) => number | undefined) => (usable ? kept.map((s) => f(s) ?? NaN) : [0, 0]);
  const last = (arm: E6Arm) => get((s) => s.last[arm]);
  const first = (arm: E6Arm) => get((s) => mean((s.acc[arm] ?? []).slice(0, p.lastTasks)));
  const sigmaTop = (s: E6Seed, arm: E6Arm) => Math.max(...(s.sigmaEnd[arm] ?? [NaN]));
  const plainSlope = meanOf('plainSlope', `slope of plain Adam's end-of-task train accuracy on the task index (per seed, ${p.tasks} tasks)`, get((s) => s.slope.none),
    { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'accuracy per task', decides: false, digits: 4 });
  // the premise: plain loses plasticity by at least the gain the claim needs (first tasks minus last tasks, lower 95% bound)
  const plainLoss = tEstimate(first('none').map((f, i) => f - last('none')[i]));
  const effects = [
    paired('spectralMinusPlain', `mean train accuracy over the last ${p.lastTasks} tasks, spectral - plain`, last('spectral'), last('none'),
      { kind: 'direction', sign: 1, smallest: GAIN_VS_PLAIN }, { unit: 'accuracy', part: 'spectral regularisation sustains plasticity' }),
    paired('spectralMinusL2Init', `mean train accuracy over the last ${p.lastTasks} tasks, spectral - L2 Init`, last('spectral'), last('l2Init'),
      { kind: 'direction', sign: 1, smallest: GAIN_VS_L2INIT }, { unit: 'accuracy', part: 'spectral regularisation beats L2 Init' }),
    // "prevented": the spectral arm's last tasks no worse than its first by more than the margin (reported)
    paired('spectralPrevented', `spectral: mean train accuracy over the last ${p.lastTasks} tasks - over the first ${p.lastTasks}`, last('spectral'), first('spectral'),
      { kind: 'non-inferiority', margin: PREVENTED_MARGIN, sign: 1 }, { unit: 'accuracy', decides: false }),
    plainSlope,
    ...(p.arms.l2 !== undefined ? [paired('spectralMinusL2', `mean train accuracy over the last ${p.lastTasks} tasks, spectral - L2`, last('spectral'), last('l2'),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', decides: false })] : []),
    paired('l2InitMinusPlain', `mean train accuracy over the last ${p.lastTasks} tasks, L2 Init - plain`, last('l2Init'), last('none'),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', decides: false }),
  ];
  const numbers: Record<string, number> = {
    seeds: perSeed.length, trackedSigmaRelErr: Math.max(...perSeed.map((s) => s.trackedRelErr)),
    sigmaMaxInit: mean(perSeed.map((s) => Math.max(...s.sigmaInit))),
  };
  for (const arm of arms) {
    numbers[`${arm}Last`] = mean(last(arm));
    numbers[`${arm}First`] = mean(first(arm));
    numbers[`${arm}SigmaMaxEnd`] = mean(perSeed.map((s) => sigmaTop(s, arm)));
  }
  const sigmaShare = numbers.spectralSigmaMaxEnd / numbers.noneSigmaMaxEnd;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'spectralMinusPlain',
      effects,
      premise: [
        premise('allFinite', 'runs whose loss became non-finite (all arms and seeds)', nonFinite, { atMost: 0 }, { digits: 0 }),
        // the claim is about preventing a loss of plasticity big enough to test: plain's first tasks minus its last, lower 95% bound >= the claimed gain
        premise('plainLoss', `plain Adam's mean train accuracy over the first ${p.lastTasks} tasks - over the last ${p.lastTasks}, lower 95% bound`, usable ? plainLoss.lo : NaN, { atLeast: GAIN_VS_PLAIN }),
        // and the first task must be learnable at all (else nothing is lost): plain fits >= 60% of the random labels
        premise('plainFirstTask', 'plain Adam\'s mean train accuracy on the first task', usable ? mean(get((s) => s.acc.none?.[0])) : NaN, { atLeast: 0.6 }),
        // the regulariser must act on what it regularises: the spectral arm's exact largest sigma_max ends clearly below plain's
        premise('sigmaActs', 'spectral arm\'s largest sigma_max at the end / plain\'s (means over seeds, dense sigma_max)', sigmaShare, { atMost: SIGMA_SHARE }),
      ],
      checks: [
        check('powerIteration', 'worst relative error of sigma_max by 200 power steps against the dense eigen-decomposition of W^T W (a random 9 x 6 matrix per seed)', Math.max(...perSeed.map((s) => s.powerRelErr)), 0, 1e-9),
        check('penaltyGradient', 'worst relative error of the penalty\'s autodiff gradient (float32) against 2 (s^2 - 1) 2 s u v^T with the exact singular pair', Math.max(...perSeed.map((s) => s.gradRelErr)), 0, 1e-3),
      ],
      numbers,
    }),
    figures: figuresE6(p, perSeed),
  };
}

function figuresE6(p: E6Params, perSeed: E6Seed[]): Figure[] {
  const arms = Object.keys(p.arms) as E6Arm[];
  const x = Array.from({ length: p.tasks }, (_, t) => t + 1);
  return [
    seedLinesFigure('Random-label memorisation, task after task: train accuracy at each task\'s end', 'task', 'train accuracy',
      arms.map((arm) => ({ name: `${ARM_NAMES[arm]}${arm === 'none' ? '' : ` (lambda ${p.arms[arm]})`}`, seeds: perSeed.map((s) => ({ x, y: s.acc[arm] ?? [] })) }))),
    barFigure(`Mean train accuracy over the last ${p.lastTasks} tasks (mean over seeds, 95% t interval)`, 'train accuracy', arms.map((arm) => seedBar(ARM_NAMES[arm], perSeed.map((s) => s.last[arm] ?? NaN)))),
    barFigure('Largest sigma_max over the weight matrices, at initialisation and after the last task (mean over seeds, 95% t interval)', 'sigma_max',
      [seedBar('initialisation', perSeed.map((s) => Math.max(...s.sigmaInit))), ...arms.map((arm) => seedBar(ARM_NAMES[arm], perSeed.map((s) => Math.max(...(s.sigmaEnd[arm] ?? [NaN])))))]),
  ];
}

const common = { hidden: 128, batch: 32, lr: 0.003 };
const lambdas = { none: 0, l2: 1e-3, l2Init: 1e-2, spectral: 1e-3 };

export const claim = defineClaim<E6Params, E6Seed>({
  id: 'E6',
  slug: 'spectral-plasticity',
  paper: 'Learning Continually by Spectral Regularization (Lewandowski, Schuurmans & Machado 2024)',
  claim: 'loss of plasticity in continual learning is prevented by regularising each weight matrix\'s top singular value towards 1, better than L2 or L2 towards the initial weights',
  setting: 'random-label memorisation of a fixed set of Fashion-MNIST images (2 x 2 average-pooled to 14 x 14), fresh uniform labels each task; ReLU MLP 196-128-128-10, Adam (lr 0.003, batch 32, state kept across tasks), a fixed number of steps per task; ' +
    'arms from the same init and labels: plain, L2 (lambda 1e-3), L2 Init (1e-2), spectral (sum_l (sigma_max(W_l)^2 - 1)^2, 1e-3; two power steps per update; the bias is not put into the matrix as arXiv 2406.06811v2 does); lambdas picked per arm on pilot seeds 1000-1001. ' +
    'full: 10 seeds, 50 tasks of 100 steps on 128 images, last 10 tasks compared; ci, cut to the CI budget: 3 seeds, hidden width 64, 6 tasks of 40 steps on 64 images, no L2 arm, first and last 2 tasks compared. ' +
    'The paper runs thousands of steps per task on larger image sets and networks; Wasserstein-to-init is not run',
  rule: `mean train accuracy over the last tasks, spectral - plain, above 0 by >= ${GAIN_VS_PLAIN} and spectral - L2 Init above 0 by >= ${GAIN_VS_L2INIT} (paired t over seeds; two parts); ` +
    `premises: no run's loss becomes non-finite; plain Adam loses plasticity by at least the claimed gain (its mean accuracy over the first tasks minus the last, lower 95% bound >= ${GAIN_VS_PLAIN}) and fits >= 0.6 of the first task; ` +
    `the spectral arm's exact largest sigma_max ends at most ${SIGMA_SHARE} of plain's; reported: spectral's last - first tasks non-inferior at margin ${PREVENTED_MARGIN} ("prevented"), plain's slope over tasks, sigma_max at init and end per arm; ` +
    'checks (a random 9 x 6 matrix per seed): 200 power steps match the dense top singular value to 1e-9 relative, the penalty\'s autodiff gradient matches 2 (s^2 - 1) 2 s u v^T to 1e-3; spectral - L2 and L2 Init - plain reported, and how far the sigma_max the penalty tracks during training is from the dense value',
  scales: {
    smoke: { seeds: [1, 2], ...common, hidden: 32, images: 32, tasks: 3, stepsPerTask: 10, lastTasks: 2, arms: { none: 0, l2Init: lambdas.l2Init, spectral: lambdas.spectral } },
    ci: { seeds: [1, 2, 3], ...common, hidden: 64, images: 64, tasks: 6, stepsPerTask: 40, lastTasks: 2, arms: { none: 0, l2Init: lambdas.l2Init, spectral: lambdas.spectral } },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, images: 128, tasks: 50, stepsPerTask: 100, lastTasks: 10, arms: lambdas },
  },
  seed: seedE6,
  summarize: summarizeE6,
});
