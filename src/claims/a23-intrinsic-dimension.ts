/**
 * A23. Intrinsic Dimensionality Explains the Effectiveness of Language Model Fine-Tuning (Aghajanyan,
 * Zettlemoyer & Gupta 2021): fine-tuning a pretrained model needs only a low-dimensional random
 * subspace theta = theta_0 + P z (its intrinsic dimension d90: the smallest d reaching 90% of full
 * fine-tuning's accuracy), pre-training lowers d90, and larger pretrained models have lower d90 after
 * the same number of pre-training updates.
 *
 * Setting: Fashion-MNIST (downsampled) split by class: ReLU MLPs [in, w, w, 5] pretrained with Adam on
 * classes 0-4 for a fixed number of steps, at several widths w; the task is classes 5-9 (relabelled
 * 0-4). Per seed and model, full fine-tuning (all D parameters, Adam) gives the reference accuracy; then
 * subspace fine-tuning of z alone (z = 0 at the start, Adam, the same steps and batch order) through a
 * random projection P for each d of a log-spaced grid: dense Gaussian (unit expected column norm) up to
 * 2^26 entries, Fastfood (the paper's) beyond; every ci and full run stays under 2^26 and so uses the
 * dense P (Fastfood enters only the gradient check). The from-scratch arm is the same
 * procedure from a random initialisation of the scratch width (its reference: full training from that
 * initialisation), with the same projection as the pretrained model of that width. d90 is read off the
 * grid by `thresholdDimension` (first crossing of 0.9 x the reference, ln d interpolated linearly in
 * accuracy; censored at the grid's ends).
 * d90 is relative to each model's own reference, so a pretrained model whose full fine-tuning is worse
 * would get a looser target: the rule needs pretrained full fine-tuning to be non-inferior to scratch
 * (paired, margin 0.05), and reports d at a common absolute target (0.9 x the lower reference of the
 * models compared, per seed) as a robustness effect. Censored d90 enter the effects at the grid's ends:
 * the rule needs no scratch run censored above and at most a fifth of all runs censored.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, take, type Dataset } from '../data/dataset.js';
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { type Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import {
  dimensionGrid, fastfoodProjection, flattenParams, identityProjection, projectionMatrix, randomProjection, subspaceModel, thresholdDimension, type ThresholdDimension,
} from '../techniques/intrinsic-dimension/index.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { tEstimate } from '../stats/tests.js';
import { studentTQuantile } from '../stats/distributions.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A23Params extends BaseParams, FmnistSize {
  downsample: number;
  /** widths w of the pretrained [in, w, w, 5] MLPs (at least two: the width slope) */
  widths: number[];
  /** the from-scratch arm's width (one of `widths`) */
  scratchWidth: number;
  pretrainSteps: number;
  pretrainLr: number;
  /** fine-tuning: steps, batch, Adam rate of full fine-tuning and of z */
  steps: number;
  batchSize: number;
  fullLr: number;
  /** z's Adam rate at dimension d is subspaceLr / sqrt(d): Adam moves every coordinate of z by about its rate, so theta = theta_0 + P z
   * (unit-norm columns) moves by about rate x sqrt(d) per step; the scaling keeps that step the same at every d */
  subspaceLr: number;
  /** the d grid: dimensionGrid(dMin, dMax, dCount) */
  dMin: number;
  dMax: number;
  dCount: number;
  /** smallest claimed effects: ln d90 pretrained - scratch below -lnRatio; slope of ln d90 on ln w below -slope */
  lnRatio: number;
  slope: number;
}

const CLASSES = 5;
/** dense Gaussian projections up to 2^26 entries (256 MB of float32, the full scale's largest: 17093 x 2000), Fastfood beyond */
const MAX_DENSE = 2 ** 26;
/** non-inferiority margin of pretrained full fine-tuning accuracy against scratch (premise) */
const FULL_MARGIN = 0.05;
/** largest share of runs whose d90 is censored at a grid end (premise) */
const CENSORED_SHARE = 0.2;

