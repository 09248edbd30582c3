/**
 * B20. MoreauGrad (Zhang, Farnia et al. 2022): explain a classifier by the gradient of its score's Moreau
 * envelope f^rho(x) = min_z f(z) + ||z - x||^2 / (2 rho), i.e. (x - prox(x)) / rho with prox(x) found by
 * inner gradient steps on the proximal problem; an L1 term on z - x gives a sparse variant. The claim:
 * MoreauGrad's maps are smoother and more robust to input perturbations than the gradient's, and
 * optionally sparse.
 *
 * Method (the B1 setting): per seed, train the small CNN on Fashion-MNIST; for test images, with f the
 * predicted class's logit, compute the gradient, MoreauGrad and sparse MoreauGrad at x and at a nearby
 * input x + N(0, delta^2). Noisiness: total variation of the l1-normalised |map|. Robustness: Spearman
 * correlation between the |maps| of x and of the nearby input.
 *
 * Control: any smoothing lowers total variation and makes nearby maps agree more, so each image's
 * gradient is also Gaussian-blurred to exactly the total variation of its MoreauGrad map (the nearby
 * input's gradient gets the same blur), and MoreauGrad's robustness is compared with that blurred
 * gradient's at equal smoothing. Where MoreauGrad's map is not smoother than the gradient's, no blur is
 * needed and the control is the gradient itself: the control is never rougher than MoreauGrad. Premises:
 * the inner solver settled (its estimate's drift over the last quarter of the steps is small), and the map
 * still explains this classifier: its cosine with the gradient is at least 0.5 (a map of the input
 * itself, or a constant, would be smooth and stable but not an explanation of the model). Per-seed means
 * are compared with paired t intervals over seeds.
 */
import * as tf from '@tensorflow/tfjs';
import { barFigure, heatmapGrid, seedBar, type Figure } from '../figures/plotly.js';
import { spearman, totalVariation } from '../metrics/maps.js';
import type { Model } from '../models/model.js';
import { mean } from '../stats/bootstrap.js';
import { Saliency } from '../techniques/attribution/attribution.js';
import { blurToTotalVariation, gaussianBlur } from '../techniques/attribution/blur.js';
import { MoreauGrad } from '../techniques/moreau/index.js';
import { check, paired, premise, verdict } from './kit/verdict.js';
import { trainFmnistCnn, type FmnistCnnParams } from './shared/fmnist-cnn.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B20Params extends BaseParams, FmnistCnnParams {
  /** std of the perturbation that makes a "nearby" input (inputs in [0, 1]) */
  delta: number;
  /** Moreau envelope parameter, inner gradient steps and first step size (decaying steps) */
  rho: number;
  steps: number;
  stepSize: number;
  /** L1 weight of the sparse variant */
  l1: number;
  /** largest blur std (pixels) searched when matching the blurred gradient's TV to MoreauGrad's */
  maxBlur: number;
}

const H = 28;
const W = 28;
/** the premises' bounds: relative drift of the inner solver's estimate, cosine of MoreauGrad with the gradient */
const MAX_DRIFT = 0.05;
const MIN_COSINE = 0.5;

/** a batch of maps [b, 28, 28, 1] as b arrays of 784 (signed); disposes the tensor */
function mapsOf(t: tf.Tensor): Float32Array[] {
  const v = t.dataSync() as Float32Array;
  const b = t.shape[0];
  t.dispose();
  return Array.from({ length: b }, (_, i) => v.slice(i * H * W, (i + 1) * H * W));
}

const absOf = (m: ArrayLike<number>) => Float32Array.from(m, Math.abs);
const norm = (m: ArrayLike<number>) => Math.sqrt(Array.from(m).reduce((s, v) => s + v * v, 0));
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0) / (norm(a) * norm(b));
const meanTv = (ms: ArrayLike<number>[]) => mean(ms.map((m) => totalVariation(absOf(m), H, W)));
const meanCorr = (a: ArrayLike<number>[], b: ArrayLike<number>[]) => mean(a.map((ai, i) => spearman(absOf(ai), absOf(b[i]))));

