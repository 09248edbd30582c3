/**
 * B7. Virtual adversarial training (Miyato, Maeda, Koyama & Ishii 2018): smoothing the predicted
 * distribution around every input, labeled or not, lets a classifier learn from a handful of labels
 * what the labels alone cannot teach it.
 *
 * Setting: two moons with 8 labels (4 per class) and an unlabeled pool, as in the paper's 2-D
 * demonstration; and Fashion-MNIST with 100 labels (10 per class) and an unlabeled pool, as its MNIST
 * experiments with 100 labels. Per seed and task one labeled draw and initialisation shared by the
 * supervised arm (cross-entropy on the labels alone) and the VAT arm (plus alpha * VAT loss on an
 * unlabeled batch per step). eps from the data's scale, fixed in advance: 0.2 on the moons (below
 * half the ~0.5 gap between the arcs, above the 0.1 noise), 2.0 on images (the paper's MNIST value).
 */
import * as tf from '@tensorflow/tfjs';
import { take, toTensors, type Dataset } from '../data/dataset.js';
import { moons } from '../data/toy2d.js';
import { barFigure, heatmapFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { vatPenalty } from '../techniques/adversarial/index.js';
import { train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

interface TaskParams {
  labelsPerClass: number;
  unlabeled: number;
  nTest: number;
  hidden: number[];
  steps: number;
  lr: number;
  eps: number;
  alpha: number;
  unlabeledBatch: number;
}

export interface B7Params extends BaseParams {
  moons: TaskParams & { noise: number };
  /** null leaves the image task out (smoke) */
  fmnist: TaskParams | null;
}

export const ARMS = ['supervised', 'VAT'] as const;
type Arm = (typeof ARMS)[number];
const TASKS = ['moons', 'fmnist'] as const;
type Task = (typeof TASKS)[number];

export interface B7Seed {
  rows: ClaimResult['rows'];
  accuracy: Partial<Record<Task, Record<Arm, number>>>;
  /** moons: P(class 1) over a grid, per arm, and the labeled points (first seed's figure) */
  plane: { x: number[]; y: number[]; z: Record<Arm, number[][]>; labeled: { x: number; y: number; c: number }[] };
}

const GRID = { x: Array.from({ length: 61 }, (_, i) => -1.5 + (4 * i) / 60), y: Array.from({ length: 41 }, (_, i) => -1 + (2.5 * i) / 40) };

/** `perClass` labeled examples of each class, drawn by `rng`. */
function balancedLabels(ds: Dataset, perClass: number, rng: Rng): Dataset {
  const order = rng.permutation(ds.y.length);
  const taken = new Map<number, number>();
  const idx = Array.from(order).filter((i) => {
    const c = ds.y[i];
    const n = taken.get(c) ?? 0;
    if (n >= perClass) return false;
    taken.set(c, n + 1);
    return true;
  });
  return take(ds, idx, `${ds.name} (${idx.length} labels)`);
}

async function trainArm(arm: Arm, t: TaskParams, sizes: number[], labeled: Dataset, unlabeled: tf.Tensor, rng: Rng, label: string): Promise<Model> {
  const model = mlp({ sizes }, rng.fork('init'));
  const penalty = arm === 'VAT' ? vatPenalty({ model, unlabeled, batchSize: t.unlabeledBatch, alpha: t.alpha, eps: t.eps, rng: rng.fork('vat') }) : undefined;
  try {
    await train({ model, data: labeled, transform: adam(t.lr), batchSize: labeled.y.length, steps: t.steps, rng: rng.fork('order'), penalty, progress: 'silent', label });
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export async function seedB7(p: B7Params, seed: number): Promise<B7Seed> {
  const rng = new Rng(seed);
  const out: B7Seed = { rows: [], accuracy: {}, plane: { ...GRID, z: {} as Record<Arm, number[][]>, labeled: [] } };
  // moons
  const m = p.moons;
  const mr = rng.fork('moons');
  const labeled = moons(2 * m.labelsPerClass, m.noise, mr.fork('labels'));
  const pool = tf.tensor2d(moons(m.unlabeled, m.noise, mr.fork('pool')).x, [m.unlabeled, 2]);
  const test = moons(m.nTest, m.noise, mr.fork('test'));
  out.plane.labeled = Array.from(labeled.y, (c, i) => ({ x: labeled.x[2 * i], y: labeled.x[2 * i + 1], c }));
  const grid = tf.tensor2d(GRID.y.flatMap((y) => GRID.x.flatMap((x) => [x, y])), [GRID.x.length * GRID.y.length, 2]);
  out.accuracy.moons = {} as Record<Arm, number>;
  try {
    for (const arm of ARMS) {
      const model = await trainArm(arm, m, [2, ...m.hidden, 2], labeled, pool, mr, `B7 moons ${arm} seed ${seed}`);
      try {
        out.accuracy.moons[arm] = evaluate(model, test).accuracy;
        const p1 = tf.tidy(() => Array.from(tf.softmax(model.apply(grid)).slice([0, 1], [-1, 1]).dataSync()));
        out.plane.z[arm] = GRID.y.map((_, r) => p1.slice(r * GRID.x.length, (r + 1) * GRID.x.length));
        out.rows.push({ seed, task: 'moons', labels: labeled.y.length, arm, testAccuracy: out.accuracy.moons[arm] });
      } finally {
        model.dispose();
      }
    }
  } finally {
    tf.dispose([pool, grid]);
  }
  // Fashion-MNIST with 100 labels
  const f = p.fmnist;
  if (f) {
    const fr = rng.fork('fmnist');
    const { train: all, test: ftest } = fmnistSplits({ nTrain: f.unlabeled, nTest: f.nTest, source: 'subset' });
    const flabeled = balancedLabels(all, f.labelsPerClass, fr.fork('labels'));
    const fpool = tf.tidy(() => toTensors(all).x.reshape([f.unlabeled, -1]));
    out.accuracy.fmnist = {} as Record<Arm, number>;
    try {
      for (const arm of ARMS) {
        const model = await trainArm(arm, f, [784, ...f.hidden, 10], flabeled, fpool, fr, `B7 fmnist ${arm} seed ${seed}`);
        try {
          out.accuracy.fmnist[arm] = evaluate(model, ftest).accuracy;
          out.rows.push({ seed, task: 'fmnist', labels: flabeled.y.length, arm, testAccuracy: out.accuracy.fmnist[arm] });
        } finally {
          model.dispose();
        }
      }
    } finally {
      fpool.dispose();
    }
  }
  return out;
}

export function summarizeB7(p: B7Params, perSeed: B7Seed[]): ClaimResult {
  const tasks = TASKS.filter((t) => perSeed[0].accuracy[t]);
  const gains = Object.fromEntries(tasks.map((t) => [t, pairedT(perSeed.map((s) => s.accuracy[t]!.VAT), perSeed.map((s) => s.accuracy[t]!.supervised))]));
  const numbers: Record<string, number> = { seeds: perSeed.length };
  for (const t of tasks) {
    Object.assign(numbers, {
      [`${t}Supervised`]: mean(perSeed.map((s) => s.accuracy[t]!.supervised)), [`${t}Vat`]: mean(perSeed.map((s) => s.accuracy[t]!.VAT)),
      [`${t}Gain`]: gains[t].mean, [`${t}GainLo`]: gains[t].lo, [`${t}GainHi`]: gains[t].hi,
    });
  }
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: tasks.every((t) => gains[t].lo > 0) ? 'reproduced' : 'not reproduced',
      summary: tasks.map((t) => `${t === 'moons' ? `two moons, ${2 * p.moons.labelsPerClass} labels` : `Fashion-MNIST, ${10 * p.fmnist!.labelsPerClass} labels`}: ` +
        `test accuracy VAT ${numbers[`${t}Vat`].toFixed(3)} vs supervised ${numbers[`${t}Supervised`].toFixed(3)}, difference ${formatInterval(gains[t], 3)}`).join('; '),
      numbers,
    },
    figures: figuresB7(perSeed),
  };
}

function figuresB7(perSeed: B7Seed[]): Figure[] {
  const first = perSeed[0].plane;
  const boundary = (arm: Arm): Figure => {
    const fig = heatmapFigure(`Two moons, seed ${perSeed[0].rows[0].seed}: P(class 1) learned ${arm === 'VAT' ? 'with VAT on the unlabeled points' : 'from the labels alone'} (markers: the labeled points)`,
      { x: first.x, y: first.y, xTitle: 'x1', yTitle: 'x2', zTitle: 'P(class 1)' }, first.z[arm]);
    fig.data.push(...[0, 1].map((c) => ({
      type: 'scatter', mode: 'markers', name: `label ${c}`, x: first.labeled.filter((q) => q.c === c).map((q) => q.x), y: first.labeled.filter((q) => q.c === c).map((q) => q.y),
      marker: { size: 12, symbol: c ? 'x' : 'circle', color: c ? 'white' : 'black', line: { width: 2, color: c ? 'black' : 'white' } },
    })));
    return fig;
  };
  const tasks = TASKS.filter((t) => perSeed[0].accuracy[t]);
  return [
    boundary('supervised'), boundary('VAT'),
    barFigure('Test accuracy (mean over seeds, min-max)', 'accuracy', tasks.flatMap((t) => ARMS.map((a) => seedBar(`${t}: ${a}`, perSeed.map((s) => s.accuracy[t]![a]))))),
  ];
}

const moonsCommon = { labelsPerClass: 4, noise: 0.1, unlabeled: 1000, nTest: 1000, hidden: [64, 64], lr: 0.01, eps: 0.2, alpha: 1, unlabeledBatch: 128 };
const fmnistCommon = { labelsPerClass: 10, nTest: 1000, hidden: [256], lr: 1e-3, eps: 2, alpha: 1, unlabeledBatch: 64 };

export const claim = defineClaim<B7Params, B7Seed>({
  id: 'B7',
  slug: 'vat',
  paper: 'Virtual Adversarial Training: A Regularization Method for Supervised and Semi-Supervised Learning (Miyato et al. 2018)',
  claim: 'VAT (smoothness of the output distribution around each input) makes semi-supervised learning work from a handful of labels',
  setting: 'two moons (noise 0.1) with 8 labels and 1000 unlabeled points, [2, 64, 64, 2] MLP, Adam 1e-2, 1000 steps, eps 0.2; ' +
    'Fashion-MNIST with 100 labels and 2000 unlabeled images, [784, 256, 10] MLP, Adam 1e-3, 600 steps, eps 2.0 (the paper\'s MNIST value); ' +
    'VAT: alpha 1, one power iteration, xi 1e-3, on an unlabeled batch per step; same labels and initialisation per seed',
  rule: 'test accuracy VAT > supervised on each task, 95% paired t-interval above 0',
  scales: {
    smoke: { seeds: [1, 2], moons: { ...moonsCommon, unlabeled: 100, nTest: 100, steps: 20 }, fmnist: null },
    ci: { seeds: [1, 2, 3, 4, 5], moons: { ...moonsCommon, steps: 1000 }, fmnist: { ...fmnistCommon, unlabeled: 2000, steps: 600 } },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], moons: { ...moonsCommon, steps: 2000 }, fmnist: { ...fmnistCommon, unlabeled: 5000, steps: 3000 } },
  },
  seed: seedB7,
  summarize: summarizeB7,
});
