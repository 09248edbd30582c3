/**
 * D8. The Unreasonable Effectiveness of Gaussian Score Approximation for Diffusion Models and its
 * Applications (Wang & Vastola 2024): a trained denoiser is dominated by the Gaussian (linear) denoiser
 * of the data's mean and covariance at moderate to high noise, learns that Gaussian part first, and the
 * Gaussian model's closed-form probability flow can replace ("teleport" over) the first 15-30% of the
 * sampling steps without losing sample quality.
 *
 * Setting: Fashion-MNIST average-pooled to 7x7 (the paper's smallest experiments are MNIST and CIFAR-10 at
 * 28-32 px with U-Nets; the catalogue asks for 8x8 digits and 14x14; an MLP on 49 pixels is what 2 cores
 * train well enough to sample better than the Gaussian model), pixels in [-1, 1]. An MLP denoiser in EDM's form (Karras et al. 2022: preconditioning, ln sigma ~ N(-1.2, 1.2^2),
 * the paper's models) trained with Adam on a cosine. Per seed:
 * - Dominance: on training images noised at each sigma (the paper's probes), the share of the trained
 *   denoiser's deviation from the data mean that the Gaussian denoiser explains,
 *   1 - sum |D_net - D_gauss|^2 / sum |D_net - mu|^2, at moderate noise. The paper's own measure, the
 *   uncentred per-point share of the score, is reported beside it: near 1 at high noise for any denoiser
 *   that knows the mean, so it cannot decide. The training set's own ideal score is reported at low noise.
 * - Learned first: the same share at every checkpoint; a quarter of the way through training against the
 *   end, at sigma 0.5 and 1.
 * - Teleportation: EDM's deterministic Heun sampler (18 levels, sigma 80 to 0.002) from the same prior
 *   draws, in full and with its first k levels replaced by the Gaussian model's exact flow; sample quality
 *   is the Frechet distance to the test images in the features of a classifier trained on the same
 *   images (FID's recipe; raw pixels would only compare the moments the Gaussian model matches exactly).
 *   The loss is scaled by the whole range teleportation could lose: FD(teleport) - FD(full) over
 *   FD(Gaussian model alone, i.e. teleport all the way) - FD(full).
 */