export interface B20Seed {
  rows: ClaimResult['rows'];
  testAcc: number;
  /** mean TV of the normalised |map| */
  tv: { gradient: number; moreau: number; sparse: number; blur: number };
  /** mean Spearman correlation of |map| at x and at the nearby input */
  corr: { gradient: number; moreau: number; sparse: number; blur: number };
  /** mean cosine of the signed MoreauGrad map with the gradient */
  cosine: number;
  /** largest drift of the inner solver's estimate over images (both inputs, both variants), relative to ||grad f(x)|| */
  drift: number;
  /** share of exactly-zero pixels in the sparse maps */
  zeroShare: number;
  /** mean ||x - prox(x)||_2 (= rho ||MoreauGrad||) */
  displacement: number;
  /** largest relative excess of the control's TV over MoreauGrad's (0 when never rougher), and its mismatch where matched */
  tvMatchError: number;
  /** share of images whose MoreauGrad map has a lower TV than the gradient's (those the control blurs) */
  smootherShare: number;
  blurSigma: number;
  /** the first image and its |maps| (gradient, MoreauGrad, sparse MoreauGrad, blurred gradient), for the figure */
  image: number[];
  examples: number[][];
}

function explainSeed(model: Model, x: tf.Tensor, near: tf.Tensor, targets: Int32Array, p: B20Params): Omit<B20Seed, 'rows' | 'testAcc'> {
  const saliency = new Saliency(model);
  const moreau = new MoreauGrad(model, { rho: p.rho, steps: p.steps, stepSize: p.stepSize, decay: true });
  const sparse = new MoreauGrad(model, { rho: p.rho, steps: p.steps, stepSize: p.stepSize, decay: true, l1: p.l1 });
  const g = mapsOf(saliency.attribute(x, targets));
  const gNear = mapsOf(saliency.attribute(near, targets));
  const run = (m: MoreauGrad, input: tf.Tensor, ref: Float32Array[]) => {
    const r = m.explain(input, targets);
    return { maps: mapsOf(r.map), drift: Math.max(...Array.from(r.drift, (v, i) => v / norm(ref[i]))) };
  };
  const [mg, mgNear, sp, spNear] = [run(moreau, x, g), run(moreau, near, gNear), run(sparse, x, g), run(sparse, near, gNear)];
  // the control: each gradient blurred to the TV of its MoreauGrad map (unblurred where MoreauGrad's is not
  // lower); the nearby input's gradient gets the same blur
  const targetTv = mg.maps.map((m) => totalVariation(absOf(m), H, W));
  const blur = g.map((gi, i) => blurToTotalVariation(gi, H, W, targetTv[i], p.maxBlur));
  const blurNear = gNear.map((gi, i) => gaussianBlur(gi, H, W, blur[i].sigma));
  const errors = blur.map((b, i) => (b.matched ? Math.abs(b.tv - targetTv[i]) : Math.max(0, b.tv - targetTv[i])) / targetTv[i]);
  const blurred = blur.map((b) => b.blurred);
  const spAll = sp.maps.flatMap((m) => Array.from(m));
  return {
    tv: { gradient: meanTv(g), moreau: meanTv(mg.maps), sparse: meanTv(sp.maps), blur: mean(blur.map((b) => b.tv)) },
    corr: { gradient: meanCorr(g, gNear), moreau: meanCorr(mg.maps, mgNear.maps), sparse: meanCorr(sp.maps, spNear.maps), blur: meanCorr(blurred, blurNear) },
    cosine: mean(mg.maps.map((m, i) => cosine(m, g[i]))),
    drift: Math.max(mg.drift, mgNear.drift, sp.drift, spNear.drift),
    zeroShare: spAll.filter((v) => v === 0).length / spAll.length,
    displacement: p.rho * mean(mg.maps.map(norm)),
    tvMatchError: Math.max(...errors),
    smootherShare: blur.filter((b) => b.sigma > 0).length / blur.length,
    blurSigma: mean(blur.map((b) => b.sigma)),
    image: Array.from(x.slice([0], [1]).dataSync()),
    examples: [g[0], mg.maps[0], sp.maps[0], blurred[0]].map((m) => Array.from(absOf(m))),
  };
}

