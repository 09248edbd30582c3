/**
 * A5. Can forward gradient match backpropagation? (Fournier et al. 2023). A forward gradient is the
 * directional derivative along a guess v (one forward-mode pass, here a jvp by double vjp) times v.
 * With random guesses it is unbiased, but its cosine with the true gradient falls like 1/sqrt(d);
 * guesses from a local loss align far better.
 *
 * Setting, shrunk from the paper's CNNs on CIFAR to MLPs on 7x7 Fashion-MNIST (4x4-averaged), one
 * batch of `batchSize` images, per seed:
 * - unbiasedness: for a [49, width, 10] MLP at initialisation, the mean of N Gaussian-guess forward
 *   gradients misses the true gradient by exactly the variance term if there is no bias:
 *   E|mean - g|^2 = (d + 1)|g|^2 / N. The ratio of the two should be 1 (t-interval over seeds).
 * - dimension: mean |cosine| of a random-guess forward gradient for widths `widths` (d = 60 w + 10
 *   parameters); the slope of log mean|cos| on log d should be -0.5.
 * - local loss: for the first layer of a [49, hidden, hidden, 10] MLP trained `trainSteps` Adam steps,
 *   the guess is the gradient of a local loss (cross-entropy of a linear head on the first hidden
 *   layer, the head fitted by `headSteps` steps with the layer fixed); its forward gradient, projected
 *   on the guess, is compared with a Gaussian guess's on `batches` batches (paired by seed).
 */