import * as tf from '@tensorflow/tfjs';
import { toTensors, downsample, type Dataset } from '../data/dataset.js';
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import {
  deviationExplained, edmSigmas, empiricalDenoiser, fitGaussian, scoreExplainedVariance, frechetDistance, gaussianDenoiser, heunSample, teleport, trainEdmDenoiser, type Denoiser, type GaussianModel,
} from '../techniques/gaussian-score/index.js';
import { predictBatched, train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface D8Params extends BaseParams, FmnistSize {
  /** average-pooling factor of the 28x28 images (4: 7x7, 2: 14x14) */
  factor: number;
  net: { hidden: number[]; steps: number; batchSize: number; lr: number; pMean?: number; pStd?: number };
  /** checkpoints of the denoiser (evenly spaced over training, the last at its end) */
  checkpoints: number;
  /** noise levels where the Gaussian's explained variance is measured */
  sigmas: number[];
  /** training images noised per level (the paper's probes), and those the training set's own score is compared on */
  probes: number;
  empiricalProbes: number;
  /** the sampler's levels (EDM: 18) and the numbers of leading levels teleported over */
  samplerLevels: number;
  skips: number[];
  /** chains per sampler and seed */
  chains: number;
  /** the feature classifier for the Frechet distance */
  features: { hidden: number[]; steps: number };
}

/**
 * Dominance is judged on the share of the trained denoiser's deviation from the data mean that the
 * Gaussian denoiser explains, at moderate noise: sigma 1 and 2, around and below the data's largest
 * standard deviation (about 2.1 here), where naive theory does not yet vouch for the Gaussian. The paper's
 * own measure (the uncentred per-point share of the score) is reported beside it: a denoiser that outputs
 * the mean alone already scores 0.89 on it at sigma 1 and 0.98 at sigma 2, so it cannot decide. Bar 0.9.
 */
const DOMINANT_SIGMAS = [1, 2];
const EV_BAR = 0.9;
/**
 * "Learned first": the same share at the first checkpoint at or after a quarter of training against the
 * end of training, paired, at sigma 0.5 and 1 (where the paper sees the net leave the Gaussian late).
 */
const EARLY_SIGMAS = [0.5, 1];
const EARLY_FRACTION = 0.25;
/** The teleportation skips the claim covers (the paper's 15-30% of the steps) and its margin. */
const TELEPORT_MARGIN = 0.1;
const EMPIRICAL_SIGMAS = [0.05, 0.1, 0.2];
/** Heun levels of the solver check against the closed-form flow */
const FINE_LEVELS = 200;

export interface D8Seed {
  rows: ClaimResult['rows'];
  /** the paper's measure, the learned score's share explained by the Gaussian score, per checkpoint (rows) and sigma (columns) */
  ev: number[][];
  /** the share of the learned denoiser's deviation from the data mean that the Gaussian denoiser explains, per checkpoint and sigma */
  dev: number[][];
  /** the paper's measure for a denoiser that outputs the data mean alone, per sigma (a null) */
  evMeanOnly: number[];
  checkpointSteps: number[];
  /** the trained score's variance explained by the training set's ideal score, per EMPIRICAL_SIGMAS */
  evEmpirical: number[];
  /** Frechet distance to the test images, per skip; then the Gaussian model alone and a training-image floor */
  fd: number[];
  fdGaussian: number;
  fdFloor: number;
  /** relative RMS gap between Heun with the Gaussian denoiser and the Gaussian's exact flow: on a fine schedule (a solver check), on the sampler's levels */
  heunVsExact: number;
  heunGap: number;
  featureAccuracy: number;
  /** the square root of the data covariance's top eigenvalue (naive theory trusts the Gaussian only for sigma well above it) */
  topSd: number;
}

/** Pixels in [-1, 1] as float64, row-major. */
const pixels = (ds: Dataset) => Float64Array.from(ds.x, (v) => 2 * v - 1);

export async function seedD8(p: D8Params, seed: number): Promise<D8Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const [trainSet, testSet] = [downsample(splits.train, p.factor), downsample(splits.test, p.factor)];
  const images = pixels(trainSet);
  const d = trainSet.featureShape[0] * trainSet.featureShape[1];
  const g = fitGaussian(images, d);
  const out: D8Seed = { rows: [], ev: [], dev: [], evMeanOnly: [], checkpointSteps: [], evEmpirical: [], fd: [], fdGaussian: 0, fdFloor: 0, heunVsExact: 0, heunGap: 0, featureAccuracy: 0, topSd: Math.sqrt(g.values[0]) };
  // probes: training images noised once per level (the paper's), the same for every checkpoint
  const clean = images.subarray(0, p.probes * d);
  const probes = p.sigmas.map((s, k) => { const r = rng.fork(`probe ${k}`); return clean.map((v) => v + s * r.normal()); });
  const gaussOut = p.sigmas.map((s, k) => gaussianDenoiser(g)(probes[k], s));
  const measure = (step: number, den: Denoiser) => {
    const outs = p.sigmas.map((s, k) => den(probes[k], s));
    out.checkpointSteps.push(step);
    out.ev.push(outs.map((o, k) => scoreExplainedVariance(probes[k], o, gaussOut[k], d)));
    out.dev.push(outs.map((o, k) => deviationExplained(o, gaussOut[k], g.mean, d)));
  };

  // dominance and learned-first: the Gaussian's share at every checkpoint
  const net = await trainEdmDenoiser(images, d, { ...p.net, rng: rng.fork('denoiser'), checkpoint: { every: Math.floor(p.net.steps / p.checkpoints), call: measure } });
  try {
    const meanOnly = (x: Float64Array) => Float64Array.from(x, (_, i) => g.mean[i % d]);
    out.evMeanOnly = p.sigmas.map((_, k) => scoreExplainedVariance(probes[k], meanOnly(probes[k]), gaussOut[k], d));
    const empirical = empiricalDenoiser(images, d);
    out.evEmpirical = EMPIRICAL_SIGMAS.map((s) => {
      const x = clean.subarray(0, p.empiricalProbes * d).map((v) => v + s * rng.normal());
      return scoreExplainedVariance(x, net.denoise(x, s), empirical(x, s), d);
    });
    Object.assign(out, await teleportation(p, net.denoise, g, trainSet, testSet, rng.fork('teleportation')));
  } finally {
    net.dispose();
  }
  out.checkpointSteps.forEach((step, c) => p.sigmas.forEach((sigma, k) => out.rows.push({ seed, part: 'explained variance', step, sigma, deviationExplainedByGaussian: out.dev[c][k], scoreExplainedByGaussian: out.ev[c][k] })));
  EMPIRICAL_SIGMAS.forEach((sigma, k) => out.rows.push({ seed, part: 'explained variance', step: p.net.steps, sigma, scoreExplainedByTrainingSet: out.evEmpirical[k] }));
  const levels = edmSigmas(p.samplerLevels);
  p.skips.forEach((k, i) => out.rows.push({ seed, part: 'teleportation', skippedLevels: k, teleportTo: levels[k], frechetDistance: out.fd[i] }));
  out.rows.push({ seed, part: 'teleportation', sampler: 'Gaussian model alone', frechetDistance: out.fdGaussian });
  out.rows.push({ seed, part: 'teleportation', sampler: 'training images (floor)', frechetDistance: out.fdFloor });
  return out;
}

