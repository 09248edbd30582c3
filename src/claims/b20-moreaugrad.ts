/**
 * B20. MoreauGrad (Zhang, Farnia et al. 2022): explain a classifier by the gradient of its score's Moreau
 * envelope f^rho(x) = min_z f(z) + ||z - x||^2 / (2 rho), i.e. (x - prox(x)) / rho with prox(x) found by
 * inner gradient steps on the proximal problem; an L1 term on z - x gives a sparse variant. The claim:
 * MoreauGrad's maps are smoother and more robust to input perturbations than the gradient's, and
 * optionally sparse.
 *
 * Method (the B1 setting): per seed, train the small CNN on Fashion-MNIST; for test images, with f the
 * predicted class's logit, compute the gradient, MoreauGrad and sparse MoreauGrad at x and at a nearby
 * input x + N(0, delta^2). As in the paper's code (buyeah1109/MoreauGrad, explainer.py), the envelope is
 * that of the Gaussian-smoothed logit f_sigma(x) = E f(x + sigma eps) (a ReLU net's logit is not weakly
 * convex; f_sigma is smooth), sigma = 0.1 x (max x - min x) of the explained image (the nearby input is
 * smoothed with its clean image's sigma, so both maps explain the same f_sigma), each inner step's
 * gradient the mean over `samples` fresh noise draws (the paper: 32), fixed inner steps, and the iterates
 * of the last half of the steps averaged (the paper: the last 100 of 300). Robustness is tested against
 * random Gaussian perturbations only: the paper also attacks the maps adversarially (Ghorbani's top-k
 * attack), which is not done here. Exact check: the same solver (rho, steps, step size, averaging) on a
 * quadratic, where MoreauGrad is (I + rho A)^-1 (A x + b) in closed form. Noisiness: total variation of
 * the l1-normalised |map|. Robustness: Spearman correlation between the |maps| of x and of the nearby input.
 *
 * Control: any smoothing lowers total variation and makes nearby maps agree more, so each image's
 * gradient is also Gaussian-blurred to exactly the total variation of its MoreauGrad map (the nearby
 * input's gradient gets the same blur), and MoreauGrad's robustness is compared with that blurred
 * gradient's at equal smoothing. Where MoreauGrad's map is not smoother than the gradient's, no blur is
 * needed and the control is the gradient itself: the control is never rougher than MoreauGrad. Premises:
 * the inner solver settled, and the map
 * still explains this classifier: its cosine with the gradient of the smoothed logit f_sigma whose envelope it
 * is (SmoothGrad at the same sigma, a Monte Carlo mean over 4 x samples draws) is at least 0.5 (a map of the input
 * itself, or a constant, would be smooth and stable but not an explanation of the model). Per-seed means
 * are compared with paired t intervals over seeds.
 *
 * "Settled" for a noisy inner solver: the iterates of a converged solver keep moving with the Monte Carlo
 * noise, so the drift between the means of the averaging window's two halves (third and fourth quarter
 * of the steps) is compared with its Monte Carlo standard error (from the per-copy gradients' spread at
 * each step; `moreauEnvelopeGradientOf`): a drift within MAX_DRIFT_SE standard errors is convergence up
 * to noise, a larger one a trend. (The earlier premise, drift <= 0.05 ||grad f(x)||, measured the noise
 * itself at ~0.09, not non-convergence.) The Monte Carlo error of the maps themselves is reported. The
 * cosine premise's reference is grad f_sigma(x), not the raw gradient: MoreauGrad tends to grad f_sigma as
 * rho -> 0, and its cosine with the raw gradient (reported) also carries the smoothing's own change.
 */
import * as tf from '@tensorflow/tfjs';
import { barFigure, heatmapGrid, seedBar, type Figure } from '../figures/plotly.js';
import { spearman, totalVariation } from '../metrics/maps.js';
import type { Model } from '../models/model.js';
import { mean } from '../stats/bootstrap.js';
import { Saliency } from '../techniques/attribution/attribution.js';
import { blurToTotalVariation, gaussianBlur } from '../techniques/attribution/blur.js';
import { gaussianVector, normalize, orthogonalize } from '../linalg/vectors.js';
import type { Rng } from '../random/rng.js';
import { MoreauGrad, moreauEnvelopeGradient, smoothedGradient, type MoreauOptions } from '../techniques/moreau/index.js';
import { check, paired, premise, verdict } from './kit/verdict.js';
import { trainFmnistCnn, type FmnistCnnParams } from './shared/fmnist-cnn.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B20Params extends BaseParams, FmnistCnnParams {
  /** std of the perturbation that makes a "nearby" input (inputs in [0, 1]) */
  delta: number;
  /** Moreau envelope parameter, inner gradient steps and (fixed) step size; the last half's iterates are averaged */
  rho: number;
  steps: number;
  stepSize: number;
  /** Gaussian smoothing of the logit (std as a share of the explained image's range max - min) and noise draws per inner step */
  sigma: number;
  samples: number;
  /** L1 weight of the sparse variant */
  l1: number;
  /** largest blur std (pixels) searched when matching the blurred gradient's TV to MoreauGrad's */
  maxBlur: number;
}