import * as tf from '@tensorflow/tfjs';
import { batches, batchTensors, downsample, type Dataset } from '../data/dataset.js';
import { lineFigure, barFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { dot, gaussianVector, norm } from '../linalg/vectors.js';
import { cosine, forwardGradient } from '../techniques/forward-gradient/estimators.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { flatten } from '../util/flat.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A5Params extends BaseParams, FmnistSize {
  batchSize: number;
  /** hidden width of the unbiasedness model */
  width: number;
  /** forward-gradient samples averaged (the last is the tested one; the others draw the curve) */
  samples: number[];
  /** hidden widths of the dimension sweep */
  widths: number[];
  /** random guesses per width */
  cosineSamples: number;
  /** the local-loss model: hidden width, training steps, head-fitting steps, batches compared */
  hidden: number;
  trainSteps: number;
  headSteps: number;
  batches: number;
  /**
   * equivalence margin on the error ratio (target 1): a bias b adds N|b|^2 / ((d+1)|g|^2) to it, so
   * +-0.2 bounds the squared bias at a fifth of the variance term of the N-sample mean
   */
  ratioMargin: number;
  /** equivalence margin on the exponent of d (target -1/2): +-0.1 tells d^-1/2 from d^-0.4 and d^-0.6 */
  slopeMargin: number;
  /** smallest cosine gain of the local-loss guess that counts as "far better" (random guesses sit near sqrt(2/(pi d)), ~0.01-0.02 here) */
  smallestGain: number;
}

type Row = ClaimResult['rows'][number];

export interface A5Seed {
  rows: Row[];
  dim: number;
  /** relative error |mean - g| / |g| after each of params.samples */
  relErr: number[];
  /** |mean - g|^2 / ((d + 1)|g|^2 / N) at the largest N */
  errRatio: number;
  /** worst |jvp directional derivative - g . v| / (|g||v|) over the unbiasedness guesses */
  jvpError: number;
  dims: number[];
  meanAbsCos: number[];
  slope: number;
  localCos: number[];
  randomCos: number[];
}

const loss = crossEntropy();

/** The true gradient (backprop) of `f` at params, flat. */
function trueGradient(f: (ps: tf.Tensor[]) => tf.Scalar, params: readonly tf.Tensor[]): Float64Array {
  const g = tf.grads((...ps: tf.Tensor[]) => f(ps))([...params]);
  const flat = flatten(g);
  tf.dispose(g);
  return flat;
}

function unbiasedness(p: A5Params, x: tf.Tensor, y: tf.Tensor1D, features: number, rng: Rng) {
  const model = mlp({ sizes: [features, p.width, 10] }, rng.fork('init'));
  try {
    const f = (ps: tf.Tensor[]) => loss(model.apply(x, ps), y);
    const g = trueGradient(f, model.params);
    const d = g.length;
    const sum = new Float64Array(d);
    const relErr: number[] = [];
    const guesses = rng.fork('guesses');
    const nMax = Math.max(...p.samples);
    // the jvp's directional derivative against g . v from backprop, scaled by |g||v| (Cauchy-Schwarz), worst over guesses
    let jvpError = 0;
    for (let k = 1; k <= nMax; k++) {
      const v = gaussianVector(d, guesses);
      const fg = forwardGradient(f, model.params, v);
      jvpError = Math.max(jvpError, Math.abs(fg.directional - dot(g, v)) / (norm(g) * norm(v)));
      fg.estimate.forEach((e, i) => { sum[i] += e; });
      if (p.samples.includes(k)) relErr.push(norm(sum.map((s, i) => s / k - g[i])) / norm(g));
    }
    const errRatio = relErr[relErr.length - 1] ** 2 / ((d + 1) / nMax);
    return { dim: d, relErr, errRatio, jvpError };
  } finally {
    model.dispose();
  }
}

function dimensionSweep(p: A5Params, x: tf.Tensor, y: tf.Tensor1D, features: number, rng: Rng) {
  const dims: number[] = [];
  const meanAbsCos: number[] = [];
  for (const w of p.widths) {
    const model = mlp({ sizes: [features, w, 10] }, rng.fork(`width-${w}`));
    try {
      const f = (ps: tf.Tensor[]) => loss(model.apply(x, ps), y);
      const g = trueGradient(f, model.params);
      const guesses = rng.fork(`guesses-${w}`);
      const cos = Array.from({ length: p.cosineSamples }, () => Math.abs(cosine(forwardGradient(f, model.params, gaussianVector(g.length, guesses)).estimate, g)));
      dims.push(g.length);
      meanAbsCos.push(mean(cos));
    } finally {
      model.dispose();
    }
  }
  return { dims, meanAbsCos, slope: fitLine(dims.map(Math.log), meanAbsCos.map(Math.log)).slope };
}

/** First-layer forward gradients from a local-loss guess and from a Gaussian guess, per batch. */
async function localLoss(p: A5Params, data: Dataset, features: number, seed: number, rng: Rng) {
  const model = mlp({ sizes: [features, p.hidden, p.hidden, 10] }, rng.fork('init-local'));
  const head = mlp({ sizes: [p.hidden, 10] }, rng.fork('init-head'));
  const localCos: number[] = [];
  const randomCos: number[] = [];
  try {
    await train({ model, data, transform: adam(1e-3), batchSize: p.batchSize, steps: p.trainSteps, rng: rng.fork('train'), label: `A5 seed ${seed}` });
    const rest = model.params.slice(2);
    const hidden1 = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.relu(tf.add(tf.matMul(x.reshape([x.shape[0], -1]) as tf.Tensor2D, w as tf.Tensor2D), b));
    // the local head learns to classify from the first hidden layer, which stays fixed
    const h = tf.tidy(() => hidden1(tf.tensor(data.x, [data.y.length, features]), model.params[0], model.params[1]));
    const hiddenData: Dataset = { ...data, name: `${data.name}/hidden1`, x: h.dataSync() as Float32Array, featureShape: [p.hidden] };
    h.dispose();
    await train({ model: head, data: hiddenData, transform: adam(1e-2), batchSize: p.batchSize, steps: p.headSteps, rng: rng.fork('head'), label: `A5 head seed ${seed}` });
    const order = batches(data.y.length, p.batchSize, rng.fork('batches'));
    for (let b = 0; b < p.batches; b++) {
      const { x, y } = batchTensors(data, order.next().value as Int32Array);
      try {
        const global = (l1: tf.Tensor[]) => loss(model.apply(x, [...l1, ...rest]), y);
        const local = (l1: tf.Tensor[]) => loss(head.apply(hidden1(x, l1[0], l1[1])), y);
        const layer1 = model.params.slice(0, 2);
        const g = trueGradient(global, layer1);
        const guess = trueGradient(local, layer1);
        localCos.push(cosine(forwardGradient(global, layer1, guess, { project: true }).estimate, g));
        randomCos.push(cosine(forwardGradient(global, layer1, gaussianVector(g.length, rng.fork(`guess-${b}`)), { project: true }).estimate, g));
      } finally {
        tf.dispose([x, y]);
      }
    }
  } finally {
    model.dispose();
    head.dispose();
  }
  return { localCos, randomCos };
}

export async function seedA5(p: A5Params, seed: number): Promise<A5Seed> {
  const rng = new Rng(seed);
  const data = downsample(fmnistSplits(p).train, 4);
  const features = data.featureShape.reduce((a, b) => a * b, 1);
  const { x, y } = batchTensors(data, rng.fork('batch').permutation(data.y.length).subarray(0, p.batchSize));
  try {
    const u = unbiasedness(p, x, y, features, rng.fork('unbiased'));
    const s = dimensionSweep(p, x, y, features, rng.fork('dimension'));
    const l = await localLoss(p, data, features, seed, rng.fork('local'));
    const rows: Row[] = [
      { seed, part: 'unbiasedness', dim: u.dim, samples: Math.max(...p.samples), relErr: u.relErr[u.relErr.length - 1], errRatio: u.errRatio },
      ...s.dims.map((d, i) => ({ seed, part: 'dimension', dim: d, meanAbsCos: s.meanAbsCos[i], sqrtDTimesCos: Math.sqrt(d) * s.meanAbsCos[i] })),
      { seed, part: 'local loss', batches: p.batches, localCos: mean(l.localCos), randomCos: mean(l.randomCos) },
    ];
    return { rows, dim: u.dim, relErr: u.relErr, errRatio: u.errRatio, jvpError: u.jvpError, dims: s.dims, meanAbsCos: s.meanAbsCos, slope: s.slope, ...l };
  } finally {
    tf.dispose([x, y]);
  }
}

export function summarizeA5(p: A5Params, perSeed: A5Seed[]): ClaimResult {
  const n = Math.max(...p.samples);
  const local = perSeed.map((s) => mean(s.localCos));
  const random = perSeed.map((s) => mean(s.randomCos));
  const dims = perSeed[0].dims;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects: [
        meanOf('errRatio', `squared error of the mean of ${n} random-guess forward gradients / its no-bias value (d+1)|g|^2/N`, perSeed.map((s) => s.errRatio),
          { kind: 'equivalence', target: 1, margin: p.ratioMargin }, { part: 'unbiased' }),
        meanOf('slope', 'slope of log mean |cos| on log d (random guesses)', perSeed.map((s) => s.slope),
          { kind: 'equivalence', target: -0.5, margin: p.slopeMargin }, { part: 'cosine ~ d^-1/2' }),
        paired('cosDiff', 'first-layer cosine with the gradient, local-loss guess - random guess', local, random,
          { kind: 'direction', sign: 1, smallest: p.smallestGain }, { unit: 'cosine', part: 'local-loss guesses align far better' }),
      ],
      headline: 'cosDiff',
      premise: [
        // the dimension law needs d over at least a decade
        premise('dimDecades', 'decades of d in the width sweep', Math.log10(dims.at(-1)! / dims[0]), { atLeast: 1 }, { digits: 2 }),
      ],
      checks: [
        // forward mode (jvp by double vjp) must give the directional derivative backprop gives (float32)
        check('jvpError', 'jvp directional derivative - g . v, over |g||v| (worst guess and seed)', Math.max(...perSeed.map((s) => s.jvpError)), 0, 1e-4),
      ],
      numbers: { localCos: mean(local), randomCos: mean(random), dim: perSeed[0].dim, samples: n, seeds: perSeed.length },
    }),
    figures: figuresA5(p, perSeed),
  };
}