/**
 * EDM's Heun sampler from one set of prior draws, in full and with its first k levels teleported; the
 * Gaussian model alone; the Frechet distance of each to the test images in a classifier's features.
 */
async function teleportation(p: D8Params, denoise: Denoiser, g: GaussianModel, trainSet: Dataset, testSet: Dataset, rng: Rng) {
  const d = g.d;
  const levels = edmSigmas(p.samplerLevels);
  const prior = Float64Array.from({ length: p.chains * d }, () => levels[0] * rng.normal());
  const featureNet = await featureClassifier(trainSet, p, rng.fork('features'));
  try {
    const testFeatures = featureNet.embed(pixels(testSet));
    const fdOf = (x: Float64Array) => frechetDistance(featureNet.embed(x), testFeatures, featureNet.dim);
    const fd = p.skips.map((k) => fdOf(heunSample(denoise, k === 0 ? prior : teleport(g, prior, levels[0], levels[k]), levels, k)));
    // the solver against the closed form on the data's own Gaussian: on a fine schedule (an exact check)
    // and on the sampler's 18 levels (its discretisation error, reported)
    const few = prior.subarray(0, 10 * d);
    const exact = teleport(g, few, levels[0], 0);
    return {
      fd,
      fdGaussian: fdOf(teleport(g, prior, levels[0], 0)),
      fdFloor: fdOf(pixels(trainSet).subarray(0, p.chains * d)),
      featureAccuracy: featureNet.accuracy(testSet),
      heunVsExact: relativeGap(heunSample(gaussianDenoiser(g), few, edmSigmas(FINE_LEVELS)), exact, g.mean),
      heunGap: relativeGap(heunSample(gaussianDenoiser(g), few, levels), exact, g.mean),
    };
  } finally {
    featureNet.dispose();
  }
}

/** Relative RMS gap |a - b| / |b - mean| over points. */
function relativeGap(a: Float64Array, b: Float64Array, mean: Float64Array): number {
  let [err, size] = [0, 0];
  for (let i = 0; i < a.length; i++) [err, size] = [err + (a[i] - b[i]) ** 2, size + (b[i] - mean[i % mean.length]) ** 2];
  return Math.sqrt(err / size);
}