const H = 28;
const W = 28;
/**
 * the premises' bounds: the inner solver's drift in Monte Carlo standard errors (a converged solver's is
 * the noise's, ~1 in expectation, up to the curvature's (I + rho H)^-1), cosine of MoreauGrad with grad f_sigma
 */
const MAX_DRIFT_SE = 3;
const MIN_COSINE = 0.5;
/** images per inner-solver batch (samples x CHUNK noisy copies per gradient: a batch size the engine runs fast) */
const CHUNK = 8;

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
  /** mean cosine of the signed MoreauGrad map with the smoothed logit's gradient grad f_sigma(x) (SmoothGrad, signed) */
  cosine: number;
  /** mean cosine of the signed MoreauGrad map with the raw gradient grad f(x) */
  cosineRaw: number;
  /** largest drift of the inner solver's estimate over images (both inputs, both variants), in Monte Carlo standard errors */
  drift: number;
  /** largest drift relative to ||grad f(x)|| (the earlier premise's measure) */
  relDrift: number;
  /** mean Monte Carlo standard error of a MoreauGrad map (the averaged estimate), relative to its norm */
  mcError: number;
  /** share of exactly-zero pixels in the sparse maps */
  zeroShare: number;
  /** mean ||x - prox(x)||_2 (= rho ||MoreauGrad||) */
  displacement: number;
  /** largest relative excess of the control's TV over MoreauGrad's (0 when never rougher), and its mismatch where matched */
  tvMatchError: number;
  /** share of images whose MoreauGrad map has a lower TV than the gradient's (those the control blurs) */
  smootherShare: number;
  blurSigma: number;
  /** largest |MoreauGrad - closed form| / largest |closed form| of the claim's solver on a quadratic */
  quadraticError: number;
  /** the first image and its |maps| (gradient, MoreauGrad, sparse MoreauGrad, blurred gradient), for the figure */
  image: number[];
  examples: number[][];
}

/** the claim's inner solver (the check runs it without noise: f_sigma of a quadratic is the quadratic plus a constant) */
const solverOf = (p: B20Params): MoreauOptions => ({ rho: p.rho, steps: p.steps, stepSize: p.stepSize, average: true });

/**
 * The exact check: MoreauGrad of f(x) = x^T A x / 2 + b^T x (D = 6, A = Q diag(lambda) Q^T with one negative
 * eigenvalue, I + rho A positive definite) by the claim's solver, against (I + rho A)^-1 (A x + b) =
 * Q diag(1 / (1 + rho lambda)) Q^T (A x + b); largest error relative to the largest entry.
 */
export function quadraticError(p: B20Params, rng: Rng): number {
  const d = 6;
  const eig = [-0.5 / p.rho, 0.2, 0.5, 1, 2, 3];
  const q: Float64Array[] = [];
  for (let k = 0; k < d; k++) { const v = gaussianVector(d, rng); orthogonalize(v, q); q.push(normalize(v)); }
  const a = new Float64Array(d * d);
  q.forEach((u, k) => { for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] += eig[k] * u[i] * u[j]; });
  const b = gaussianVector(d, rng), x = gaussianVector(d, rng);
  const g = Float64Array.from({ length: d }, (_, i) => b[i] + x.reduce((s, xj, j) => s + a[i * d + j] * xj, 0));
  const want = new Float64Array(d);
  q.forEach((u, k) => { const c = u.reduce((s, ui, i) => s + ui * g[i], 0) / (1 + p.rho * eig[k]); u.forEach((ui, i) => (want[i] += c * ui)); });
  const score = (z: tf.Tensor) => tf.tidy(() => {
    const az = tf.matMul(z as tf.Tensor2D, tf.tensor2d(Float32Array.from(a), [d, d]));
    return tf.add(tf.mul(0.5, tf.sum(tf.mul(az, z))), tf.sum(tf.matMul(z as tf.Tensor2D, tf.tensor2d(Float32Array.from(b), [d, 1])))) as tf.Scalar;
  });
  const xt = tf.tensor2d([Array.from(x)]);
  const r = moreauEnvelopeGradient(score, xt, solverOf(p));
  const got = r.grad.dataSync();
  [xt, r.prox, r.grad].forEach((t) => t.dispose());
  return Math.max(...Array.from(want, (v, i) => Math.abs(got[i] - v))) / Math.max(...Array.from(want, Math.abs));
}