/** One seed: train a CNN, then explain held-out images by the gradient, MoreauGrad and sparse MoreauGrad. */
export async function seedB20(p: B20Params, seed: number): Promise<B20Seed> {
  const { model, testAcc, picks, rng } = await trainFmnistCnn(p, seed, 'B20');
  try {
    const out = tf.tidy(() => {
      const x = tf.tensor4d(picks.x, [p.images, H, W, 1]);
      const near = x.add(rng.fork('near').normalTensor(x.shape, 0, p.delta));
      const targets = Int32Array.from(model.apply(x).argMax(1).dataSync());
      return explainSeed(model, x, near, targets, p);
    });
    const rows = (['gradient', 'moreau', 'sparse', 'blur'] as const).map((m) => ({
      seed, method: { gradient: 'gradient', moreau: 'MoreauGrad', sparse: 'sparse MoreauGrad', blur: 'gradient blurred to MoreauGrad\'s TV' }[m],
      tv: out.tv[m], rankCorr: out.corr[m], testAcc,
    }));
    return { ...out, testAcc, rows };
  } finally {
    model.dispose();
  }
}

export function summarizeB20(p: B20Params, perSeed: B20Seed[]): ClaimResult {
  const by = (f: (s: B20Seed) => number) => perSeed.map(f);
  // The paper gives no magnitudes for these properties (its evidence is visual and by robustness
  // curves), so every effect counts from 0 in the claimed direction; the control is what makes the
  // robustness part mean more than "smoothing smooths".
  const effects = [
    paired('corrOverBlur', 'rank corr. with a nearby input, MoreauGrad - gradient blurred to the same TV', by((s) => s.corr.moreau), by((s) => s.corr.blur),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'Spearman rho', part: 'more robust than smoothing alone' }),
    paired('corrGain', 'rank corr. with a nearby input, MoreauGrad - gradient', by((s) => s.corr.moreau), by((s) => s.corr.gradient),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'Spearman rho', part: 'more robust' }),
    paired('tvDrop', 'total variation, MoreauGrad - gradient', by((s) => s.tv.moreau), by((s) => s.tv.gradient),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'normalised TV', part: 'smoother', digits: 4 }),
    paired('sparseCorrGain', 'rank corr. with a nearby input, sparse MoreauGrad - gradient', by((s) => s.corr.sparse), by((s) => s.corr.gradient),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'Spearman rho', part: 'sparse variant', decides: false }),
    paired('sparseTvDrop', 'total variation, sparse MoreauGrad - gradient', by((s) => s.tv.sparse), by((s) => s.tv.gradient),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'normalised TV', part: 'sparse variant', decides: false, digits: 4 }),
  ];
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects,
      headline: 'corrOverBlur',
      premise: [
        premise('testAcc', 'test accuracy of the explained CNN (mean over seeds)', mean(by((s) => s.testAcc)), { atLeast: 0.5 }),
        premise('solverDrift', 'drift of the inner solver\'s MoreauGrad over its last quarter / ||grad f(x)|| (worst image and seed)', Math.max(...by((s) => s.drift)), { atMost: MAX_DRIFT }, { digits: 4 }),
        premise('cosineToGradient', 'cosine of MoreauGrad with the gradient (worst seed\'s mean)', Math.min(...by((s) => s.cosine)), { atLeast: MIN_COSINE }),
      ],
      checks: [check('tvMatchError', 'control never rougher than MoreauGrad: largest relative TV excess (or mismatch where blurred)', Math.max(...by((s) => s.tvMatchError)), 0, 1e-3)],
      numbers: {
        corrVanilla: mean(by((s) => s.corr.gradient)), corrMoreau: mean(by((s) => s.corr.moreau)), corrSparse: mean(by((s) => s.corr.sparse)), corrBlur: mean(by((s) => s.corr.blur)),
        tvVanilla: mean(by((s) => s.tv.gradient)), tvMoreau: mean(by((s) => s.tv.moreau)), tvSparse: mean(by((s) => s.tv.sparse)), tvBlur: mean(by((s) => s.tv.blur)),
        zeroShare: mean(by((s) => s.zeroShare)), smootherShare: mean(by((s) => s.smootherShare)), displacement: mean(by((s) => s.displacement)), blurSigma: mean(by((s) => s.blurSigma)),
        seeds: perSeed.length, images: p.images,
      },
    }),
    figures: figuresB20(perSeed),
  };
}