/** A classifier of the (downsampled) images whose last hidden layer is the feature space of the Frechet distance. */
async function featureClassifier(trainSet: Dataset, p: D8Params, rng: Rng) {
  const d = trainSet.featureShape[0] * trainSet.featureShape[1];
  const model = mlp({ sizes: [d, ...p.features.hidden, trainSet.numClasses] }, rng.fork('init'));
  // the classifier sees pixels in [-1, 1], as the samples are
  const data: Dataset = { ...trainSet, x: Float32Array.from(trainSet.x, (v) => 2 * v - 1) };
  try {
    const run = await train({ model, data, transform: adam(1e-3), batchSize: 128, steps: p.features.steps, rng: rng.fork('train'), progress: 'silent', label: 'D8 feature classifier' });
    if (run.status !== 'ok') throw new Error(`D8 feature classifier: training ended '${run.status}'`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const dim = p.features.hidden.at(-1)!;
  const asData = (x: Float64Array): Dataset => ({ ...trainSet, x: Float32Array.from(x), y: new Int32Array(x.length / d) });
  return {
    dim,
    embed(x: Float64Array): Float64Array {
      const f = predictBatched((t) => model.features(t), asData(x));
      const values = Float64Array.from(f.dataSync());
      f.dispose();
      return values;
    },
    accuracy(test: Dataset): number {
      const { x, y } = toTensors({ ...test, x: Float32Array.from(test.x, (v) => 2 * v - 1) });
      const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.apply(x), 1), y), 'float32')).dataSync()[0]);
      x.dispose();
      y.dispose();
      return acc;
    },
    dispose: () => model.dispose(),
  };
}

export function summarizeD8(p: D8Params, perSeed: D8Seed[]): ClaimResult {
  const at = (sigma: number) => {
    const k = p.sigmas.indexOf(sigma);
    if (k < 0) throw new Error(`D8: sigma ${sigma} is not among the measured levels ${p.sigmas}`);
    return k;
  };
  const steps = perSeed[0].checkpointSteps;
  const early = steps.findIndex((step) => step >= EARLY_FRACTION * p.net.steps);
  const deviation = (c: (s: D8Seed) => number, sigma: number) => perSeed.map((s) => s.dev[c(s)][at(sigma)]);
  const last = (s: D8Seed) => s.dev.length - 1;
  const paperShare = (sigma: number) => perSeed.map((s) => s.ev.at(-1)![at(sigma)]);
  const levels = edmSigmas(p.samplerLevels);
  // the skips the claim covers: 15-30% of the levels
  const covered = p.skips.filter((k) => k > 0 && k / p.samplerLevels >= 0.15 && k / p.samplerLevels <= 0.3);
  const full = perSeed.map((s) => s.fd[p.skips.indexOf(0)]);
  const lost = (k: number) => perSeed.map((s, i) => (s.fd[p.skips.indexOf(k)] - full[i]) / (s.fdGaussian - full[i]));
  const share = { unit: 'fraction', digits: 3 };
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `deviation${DOMINANT_SIGMAS[0]}`,
      effects: [
        ...DOMINANT_SIGMAS.map((sigma) => meanOf(`deviation${sigma}`, `share of the trained denoiser's deviation from the data mean that the Gaussian denoiser explains, sigma = ${sigma}`, deviation(last, sigma),
          { kind: 'direction', sign: 1, smallest: 0, reference: EV_BAR }, { ...share, part: 'the learned denoiser is dominated by the Gaussian one at moderate noise' })),
        ...EARLY_SIGMAS.map((sigma) => paired(`earlyVsEnd${String(sigma).replace('.', '')}`, `that share at sigma = ${sigma}: step ${steps[early]} (a quarter of training) - end of training`, deviation(() => early, sigma), deviation(last, sigma),
          { kind: 'direction', sign: 1, smallest: 0.02 }, { ...share, part: 'the Gaussian part is learned first' })),
        ...covered.map((k) => meanOf(`teleportLoss${k}`, `Frechet distance lost by teleporting over the first ${k} of ${p.samplerLevels} levels (to sigma ${levels[k].toFixed(2)}), as a fraction of what teleporting all the way loses`,
          lost(k), { kind: 'non-inferiority', margin: TELEPORT_MARGIN, sign: -1 }, { unit: 'fraction of the FD range', part: 'teleportation keeps sample quality' })),
        ...[5, 10].map((sigma) => meanOf(`deviation${sigma}`, `share of the deviation from the mean explained by the Gaussian denoiser at high noise, sigma = ${sigma}`, deviation(last, sigma),
          { kind: 'direction', sign: 1, smallest: 0, reference: EV_BAR }, { ...share, part: 'reported: high noise', decides: false })),
        ...[1, 2, 5].map((sigma) => meanOf(`paperShare${sigma}`, `the paper's measure, 1 - |s - s_gauss|^2 / |s|^2 per point, sigma = ${sigma}`, paperShare(sigma),
          { kind: 'direction', sign: 1, smallest: 0, reference: EV_BAR }, { ...share, part: 'reported: the paper\'s measure', decides: false })),
        meanOf('trainingSetShareLow', `the paper's measure for the training set's own ideal score (delta mixture), sigma = ${EMPIRICAL_SIGMAS[0]}`, perSeed.map((s) => s.evEmpirical[0]),
          { kind: 'direction', sign: 1, smallest: 0, reference: EV_BAR }, { ...share, part: 'reported: low noise', decides: false }),
      ],
      premise: [
        // teleportation can only be judged against a net that samples much better than the Gaussian model, on every seed
        premise('netBeatsGaussian', 'Frechet distance of the full sampler / that of the Gaussian model alone (worst seed)', Math.max(...perSeed.map((s, i) => full[i] / s.fdGaussian)), { atMost: 0.5 }),
        // the feature space must see the classes
        premise('featureAccuracy', 'test accuracy of the feature classifier (mean over seeds)', mean(perSeed.map((s) => s.featureAccuracy)), { atLeast: 0.7 }),
      ],
      checks: [
        // the sampler converges to the closed form on the Gaussian model itself (a solver check)
        check('heunVsExactFlow', `relative RMS gap, Heun (${FINE_LEVELS} levels) with the Gaussian denoiser vs the Gaussian's exact flow (worst seed)`, Math.max(...perSeed.map((s) => s.heunVsExact)), 0, 1e-3),
      ],
      numbers: {
        seeds: perSeed.length, dimension: (28 / p.factor) ** 2, topEigenSd: perSeed[0].topSd, earlyStep: steps[early],
        meanOnlyPaperShare1: mean(perSeed.map((s) => s.evMeanOnly[at(1)])), meanOnlyPaperShare2: mean(perSeed.map((s) => s.evMeanOnly[at(2)])),
        fdFull: mean(full), fdGaussianAlone: mean(perSeed.map((s) => s.fdGaussian)), fdTrainingImages: mean(perSeed.map((s) => s.fdFloor)), heunGapAtSamplerLevels: mean(perSeed.map((s) => s.heunGap)),
      },
    }),
    figures: figuresD8(p, perSeed),
  };
}