/** One model's fine-tuning: the reference accuracy, the subspace accuracies on the grid, and its d90. */
export interface A23Run {
  width: number;
  pretrained: boolean;
  full: number;
  accuracies: number[];
  d90: number;
  censored: ThresholdDimension['censored'];
}

export interface A23Seed {
  runs: A23Run[];
  /** accuracy on the old classes (0-4) of each pretrained width, before fine-tuning */
  pretrainAccuracy: number[];
  /** max |dL/dz - P^T dL/dtheta| / max |P^T dL/dtheta| (a pretrained model, 8 columns of its projection) */
  gradientIdentity: number;
  /** max |theta after identity-subspace training - theta after full training|, same steps and batches */
  identityVsFull: number;
}

/** Classes [lo, lo + 5) of a dataset, relabelled 0-4. */
function classes(ds: Dataset, lo: number): Dataset {
  const idx = Array.from(ds.y).flatMap((c, i) => (c >= lo && c < lo + CLASSES ? [i] : []));
  const out = take(ds, idx);
  return { ...out, y: out.y.map((c) => c - lo), numClasses: CLASSES };
}

export async function seedA23(p: A23Params, seed: number): Promise<A23Seed> {
  const rng = new Rng(seed);
  const raw = fmnistSplits(p);
  const [tr, te] = p.downsample > 1 ? [downsample(raw.train, p.downsample), downsample(raw.test, p.downsample)] : [raw.train, raw.test];
  const [pre, preTest, task, taskTest] = [classes(tr, 0), classes(te, 0), classes(tr, CLASSES), classes(te, CLASSES)];
  const inputs = tr.featureShape.reduce((a, b) => a * b, 1);
  const grid = dimensionGrid(p.dMin, p.dMax, p.dCount);
  const fit = async (model: Model, lr: number, steps: number, data: Dataset, order: string, label: string) => {
    const r = await train({ model, data, transform: adam(lr), batchSize: p.batchSize, steps, rng: rng.fork(order), progress: 'silent', label: `A23 seed ${seed} ${label}` });
    if (r.status !== 'ok') throw new Error(`A23 seed ${seed}: ${label} diverged`);
  };
  // every fine-tuning run of the seed draws the same batch order (fork('finetune') each time): runs differ only in what trains
  const fineTune = async (base: Model, width: number, pretrained: boolean): Promise<A23Run> => {
    const label = `${pretrained ? 'pretrained' : 'scratch'} w${width}`;
    const accuracies: number[] = [];
    for (const d of grid) {
      // the same projection for the pretrained and the scratch model of a width (same D): a paired draw
      const proj = randomProjection(base.params.reduce((n, q) => n + q.size, 0), d, rng.fork(`projection w${width} d${d}`), MAX_DENSE);
      const sub = subspaceModel(base, proj);
      try {
        await fit(sub, p.subspaceLr / Math.sqrt(d), p.steps, task, 'finetune', `${label} d${d}`);
        accuracies.push(evaluate(sub, taskTest).accuracy);
      } finally {
        sub.dispose();
        proj.dispose();
      }
    }
    // full fine-tuning last: it changes the base model's parameters
    await fit(base, p.fullLr, p.steps, task, 'finetune', `${label} full`);
    const full = evaluate(base, taskTest).accuracy;
    const t = thresholdDimension(grid, accuracies, 0.9 * full);
    return { width, pretrained, full, accuracies, d90: t.d, censored: t.censored };
  };

  const runs: A23Run[] = [];
  const pretrainAccuracy: number[] = [];
  let gradientIdentity = NaN;
  for (const w of p.widths) {
    const base = mlp({ sizes: [inputs, w, w, CLASSES] }, rng.fork(`init w${w}`));
    try {
      await fit(base, p.pretrainLr, p.pretrainSteps, pre, `pretrain w${w}`, `pretrain w${w}`);
      pretrainAccuracy.push(evaluate(base, preTest).accuracy);
      newHead(base, w, rng);
      if (w === p.scratchWidth) gradientIdentity = gradientCheck(base, task, rng.fork('gradient check'));
      runs.push(await fineTune(base, w, true));
    } finally {
      base.dispose();
    }
  }
  const scratch = mlp({ sizes: [inputs, p.scratchWidth, p.scratchWidth, CLASSES] }, rng.fork('init scratch'));
  newHead(scratch, p.scratchWidth, rng);
  try {
    runs.push(await fineTune(scratch, p.scratchWidth, false));
  } finally {
    scratch.dispose();
  }
  return { runs, pretrainAccuracy, gradientIdentity, identityVsFull: await identityCheck(p, task, inputs, rng.fork('identity check')) };
}