const toGrid = (v: number[]) => Array.from({ length: H }, (_, r) => v.slice(r * W, (r + 1) * W));

function figuresB20(perSeed: B20Seed[]): Figure[] {
  const s0 = perSeed[0];
  const names = ['gradient', 'MoreauGrad', 'sparse MoreauGrad', 'gradient blurred to MoreauGrad\'s TV'];
  const maps = heatmapGrid('Input and |map| per method, first seed', [
    { title: 'input', z: toGrid(s0.image) }, ...s0.examples.map((m, i) => ({ title: names[i], z: toGrid(m), colorscale: 'Hot' })),
  ], names.length + 1);
  const keys = ['gradient', 'moreau', 'sparse', 'blur'] as const;
  const corr = barFigure('Spearman correlation of |map| with the nearby input\'s (mean over seeds, 95% CI)', 'Spearman rho',
    keys.map((k, i) => seedBar(names[i], perSeed.map((s) => s.corr[k]))));
  const tv = barFigure('Total variation of the normalised |map| (mean over seeds, 95% CI)', 'total variation',
    keys.map((k, i) => seedBar(names[i], perSeed.map((s) => s.tv[k]))));
  return [maps, corr, tv];
}

export const claim = defineClaim<B20Params, B20Seed>({
  id: 'B20',
  slug: 'moreaugrad',
  paper: 'MoreauGrad: Sparse and Robust Interpretation of Neural Networks via Moreau Envelope (Zhang et al. 2022)',
  claim: 'the gradient of the classifier score\'s Moreau envelope (MoreauGrad) gives smoother, perturbation-robust and optionally sparse explanations than the gradient',
  setting: 'the B1 CNN (conv-pool x2, dense) on Fashion-MNIST; f = predicted class logit; MoreauGrad by inner gradient steps on the proximal problem, sparse MoreauGrad by proximal-gradient steps with an L1 term; ' +
    'nearby input = x + N(0, 0.05^2); control: each image\'s gradient Gaussian-blurred to the total variation of its MoreauGrad map (unblurred where MoreauGrad is not smoother)',
  rule: 'paired over seeds (95%): headline, more robust than smoothing alone: Spearman correlation of |map| with a nearby input\'s, MoreauGrad - gradient blurred to the same TV > 0; ' +
    'more robust: MoreauGrad - gradient > 0; smoother: TV(MoreauGrad) - TV(gradient) < 0; sparse variant reported; ' +
    `premise: test accuracy >= 0.5, inner solver's drift over its last quarter <= ${MAX_DRIFT} x ||grad f(x)|| (worst image), cosine of MoreauGrad with the gradient >= ${MIN_COSINE} (worst seed); ` +
    'check: the control\'s TV never above MoreauGrad\'s (1e-3 relative)',
  scales: {
    smoke: { seeds: [1, 2], source: 'subset', nTrain: 500, nTest: 100, channels: [4, 8], epochs: 1, batchSize: 50, lr: 2e-3, images: 2, delta: 0.05, rho: 0.3, steps: 10, stepSize: 0.15, l1: 0.05, maxBlur: 8 },
    // ci is cut to the CI budget like B1's: a 4-8 channel CNN trained 20 steps on 640 images, 4 images per seed, 3 seeds, 50 inner steps
    ci: { seeds: [1, 2, 3], source: 'subset', nTrain: 640, nTest: 500, channels: [4, 8], epochs: 1, batchSize: 32, lr: 2e-3, images: 4, delta: 0.05, rho: 0.3, steps: 50, stepSize: 0.15, l1: 0.05, maxBlur: 8 },
    full: {
      // full: B1's full CNN and training (~9 min for B1 on 2 cores); 50 images per seed, 100 inner steps (4 x 100 gradients of a
      // 50-image batch per seed on top of B1's cost)
      seeds: [1, 2, 3, 4, 5], source: 'auto', nTrain: 20000, nTest: 10000, channels: [32, 64], epochs: 5, batchSize: 64, lr: 1e-3, images: 50, delta: 0.05, rho: 0.3, steps: 100, stepSize: 0.15, l1: 0.05, maxBlur: 8,
    },
  },
  seed: seedB20,
  summarize: summarizeB20,
});