function figuresA5(p: A5Params, perSeed: A5Seed[]): Figure[] {
  const d = perSeed[0].dim;
  const dims = perSeed[0].dims;
  const avg = (f: (s: A5Seed) => number[]) => f(perSeed[0]).map((_, i) => mean(perSeed.map((s) => f(s)[i])));
  return [
    lineFigure(`Mean of N random-guess forward gradients vs the true gradient (d = ${d}, mean over seeds)`, 'N', '|mean - g| / |g|', [
      { name: 'measured', x: p.samples, y: avg((s) => s.relErr), mode: 'lines+markers' },
      { name: 'no bias: sqrt((d+1)/N)', x: p.samples, y: p.samples.map((k) => Math.sqrt((d + 1) / k)) },
    ], { logX: true, logY: true }),
    lineFigure('Cosine of a random-guess forward gradient with the gradient', 'parameters d', 'mean |cos|', [
      { name: 'measured (mean over seeds)', x: dims, y: avg((s) => s.meanAbsCos), mode: 'lines+markers' },
      { name: 'sqrt(2 / (pi d))', x: dims, y: dims.map((k) => Math.sqrt(2 / (Math.PI * k))) },
    ], { logX: true, logY: true }),
    barFigure('First-layer forward gradient: cosine with the true gradient (mean over seeds, min-max)', 'cosine', [
      { name: 'random guess', value: mean(perSeed.map((s) => mean(s.randomCos))), lo: Math.min(...perSeed.map((s) => mean(s.randomCos))), hi: Math.max(...perSeed.map((s) => mean(s.randomCos))) },
      { name: 'local-loss guess', value: mean(perSeed.map((s) => mean(s.localCos))), lo: Math.min(...perSeed.map((s) => mean(s.localCos))), hi: Math.max(...perSeed.map((s) => mean(s.localCos))) },
    ]),
  ];
}