/**
 * A fresh task head, as fine-tuning gives a pretrained model a new classifier: the output layer's kernel
 * drawn anew (He init) and its bias zeroed. The draw depends on the width only, so the pretrained and the
 * from-scratch model of a width share it.
 */
function newHead(model: Model, width: number, rng: Rng): void {
  const [kernel, bias] = model.params.slice(-2);
  tf.tidy(() => {
    kernel.assign(rng.fork(`head w${width}`).normalTensor([width, CLASSES], 0, Math.sqrt(2 / width)));
    bias.assign(tf.zerosLike(bias));
  });
}

/** dL/dz through a Fastfood subspace (d = 8) against P^T dL/dtheta with P materialised column by column. */
function gradientCheck(base: Model, task: Dataset, rng: Rng): number {
  const d = 8;
  const D = base.params.reduce((n, q) => n + q.size, 0);
  const proj = fastfoodProjection(D, d, rng);
  const sub = subspaceModel(base, proj);
  const batch = take(task, Int32Array.from({ length: 64 }, (_, i) => i));
  try {
    return tf.tidy(() => {
      const x = tf.tensor(batch.x, [64, ...batch.featureShape]);
      const y = tf.tensor1d(batch.y, 'int32');
      sub.params[0].assign(rng.normalTensor([d], 0, 1));
      const gz = tf.grads((z: tf.Tensor) => crossEntropy()(sub.apply(x, [z]), y))([sub.params[0]])[0].dataSync();
      const gt = flattenParams(tf.grads((...ps: tf.Tensor[]) => crossEntropy()(base.apply(x, ps), y))(sub.theta())).dataSync();
      const P = projectionMatrix(proj);
      const want = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < D; i++) s += P[i * d + j] * gt[i]; return s; });
      return Math.max(...want.map((v, j) => Math.abs(gz[j] - v))) / Math.max(...want.map(Math.abs));
    });
  } finally {
    sub.dispose();
    proj.dispose();
  }
}

/** A small model trained 10 steps directly and through the identity subspace (d = D): the parameters must agree. */
async function identityCheck(p: A23Params, task: Dataset, inputs: number, rng: Rng): Promise<number> {
  const sizes = [inputs, 8, CLASSES];
  const direct = mlp({ sizes }, rng.fork('init'));
  const base = mlp({ sizes }, rng.fork('init'));
  const sub = subspaceModel(base, identityProjection(base.params.reduce((n, q) => n + q.size, 0)));
  try {
    for (const m of [direct, sub]) await train({ model: m, data: task, transform: adam(p.fullLr), batchSize: p.batchSize, steps: 10, rng: rng.fork('order'), progress: 'silent' });
    return tf.tidy(() => tf.max(tf.abs(tf.sub(flattenParams(direct.params), flattenParams(sub.theta())))).dataSync()[0]);
  } finally {
    [direct, sub, base].forEach((m) => m.dispose());
  }
}

