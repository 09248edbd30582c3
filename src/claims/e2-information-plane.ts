/**
 * E2. Opening the black box of deep neural networks via information (Shwartz-Ziv & Tishby 2017):
 * in the information plane (I(X;T), I(T;Y) per hidden layer T, by binning), training has a fitting
 * phase, both rise, then a compression phase, I(X;T) falls. Saxe et al. (2018) found the compression
 * with tanh (double-saturating) units and not with ReLU. Reported honestly for both.
 *
 * Setting, the paper's: 12-bit binary inputs (all 4096 patterns), a label that is a spherically
 * symmetric function of the input (|x - c|^2 above its median, c fixed), a 12-10-7-5-4-3-2 network
 * trained on 85% of the patterns; I(X;T) and I(T;Y) of every hidden layer over all patterns, 30 bins
 * per unit over the layer's range across the whole run.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import type { Activation, Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { fitLine } from '../stats/regression.js';
import { binKeys, informationPlane } from '../techniques/information/index.js';
import { train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface E2Params extends BaseParams {
  epochs: number;
  /** epochs between information-plane measurements */
  every: number;
  lr: number;
  batchSize: number;
  bins: number;
}

const SIZES = [12, 10, 7, 5, 4, 3, 2];
const HIDDEN = SIZES.slice(1, -1);
export const ACTIVATIONS = ['tanh', 'relu'] as const;
type Act = (typeof ACTIVATIONS)[number];

/** All 4096 12-bit patterns; label 1 where |x - c|^2 exceeds its median (c fixed for the task). */
export function twelveBitTask(): Dataset {
  const task = new Rng(12);
  const c = Array.from({ length: 12 }, () => task.uniform());
  const x = new Float32Array(4096 * 12);
  const r = new Float64Array(4096);
  for (let i = 0; i < 4096; i++) for (let j = 0; j < 12; j++) { x[i * 12 + j] = (i >> j) & 1; r[i] += (x[i * 12 + j] - c[j]) ** 2; }
  const med = [...r].sort((a, b) => a - b)[2048];
  return { name: '12-bit', x, y: Int32Array.from(r, (v) => (v > med ? 1 : 0)), featureShape: [12], numClasses: 2 };
}

/**
 * Activations of every hidden layer on x (the MLP's parameters are kernel, bias per layer). The tensors
 * leave tf.tidy and are read after it: tidy walks whatever it returns, element by element for typed arrays.
 */
function hiddenActivations(model: Model, x: tf.Tensor, act: Activation): Float32Array[] {
  const layers = tf.tidy(() => {
    let h = x;
    return HIDDEN.map((_, l) => {
      h = tf.add(tf.matMul(h, model.params[2 * l]), model.params[2 * l + 1]);
      h = act === 'tanh' ? tf.tanh(h) : tf.relu(h);
      return h;
    });
  });
  const out = layers.map((h) => h.dataSync() as Float32Array);
  tf.dispose(layers);
  return out;
}

export interface E2Seed {
  rows: ClaimResult['rows'];
  epochs: number[];
  /** per activation, per hidden layer, per measurement: I(X;T) and I(T;Y) in bits */
  ixt: Record<Act, number[][]>;
  ity: Record<Act, number[][]>;
  testAccuracy: Record<Act, number>;
}