const margins = { ratioMargin: 0.2, slopeMargin: 0.1, smallestGain: 0.1 };

export const claim = defineClaim<A5Params, A5Seed>({
  id: 'A5',
  slug: 'forward-gradient',
  paper: 'Can Forward Gradient Match Backpropagation? (Fournier et al. 2023)',
  claim: 'forward gradients with random guesses are unbiased but their cosine with the true gradient falls like 1/sqrt(d); guesses from a local loss align far better',
  setting: 'MLPs on 7x7 (4x4-averaged) Fashion-MNIST, one batch; jvp by double vjp; unbiasedness from the mean of N Gaussian-guess estimates, ' +
    'the dimension law over hidden widths, and first-layer guesses from a fitted linear head on the first hidden layer vs Gaussian guesses',
  rule: 'three parts: (1) squared error of the mean of N random-guess forward gradients / its no-bias value (d+1)|g|^2/N equivalent to 1 within +-0.2 (TOST, over seeds); ' +
    '(2) slope of log mean|cos| on log d equivalent to -0.5 within +-0.1 (TOST); (3) first-layer cosine, local-loss guess - random guess > 0 by >= 0.1 (paired 95% t-interval); ' +
    'premise: d spans >= 1 decade; check: jvp directional derivative = g . v (1e-4 of |g||v|)',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 500, nTest: 100, source: 'subset', batchSize: 64, width: 4, samples: [10, 20], widths: [2, 4, 8], cosineSamples: 10, hidden: 16, trainSteps: 20, headSteps: 20, batches: 2, ...margins },
    ci: { seeds: [1, 2, 3, 4, 5], nTrain: 1000, nTest: 100, source: 'subset', batchSize: 128, width: 16, samples: [10, 20], widths: [2, 8, 32], cosineSamples: 20, hidden: 32, trainSteps: 40, headSteps: 40, batches: 3, ...margins },
    // full: ~7-15 min on 2 cores (ci 4.7 CPU s x ~180 / 2 workers, up to 2x for the wider models and batch 256)
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nTrain: 5000, nTest: 1000, source: 'auto', batchSize: 256, width: 32, samples: [10, 30, 100, 300, 1000, 3000, 10000], widths: [2, 4, 8, 16, 32, 64, 128, 256], cosineSamples: 300, hidden: 128, trainSteps: 2000, headSteps: 1000, batches: 30, ...margins },
  },
  seed: seedA5,
  summarize: summarizeA5,
});