export function summarizeA23(p: A23Params, perSeed: A23Seed[]): ClaimResult {
  const grid = dimensionGrid(p.dMin, p.dMax, p.dCount);
  const run = (s: A23Seed, w: number, pretrained: boolean) => s.runs.find((r) => r.width === w && r.pretrained === pretrained)!;
  const lnD = (w: number, pretrained: boolean) => perSeed.map((s) => Math.log(run(s, w, pretrained).d90));
  const lnW = p.widths.map(Math.log);
  const slopes = perSeed.map((s) => fitLine(lnW, p.widths.map((w) => Math.log(run(s, w, true).d90))).slope);
  // robustness: d at a common absolute target per seed, 0.9 x the lower reference of the models compared
  const dAt = (r: A23Run, target: number) => Math.log(thresholdDimension(grid, r.accuracies, target).d);
  const pairTarget = (s: A23Seed) => 0.9 * Math.min(run(s, p.scratchWidth, true).full, run(s, p.scratchWidth, false).full);
  const widthTarget = (s: A23Seed) => 0.9 * Math.min(...p.widths.map((w) => run(s, w, true).full));
  const slopesCommon = perSeed.map((s) => fitLine(lnW, p.widths.map((w) => dAt(run(s, w, true), widthTarget(s)))).slope);
  // premise: pretrained full fine-tuning no worse than scratch by FULL_MARGIN (paired, one-sided 95% lower bound)
  const fullDiff = perSeed.map((s) => run(s, p.scratchWidth, true).full - run(s, p.scratchWidth, false).full);
  const fd = tEstimate(fullDiff);
  const fullLower = fd.estimate - studentTQuantile(0.95, fd.df!) * fd.se!;
  const all = perSeed.flatMap((s) => s.runs);
  const count = (f: (r: A23Run) => boolean) => all.filter(f).length;
  const geo = (xs: number[]) => Math.exp(mean(xs));
  return {
    rows: perSeed.flatMap((s, i) => s.runs.map((r) => ({
      seed: p.seeds[i], model: r.pretrained ? 'pretrained' : 'scratch', width: r.width, fullAccuracy: r.full, d90: r.d90, censored: r.censored,
      ...Object.fromEntries(grid.map((d, j) => [`acc_d${d}`, r.accuracies[j]])),
    }))),
    verdict: verdict({
      headline: 'pretrainedMinusScratch',
      effects: [
        // "pre-training lowers the intrinsic dimension": at least by a factor e^lnRatio (paired over seeds, same width and projections)
        paired('pretrainedMinusScratch', `ln d90, pretrained - from scratch (width ${p.scratchWidth})`, lnD(p.scratchWidth, true), lnD(p.scratchWidth, false),
          { kind: 'direction', sign: -1, smallest: p.lnRatio }, { unit: 'ln d', part: 'pre-training lowers d90', digits: 2 }),
        // "larger models have lower intrinsic dimension": per-seed slope of ln d90 on ln width, below -slope
        meanOf('widthSlope', `slope of ln d90 on ln width, pretrained widths ${p.widths.join(', ')} (per seed)`, slopes,
          { kind: 'direction', sign: -1, smallest: p.slope }, { unit: 'ln d per ln w', part: 'larger pretrained models have lower d90', digits: 2 }),
        paired('pretrainedMinusScratchCommon', `ln d at a common target (0.9 x the lower full accuracy of the pair), pretrained - from scratch (width ${p.scratchWidth})`,
          perSeed.map((s) => dAt(run(s, p.scratchWidth, true), pairTarget(s))), perSeed.map((s) => dAt(run(s, p.scratchWidth, false), pairTarget(s))),
          { kind: 'direction', sign: -1, smallest: p.lnRatio }, { unit: 'ln d', decides: false, digits: 2 }),
        meanOf('widthSlopeCommon', `slope of ln d on ln width at a common target (0.9 x the lowest full accuracy of the widths), pretrained widths ${p.widths.join(', ')} (per seed)`, slopesCommon,
          { kind: 'direction', sign: -1, smallest: p.slope }, { unit: 'ln d per ln w', decides: false, digits: 2 }),
      ],
      premise: [
        premise('pretrainedFull', 'full fine-tuning test accuracy, pretrained models (mean over seeds and widths; chance 0.2)', mean(all.filter((r) => r.pretrained).map((r) => r.full)), { atLeast: 0.6 }),
        premise('scratchFull', 'full training test accuracy from scratch (mean over seeds; chance 0.2)', mean(all.filter((r) => !r.pretrained).map((r) => r.full)), { atLeast: 0.6 }),
        premise('pretrainTask', 'pretrained models\' accuracy on their own classes 0-4 (mean; they learned something to transfer)', mean(perSeed.flatMap((s) => s.pretrainAccuracy)), { atLeast: 0.6 }),
        // d90 is relative to each model's own reference: a worse pretrained reference would loosen its target
        premise('fullNonInferior', `one-sided 95% lower bound of full fine-tuning accuracy, pretrained - from scratch (width ${p.scratchWidth}, paired over seeds)`, fullLower, { atLeast: -FULL_MARGIN }),
        premise('censoredAboveScratch', 'from-scratch runs whose d90 is censored above (never reached on the grid; its d90 would be a lower bound)', count((r) => !r.pretrained && r.censored === 'above'), { atMost: 0 }, { digits: 0 }),
        premise('censoredShare', 'share of runs whose d90 is censored at either end of the grid', count((r) => r.censored !== 'none') / all.length, { atMost: CENSORED_SHARE }),
      ],
      checks: [
        check('gradientIdentity', 'max |dL/dz - P^T dL/dtheta| / max |P^T dL/dtheta| (Fastfood, d = 8, worst seed)', Math.max(...perSeed.map((s) => s.gradientIdentity)), 0, 1e-3),
        check('identityIsFull', 'max |theta| difference, identity subspace (d = D) vs full training, 10 Adam steps (worst seed)', Math.max(...perSeed.map((s) => s.identityVsFull)), 0, 1e-5),
      ],
      numbers: {
        d90Scratch: geo(lnD(p.scratchWidth, false)),
        ...Object.fromEntries(p.widths.map((w) => [`d90PretrainedW${w}`, geo(lnD(w, true))])),
        censoredBelow: count((r) => r.censored === 'below'), censoredAbove: count((r) => r.censored === 'above'),
        fullPretrainedMinusScratch: fd.estimate, runs: all.length, seeds: perSeed.length,
      },
    }),
    figures: figuresA23(p, perSeed),
  };
}