function figuresD8(p: D8Params, perSeed: D8Seed[]): Figure[] {
  const atEnd = (pick: (s: D8Seed) => number[][], k: number) => mean(perSeed.map((s) => pick(s).at(-1)![k]));
  return [
    lineFigure('The Gaussian denoiser\'s share of the trained one, by noise level, end of training (mean over seeds)', 'sigma', 'share', [
      { name: 'deviation from the data mean (decides)', x: p.sigmas, y: p.sigmas.map((_, k) => atEnd((s) => s.dev, k)) },
      { name: 'the paper\'s measure (uncentred score)', x: p.sigmas, y: p.sigmas.map((_, k) => atEnd((s) => s.ev, k)) },
      { name: 'the paper\'s measure for the mean alone (a null)', x: p.sigmas, y: p.sigmas.map((_, k) => mean(perSeed.map((s) => s.evMeanOnly[k]))) },
    ], { logX: true }),
    seedLinesFigure('Share of the deviation from the mean the Gaussian explains, over training (one line per seed)', 'training step', 'share',
      p.sigmas.filter((s) => s >= 0.2 && s <= 2).map((sigma) => ({ name: `sigma ${sigma}`, seeds: perSeed.map((s) => ({ x: s.checkpointSteps, y: s.dev.map((row) => row[p.sigmas.indexOf(sigma)]) })) }))),
    lineFigure('Frechet distance to the test images in classifier features, by leading levels teleported (mean over seeds)', `levels teleported (of ${p.samplerLevels})`, 'Frechet distance', [
      { name: 'teleport k levels, then Heun with the net', x: p.skips, y: p.skips.map((_, j) => mean(perSeed.map((s) => s.fd[j]))) },
      { name: 'Gaussian model alone', x: p.skips, y: p.skips.map(() => mean(perSeed.map((s) => s.fdGaussian))) },
      { name: 'training images (floor)', x: p.skips, y: p.skips.map(() => mean(perSeed.map((s) => s.fdFloor))) },
    ]),
  ];
}