function explainSeed(model: Model, x: tf.Tensor, near: tf.Tensor, targets: Int32Array, p: B20Params, rng: Rng): Omit<B20Seed, 'rows' | 'testAcc' | 'quadraticError'> {
  const saliency = new Saliency(model);
  const g = mapsOf(saliency.attribute(x, targets));
  const gNear = mapsOf(saliency.attribute(near, targets));
  // the paper's noise level: 0.1 of each clean image's range, used for its nearby input too
  const xs = mapsOf(x.clone());
  const sigmas = xs.map((v) => p.sigma * (Math.max(...v) - Math.min(...v)));
  const run = (l1: number, input: tf.Tensor, ref: Float32Array[], label: string) => {
    const stream = rng.fork(label);
    const out = { maps: [] as Float32Array[], drift: [] as number[], relDrift: [] as number[], mcError: [] as number[] };
    for (let i = 0; i < p.images; i += CHUNK) {
      const n = Math.min(CHUNK, p.images - i);
      const m = new MoreauGrad(model, { ...solverOf(p), l1, smoothing: { sigma: sigmas.slice(i, i + n), samples: p.samples, rng: stream } });
      const part = input.slice([i], [n]);
      const r = m.explain(part, targets.subarray(i, i + n));
      part.dispose();
      const maps = mapsOf(r.map);
      maps.forEach((mi, k) => {
        out.maps.push(mi);
        out.drift.push(r.drift[k] / r.driftSE[k]);
        out.relDrift.push(r.drift[k] / norm(ref[i + k]));
        // the estimate averages both quarters: its standard error is half the difference's
        out.mcError.push(r.driftSE[k] / 2 / norm(mi));
      });
    }
    return out;
  };
  // the reference for the cosine premise: grad f_sigma(x) by Monte Carlo over 4 x samples draws (SmoothGrad, signed)
  const sgStream = rng.fork('smoothgrad');
  const sg: Float32Array[] = [];
  for (let i = 0; i < p.images; i += CHUNK) {
    const n = Math.min(CHUNK, p.images - i);
    const part = x.slice([i], [n]);
    const r = smoothedGradient(model, targets.subarray(i, i + n), { sigma: sigmas.slice(i, i + n), samples: 4 * p.samples, rng: sgStream })(part);
    sg.push(...mapsOf(r.grad));
    part.dispose();
    r.variance?.dispose();
  }
  const [mg, mgNear, sp, spNear] = [
    run(0, x, g, 'smooth-moreau-x'), run(0, near, gNear, 'smooth-moreau-near'),
    run(p.l1, x, g, 'smooth-sparse-x'), run(p.l1, near, gNear, 'smooth-sparse-near'),
  ];
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
    cosine: mean(mg.maps.map((m, i) => cosine(m, sg[i]))),
    cosineRaw: mean(mg.maps.map((m, i) => cosine(m, g[i]))),
    drift: Math.max(...[mg, mgNear, sp, spNear].flatMap((r) => r.drift)),
    relDrift: Math.max(...[mg, mgNear, sp, spNear].flatMap((r) => r.relDrift)),
    mcError: mean([...mg.mcError, ...mgNear.mcError]),
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
      return explainSeed(model, x, near, targets, p, rng);
    });
    const quadratic = quadraticError(p, rng.fork('quadratic'));
    const rows = (['gradient', 'moreau', 'sparse', 'blur'] as const).map((m) => ({
      seed, method: { gradient: 'gradient', moreau: 'MoreauGrad', sparse: 'sparse MoreauGrad', blur: 'gradient blurred to MoreauGrad\'s TV' }[m],
      tv: out.tv[m], rankCorr: out.corr[m], testAcc,
    }));
    return { ...out, quadraticError: quadratic, testAcc, rows };
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
        premise('solverDrift', 'inner solver converged up to Monte Carlo noise: drift between the averaging window\'s halves / its Monte Carlo standard error (worst image, input, variant and seed)', Math.max(...by((s) => s.drift)), { atMost: MAX_DRIFT_SE }, { digits: 2 }),
        premise('cosineToGradient', 'cosine of MoreauGrad with the smoothed logit\'s gradient grad f_sigma(x) (worst seed\'s mean)', Math.min(...by((s) => s.cosine)), { atLeast: MIN_COSINE }),
      ],
      checks: [
        check('quadraticError', 'the claim\'s solver on a quadratic: largest |MoreauGrad - (I + rho A)^-1 (A x + b)| / largest |closed form|', Math.max(...by((s) => s.quadraticError)), 0, 1e-4),
        check('tvMatchError', 'control never rougher than MoreauGrad: largest relative TV excess (or mismatch where blurred)', Math.max(...by((s) => s.tvMatchError)), 0, 1e-3),
      ],
      numbers: {
        corrVanilla: mean(by((s) => s.corr.gradient)), corrMoreau: mean(by((s) => s.corr.moreau)), corrSparse: mean(by((s) => s.corr.sparse)), corrBlur: mean(by((s) => s.corr.blur)),
        tvVanilla: mean(by((s) => s.tv.gradient)), tvMoreau: mean(by((s) => s.tv.moreau)), tvSparse: mean(by((s) => s.tv.sparse)), tvBlur: mean(by((s) => s.tv.blur)),
        relDrift: Math.max(...by((s) => s.relDrift)), cosineRaw: mean(by((s) => s.cosineRaw)), mcError: mean(by((s) => s.mcError)),
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
  setting: 'the B1 CNN (conv-pool x2, dense) on Fashion-MNIST; f = predicted class logit, Gaussian-smoothed as the paper\'s code (sigma = 0.1 x (max - min) of the explained image, its nearby input smoothed alike; each inner step\'s gradient the mean over fresh noise draws, 32 at full as the paper); ' +
    'MoreauGrad by fixed-step gradient descent on the proximal problem, the last half\'s iterates averaged, sparse MoreauGrad by proximal-gradient steps with an L1 term on z - x; ' +
    'robustness against random Gaussian perturbations only (nearby input = x + N(0, 0.05^2)); the paper\'s adversarial (top-k) attack on the maps is not done; control: each image\'s gradient Gaussian-blurred to the total variation of its MoreauGrad map (unblurred where MoreauGrad is not smoother)',
  rule: 'paired over seeds (95%): headline, more robust than smoothing alone: Spearman correlation of |map| with a nearby input\'s, MoreauGrad - gradient blurred to the same TV > 0; ' +
    'more robust: MoreauGrad - gradient > 0; smoother: TV(MoreauGrad) - TV(gradient) < 0; sparse variant reported; ' +
    `premise: test accuracy >= 0.5; inner solver converged up to Monte Carlo noise: the drift between the means of the averaging window's halves <= ${MAX_DRIFT_SE} of its Monte Carlo standard errors (worst image); cosine of MoreauGrad with grad f_sigma(x) (SmoothGrad at the same sigma) >= ${MIN_COSINE} (worst seed); ` +
    'checks: the claim\'s solver (rho, steps, step size, averaging) on a quadratic = closed form (I + rho A)^-1 (A x + b) (1e-4 relative), the control\'s TV never above MoreauGrad\'s (1e-3 relative)',
  scales: {
    smoke: { seeds: [1, 2], source: 'subset', nTrain: 500, nTest: 100, channels: [4, 8], epochs: 1, batchSize: 50, lr: 2e-3, images: 2, delta: 0.05, rho: 0.1, steps: 8, stepSize: 0.05, sigma: 0.1, samples: 2, l1: 0.05, maxBlur: 8 },
    // ci is cut to the CI budget like B1's: a 4-8 channel CNN trained 20 steps on 640 images, 2 images per seed, 3 seeds,
    // 60 inner steps (the fewest whose averaged estimate meets the quadratic check's 1e-4 with margin), 8 noise draws per
    // step instead of the paper's 32 (cost: 4 maps x 2 images x 61 steps x 8 draws per seed)
    ci: { seeds: [1, 2, 3], source: 'subset', nTrain: 640, nTest: 500, channels: [4, 8], epochs: 1, batchSize: 32, lr: 2e-3, images: 2, delta: 0.05, rho: 0.1, steps: 60, stepSize: 0.05, sigma: 0.1, samples: 8, l1: 0.05, maxBlur: 8 },
    full: {
      // full: B1's full CNN and training; the paper's 32 noise draws per inner step, 100 inner steps (the last 50 averaged), 24 images
      // per seed (4 maps x 24 images x 101 steps x 32 draws ~ 310k image gradients per seed, ~6 CPU min with the training)
      seeds: [1, 2, 3, 4, 5], source: 'auto', nTrain: 20000, nTest: 10000, channels: [32, 64], epochs: 5, batchSize: 64, lr: 1e-3, images: 24, delta: 0.05, rho: 0.1, steps: 100, stepSize: 0.05, sigma: 0.1, samples: 32, l1: 0.05, maxBlur: 8,
    },
  },
  seed: seedB20,
  summarize: summarizeB20,
});