function figuresA23(p: A23Params, perSeed: A23Seed[]): Figure[] {
  const grid = dimensionGrid(p.dMin, p.dMax, p.dCount);
  const models = [...p.widths.map((w) => ({ w, pre: true })), { w: p.scratchWidth, pre: false }];
  const name = (m: { w: number; pre: boolean }) => `${m.pre ? 'pretrained' : 'from scratch'}, width ${m.w}`;
  const runsOf = (m: { w: number; pre: boolean }) => perSeed.map((s) => s.runs.find((r) => r.width === m.w && r.pretrained === m.pre)!);
  return [
    lineFigure('Subspace fine-tuning accuracy / full fine-tuning accuracy vs d (mean over seeds; d90 where it crosses 0.9)', 'subspace dimension d', 'accuracy / full accuracy', [
      ...models.map((m) => ({ name: name(m), x: grid, y: grid.map((_, j) => mean(runsOf(m).map((r) => r.accuracies[j] / r.full))), mode: 'lines+markers' as const })),
      { name: '0.9', x: [grid[0], grid.at(-1)!], y: [0.9, 0.9] },
    ], { logX: true }),
    barFigure('d90 (geometric mean over seeds; bars: 95% t interval of ln d90, exponentiated)', 'd90', models.map((m) => {
      const b = seedBar(name(m), runsOf(m).map((r) => Math.log(r.d90)));
      return { name: b.name, value: Math.exp(b.value), lo: b.lo === undefined ? undefined : Math.exp(b.lo), hi: b.hi === undefined ? undefined : Math.exp(b.hi) };
    })),
  ];
}

// rates: the pilot (seed 1000) picked, at each scale, the fine-tuning rates with the highest training accuracy on the task after the scale's steps,
// on the pretrained model of the scratch width only (the from-scratch model was not tried: the rates may favour the pretrained arm)
// (ci, at 30 steps: full 1e-3 to 0.1, subspace at d = 160 0.01 to 1; full: full 3e-3 to 3e-2, subspace at d = 141 0.05 to 0.5); both picked z's rate
// 0.2 at the middle d, i.e. 0.2 sqrt(d) = 2.5 (ci) and 2.4 (full) in the 1 / sqrt(d) scaling: 2.5 at both. A first full pilot (seed 1000, fixed rate
// 0.2 at every d, the old head kept) collapsed to chance at d = 2000 (steps too large) and started the pretrained models from confident old-class
// outputs; the scaling and a new head (the paper's fine-tuning) answer those two defects. The claimed effects (ln 2, 0.1) were fixed before any run
const common = { source: 'subset' as const, nTest: 1000, batchSize: 64, pretrainLr: 1e-3, lnRatio: Math.log(2), slope: 0.1 };