const common = { sigmas: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50], samplerLevels: 18, skips: [0, 2, 3, 4, 5, 6, 8, 10, 12] };

export const claim = defineClaim<D8Params, D8Seed>({
  id: 'D8',
  slug: 'gaussian-score',
  paper: 'The Unreasonable Effectiveness of Gaussian Score Approximation for Diffusion Models and its Applications (Wang & Vastola 2024)',
  claim: 'a trained denoiser is dominated by the Gaussian (linear) denoiser of the data at moderate to high noise and learns it first; replacing the first 15-30% of sampling by the Gaussian model\'s closed-form flow ("teleportation") keeps sample quality',
  setting: 'Fashion-MNIST average-pooled to 7x7, pixels in [-1, 1]; an MLP denoiser in EDM form (preconditioned, ln sigma ~ N(-1.2, 1.2^2), Adam on a cosine); ' +
    'the Gaussian denoiser of the training images\' mean and covariance; at sigma 0.05-50 and at evenly spaced training checkpoints, on noised training images: the share of the trained denoiser\'s deviation from the data mean ' +
    'that the Gaussian denoiser explains, 1 - sum |D - D_gauss|^2 / sum |D - mu|^2, and the paper\'s measure, 1 - |s - s_gauss|^2 / |s|^2 per point (reported, with a mean-only null); the training set\'s own ideal score at low noise (reported); ' +
    'EDM\'s deterministic Heun sampler (18 levels, sigma 80 to 0.002) in full and with its first k levels teleported by the Gaussian\'s exact flow, from the same prior draws; ' +
    'Frechet distance to the test images in the last hidden layer of an MLP classifier of the same images. ' +
    'Full: 10 seeds, 20000 training images (at 14x14 a 256x3 MLP trained 2000 steps sampled far worse than the Gaussian model, FD 36 against 14, and 2 cores cannot train it to beat it), net 50-256-256-49 trained 12000 steps (batch 128), 12 checkpoints, 1000 probes per level, 2000 chains, k in {0, 2, 3, 4, 5, 6, 8, 10, 12}; ' +
    'ci, cut to the CI budget: 3 seeds, 2000 images, net 50-64-64-49 trained 300 steps, 6 checkpoints, 150 probes, 200 chains, k in {0, 3, 4, 5}',
  rule: 'the share of the trained denoiser\'s deviation from the data mean that the Gaussian denoiser explains above 0.9 (t over seeds) at sigma 1 and 2; ' +
    'that share at the first checkpoint at or after a quarter of training above its value at the end by at least 0.02 (paired t) at sigma 0.5 and 1; ' +
    'at each teleport over 15-30% of the levels (3, 4, 5 of 18), the Frechet distance lost, as a fraction of what the Gaussian model alone loses, no worse than 0.1 (non-inferiority t); ' +
    'premises: on every seed the full sampler\'s Frechet distance at most half the Gaussian model\'s, the feature classifier\'s test accuracy at least 0.7; check: Heun (200 levels) with the Gaussian denoiser within 0.1% (relative RMS) of its exact flow',
  scales: {
    smoke: { seeds: [1, 2], ...common, source: 'subset', nTrain: 2000, nTest: 500, factor: 4, net: { hidden: [32, 32], steps: 200, batchSize: 128, lr: 2e-3 }, checkpoints: 5, probes: 200, empiricalProbes: 50, chains: 300, skips: [0, 3, 5], features: { hidden: [32, 16], steps: 100 } },
    ci: { seeds: [1, 2, 3], ...common, source: 'subset', nTrain: 2000, nTest: 1000, factor: 4, net: { hidden: [64, 64], steps: 300, batchSize: 128, lr: 2e-3 }, checkpoints: 6, probes: 150, empiricalProbes: 30, chains: 200, skips: [0, 3, 4, 5], features: { hidden: [64, 32], steps: 150 } },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'full', nTrain: 20000, nTest: 5000, factor: 4, net: { hidden: [256, 256], steps: 12000, batchSize: 128, lr: 1e-3 }, checkpoints: 12, probes: 1000, empiricalProbes: 50, chains: 2000, features: { hidden: [128, 64], steps: 2000 } },
  },
  seed: seedD8,
  summarize: summarizeD8,
});