export async function seedE2(p: E2Params, seed: number): Promise<E2Seed> {
  const rng = new Rng(seed);
  const all = twelveBitTask();
  const order = rng.fork('split').permutation(4096);
  const cut = Math.round(0.85 * 4096);
  const pick = (idx: Int32Array): Dataset => ({ ...all, x: Float32Array.from(Array.from(idx).flatMap((i) => Array.from(all.x.subarray(i * 12, (i + 1) * 12)))), y: Int32Array.from(idx, (i) => all.y[i]) });
  const [trainSet, testSet] = [pick(order.subarray(0, cut)), pick(order.subarray(cut))];
  const x = tf.tensor2d(all.x, [4096, 12]);
  const out: E2Seed = { rows: [], epochs: [], ixt: {} as E2Seed['ixt'], ity: {} as E2Seed['ity'], testAccuracy: {} as Record<Act, number> };
  const stepsPerEpoch = Math.floor(cut / p.batchSize);
  try {
    for (const act of ACTIVATIONS) {
      const model = mlp({ sizes: SIZES, activation: act, init: 'glorot' }, rng.fork('init'));
      const snapshots: Float32Array[][] = [];
      const epochs: number[] = [];
      try {
        await train({
          model, data: trainSet, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('order'), progress: 'silent',
          logEvery: stepsPerEpoch * p.every, label: `E2 ${act} seed ${seed}`,
          onLog: (step) => { snapshots.push(hiddenActivations(model, x, act)); epochs.push(Math.round(step / stepsPerEpoch)); },
        });
        out.testAccuracy[act] = tf.tidy(() => {
          const pred = tf.argMax(model.apply(tf.tensor2d(testSet.x, [testSet.y.length, 12])), 1).dataSync();
          return Array.from(pred).filter((c, i) => c === testSet.y[i]).length / testSet.y.length;
        });
      } finally {
        model.dispose();
      }
      // bins over each layer's range across the whole run (tanh: its fixed range [-1, 1])
      out.ixt[act] = [];
      out.ity[act] = [];
      HIDDEN.forEach((d, l) => {
        const hi = act === 'tanh' ? 1 : Math.max(...snapshots.map((s) => s[l].reduce((m, v) => Math.max(m, v), 0)));
        const lo = act === 'tanh' ? -1 : 0;
        const plane = snapshots.map((s) => informationPlane(binKeys(s[l], d, p.bins, lo, hi > lo ? hi : lo + 1), all.y));
        out.ixt[act].push(plane.map((q) => q.ixt));
        out.ity[act].push(plane.map((q) => q.ity));
      });
      out.epochs = epochs;
      epochs.forEach((e, k) => HIDDEN.forEach((_, l) => out.rows.push({ seed, activation: act, layer: l + 1, epoch: e, ixt: out.ixt[act][l][k], ity: out.ity[act][l][k] })));
    }
  } finally {
    x.dispose();
  }
  return out;
}

/** Slope of I(X;T) of the last hidden layer over the second half of training (bits per epoch). */
function lateSlope(s: E2Seed, act: Act): number {
  const half = Math.floor(s.epochs.length / 2);
  const series = s.ixt[act][HIDDEN.length - 1];
  return fitLine(s.epochs.slice(half), series.slice(half)).slope;
}