export const claim = defineClaim<A23Params, A23Seed>({
  id: 'A23',
  slug: 'intrinsic-dimension',
  paper: 'Intrinsic Dimensionality Explains the Effectiveness of Language Model Fine-Tuning (Aghajanyan, Zettlemoyer & Gupta 2021)',
  claim: 'fine-tuning needs only a low intrinsic dimension (a random subspace reaching 90% of full fine-tuning accuracy), and pre-training lowers it; larger pretrained models have lower intrinsic dimension',
  setting: 'Fashion-MNIST split by class: ReLU MLPs [in, w, w, 5] pretrained by Adam (1e-3, batch 64) on classes 0-4 for a fixed number of steps at each width w; ' +
    'task: classes 5-9, with a new random output layer (shared by the pretrained and scratch model of a width). Per model full fine-tuning (Adam) is the reference; ' +
    'subspace fine-tuning trains only z in theta = theta_0 + P z (z = 0 at the start, Adam at rate 2.5 / sqrt(d), same steps and batches) ' +
    'for each d of a log grid, P dense Gaussian (unit expected column norm) up to 2^26 entries, Fastfood beyond; from scratch: the same from a random initialisation of one width, same projections. ' +
    'd90: first crossing of 0.9 x the reference test accuracy, ln d interpolated linearly in accuracy between grid points, censored at the grid ends. ' +
    'ci (cut to the CI budget): 7x7 images, 2000 training images, widths 16 and 32 (scratch 16), 40 pretraining and 20 fine-tuning steps, d in 10, 40, 160, 640; ' +
    'full: 14x14 images, the 5000-image subset, widths 16, 32, 64 (scratch 32), 1000 pretraining and 500 fine-tuning steps, 7 d from 10 to 2000 ' +
    '(the paper: RoBERTa/BERT on MRPC and other GLUE tasks, d up to 10^5, SAID Fastfood projections)',
  rule: 'ln d90 pretrained - from scratch (same width, paired over seeds) below 0 by >= ln 2; per-seed slope of ln d90 on ln width (pretrained) below 0 by >= 0.1 (t over seeds); ' +
    'premise: mean full fine-tuning accuracy (pretrained) and full training accuracy (scratch) >= 0.6 (chance 0.2), pretrained models >= 0.6 on their own classes; ' +
    `pretrained full fine-tuning accuracy non-inferior to scratch (paired, one-sided 95% lower bound >= -${FULL_MARGIN}); no scratch d90 censored above, at most ${CENSORED_SHARE} of runs censored; ` +
    'reported (robustness, not deciding): both effects at a common absolute target (0.9 x the lower full accuracy of the models compared, per seed); ' +
    'checks: dL/dz = P^T dL/dtheta (Fastfood, relative 1e-3), identity subspace (d = D) reproduces full training (1e-5)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 500, nTest: 200, downsample: 4, widths: [8, 16], scratchWidth: 8, pretrainSteps: 10, steps: 5, fullLr: 0.03, subspaceLr: 2.5, dMin: 4, dMax: 64, dCount: 3 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, downsample: 4, widths: [16, 32], scratchWidth: 16, pretrainSteps: 40, steps: 20, fullLr: 0.03, subspaceLr: 2.5, dMin: 10, dMax: 640, dCount: 4 },
    full: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 5000, downsample: 2, widths: [16, 32, 64], scratchWidth: 32, pretrainSteps: 1000, steps: 500, fullLr: 0.01, subspaceLr: 2.5, dMin: 10, dMax: 2000, dCount: 7 },
  },
  seed: seedA23,
  summarize: summarizeA23,
});