export function summarizeE2(p: E2Params, perSeed: E2Seed[]): ClaimResult {
  const last = HIDDEN.length - 1;
  // compression: bits lost by the last hidden layer's I(X;T) from its peak to the end of training
  const fall = (a: Act) => perSeed.map((s) => Math.max(...s.ixt[a][last]) - s.ixt[a][last].at(-1)!);
  const slopes = (a: Act) => perSeed.map((s) => 100 * lateSlope(s, a));
  const all = twelveBitTask();
  const distinct = informationPlane(Array.from({ length: 4096 }, (_, i) => String(i)), all.y);
  const single = informationPlane(new Array<string>(4096).fill('0'), all.y);
  const part = 'tanh compresses';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'tanhFall',
      effects: [
        // the paper's compression phase loses several bits; the smallest fall that counts is 1 bit
        meanOf('tanhFall', 'tanh: last hidden layer I(X;T), peak - end of training', fall('tanh'), { kind: 'direction', sign: 1, smallest: 1 }, { unit: 'bits', part }),
        // and it falls late, after fitting: the slope over the second half of training below 0
        meanOf('tanhSlope', 'tanh: slope of the last hidden layer I(X;T) over the second half', slopes('tanh'), { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'bits / 100 epochs', part }),
        meanOf('reluFall', 'ReLU: last hidden layer I(X;T), peak - end of training', fall('relu'), { kind: 'direction', sign: 1, smallest: 1 }, { unit: 'bits', decides: false }),
        meanOf('reluSlope', 'ReLU: slope of the last hidden layer I(X;T) over the second half', slopes('relu'), { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'bits / 100 epochs', decides: false }),
      ],
      // a compression phase follows a fitting phase: the tanh network must have learned the task
      premise: [premise('tanhTestAccuracy', 'tanh: test accuracy (mean over seeds)', mean(perSeed.map((s) => s.testAccuracy.tanh)), { atLeast: 0.9 })],
      checks: [
        check('ixtDistinct', 'I(X;T) with every pattern in its own bin = log2 4096', distinct.ixt, 12, 1e-9),
        check('ixtSingle', 'I(X;T) with one bin for all patterns', single.ixt, 0, 1e-12),
      ],
      numbers: {
        seeds: perSeed.length,
        ...Object.fromEntries(ACTIVATIONS.flatMap((a) => [[`${a}Peak`, mean(perSeed.map((s) => Math.max(...s.ixt[a][last])))], [`${a}Final`, mean(perSeed.map((s) => s.ixt[a][last].at(-1)!))],
          // tanh's test accuracy is the premise's value (numbers.tanhTestAccuracy comes from it)
          ...(a === 'tanh' ? [] : [[`${a}TestAccuracy`, mean(perSeed.map((s) => s.testAccuracy[a]))]])])),
      },
    }),
    figures: figuresE2(perSeed),
  };
}

function figuresE2(perSeed: E2Seed[]): Figure[] {
  const s = perSeed[0];
  return ACTIVATIONS.map((a) => lineFigure(`Information plane, ${a} (seed ${s.rows[0].seed}): each hidden layer's trajectory over training (markers every measurement)`, 'I(X;T) (bits)', 'I(T;Y) (bits)',
    HIDDEN.map((d, l) => ({ name: `layer ${l + 1} (${d} units)`, mode: 'lines+markers' as const, x: s.ixt[a][l], y: s.ity[a][l] }))));
}

export const claim = defineClaim<E2Params, E2Seed>({
  id: 'E2',
  slug: 'information-plane',
  paper: 'Opening the Black Box of Deep Neural Networks via Information (Shwartz-Ziv & Tishby 2017)',
  claim: 'tanh networks show a compression phase in the information plane (reported for tanh and for ReLU, where it is known to fail)',
  setting: 'all 4096 12-bit patterns, label |x - c|^2 above its median (c fixed), 12-10-7-5-4-3-2 network (tanh or ReLU, Glorot init), Adam 1e-3, batch 128, 85% of the patterns; ' +
    'I(X;T), I(T;Y) of every hidden layer by binning (30 bins per unit over the layer\'s range across the run); at full 600 epochs, measured every 10, 10 seeds (cut from 3000 epochs to fit ~30 minutes on 2 cores); ' +
    'ci, cut to the CI budget: 3 epochs, measured every epoch, 3 seeds',
  rule: 'compression with tanh: the last hidden layer\'s I(X;T) falls from its peak to the end of training (95% t interval above 0, not wholly short of 1 bit) and its slope over the second half ' +
    'of training is below 0 (95% t); premise: tanh test accuracy >= 0.9; checks: I(X;T) = 12 bits with distinct bins, 0 with one bin; the same reported for ReLU',
  scales: {
    smoke: { seeds: [1, 2], epochs: 3, every: 1, lr: 1e-3, batchSize: 1024, bins: 30 },
    ci: { seeds: [1, 2, 3], epochs: 3, every: 1, lr: 1e-3, batchSize: 128, bins: 30 },
    // full: ~26 min on 2 cores (ci 4.7 CPU s x 667 (10 seeds x 600 epochs / 3 x 3) / 2 workers); 3000 epochs cut to 600
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], epochs: 600, every: 10, lr: 1e-3, batchSize: 128, bins: 30 },
  },
  seed: seedE2,
  summarize: summarizeE2,
});
