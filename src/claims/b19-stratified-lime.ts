/**
 * B19. Using Stratified Sampling to Improve LIME Image Explanations (Rashid, Amparore et al. 2024): LIME
 * Image samples coalitions of superpixels uniformly, so the number of kept superpixels is Binomial(M, 1/2)
 * while LIME's kernel puts its weight on nearly full coalitions, which are then undersampled; sampling
 * stratified over coalition size, with adjustment factors that make the weighted sums unbiased, estimates
 * the same LIME solution with lower variance.
 *
 * Method: per seed, train the small Fashion-MNIST CNN (B1's); for held-out images, f(z) is the CNN's
 * probability of the image's predicted class with the superpixels absent from z set to 0 (black). The
 * superpixels are a fixed rows x cols grid (M = 12 by default), not SLIC segments, so that f on all 2^M
 * coalitions can be enumerated and the EXACT LIME solution (the weighted least-squares fit over all
 * coalitions with LIME's kernel weights and the uniform coalition distribution, the fit LIME's sampling
 * converges to) computed. Each image is then explained R times by each estimator at the same budget n:
 * LIME's Monte Carlo (uniform coalitions) and the stratified estimator with the paper's allocation (equal
 * over the M + 1 sizes, each draw weighted by p(k) / n_k: the authors' code draws each sample's size
 * uniformly from 0..M with the importance weight p(k) (M + 1), equal allocation in expectation; here the
 * counts are fixed). Reported beside it: the stratified estimator with n_k proportional to p(k) pi(k) (the
 * exact fit's kernel mass per size), and the regime: the share of f's variance (under uniform coalitions)
 * that lies in sizes k > M / 2, the paper's "undersampling of the dependent variable" (equal allocation
 * gains where that share is large). Per image: the MSE of the coefficients to the exact solution, and the
 * squared bias of the estimator's mean over the M slopes (||mean_r beta_hat - beta*||^2, minus its finite-R
 * variance term, so unbiased for the squared bias) relative to the mean squared exact slope. The unit is
 * the seed (one trained CNN): per-image numbers are averaged within a seed first.
 *
 * Control for the unbiasedness test: the stratified sample without the adjustment factors targets another
 * weighting; its squared bias must be visible at the margin the stratified estimator is held to, or the
 * test could not tell a biased estimator from an unbiased one. LIME's ridge penalty (alpha = 1) and its
 * feature selection are left out: the target is the plain weighted least-squares fit.
 */
import * as tf from '@tensorflow/tfjs';
import { barFigure, heatmapGrid, seedBar, type Figure } from '../figures/plotly.js';
import type { Model } from '../models/model.js';
import type { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import {
  denseExactLime, equalAllocation, exactLime, gridSegments, kernelMass, limeFit, monteCarloSample, normalEquations, perturbImage, popcount, proportionalAllocation,
  stratifiedExpectation, stratifiedSample, fullEnumeration, type CoalitionSample,
} from '../techniques/lime/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { trainFmnistCnn, type FmnistCnnParams } from './shared/fmnist-cnn.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B19Params extends BaseParams, FmnistCnnParams {
  /** superpixel grid: M = rows x cols */
  rows: number;
  cols: number;
  /** coalitions per LIME fit (both estimators) */
  samples: number;
  /** repeated fits per image and estimator */
  replicates: number;
}

const H = 28;
const W = 28;
/** the equivalence margin on the relative squared bias (squared bias / mean beta*^2 over the slopes): an RMS bias of 5% of the slopes' RMS */
const BIAS_MARGIN = 0.05 ** 2;

export interface B19Image {
  mseMc: number;
  mseStrat: number;
  /** MSE of the stratified estimator with n_k proportional to p(k) pi(k) (reported) */
  mseProp: number;
  /** squared bias over the slopes relative to their mean squared exact value */
  biasMc: number;
  biasStrat: number;
  biasUnadjusted: number;
  /** share of f's variance under uniform coalitions that lies in sizes k > M / 2 */
  upperVarShare: number;
  /** share of the image's fits that were ill-posed (the design singular), per estimator */
  illMc: number;
  illStrat: number;
  /** largest |beta*| of the image's exact solution */
  betaMax: number;
}

export interface B19Seed {
  rows: ClaimResult['rows'];
  testAcc: number;
  images: B19Image[];
  /** largest |exact - dense| over the seed's images */
  denseError: number;
  /** largest |E[A_hat] - A|, |E[b_hat] - b| of the stratified estimator on a 2 x 2 grid of the first image (exhaustive enumeration) */
  expectationError: number;
  /** first image, its exact coefficients and one fit of each estimator, for the figure */
  image: number[];
  maps: number[][];
}

/** f on every coalition: the probability of the predicted class (at the full image) with absent superpixels black. */
function coalitionScores(model: Model, image: Float32Array, segments: Int32Array, m: number): Float64Array {
  const n = 2 ** m, chunk = 512, px = H * W;
  const probs = new Float64Array(n * 10);
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const buf = new Float32Array(size * px);
    for (let i = 0; i < size; i++) buf.set(perturbImage(image, segments, start + i), i * px);
    const p = tf.tidy(() => tf.softmax(model.apply(tf.tensor4d(buf, [size, H, W, 1]))).dataSync());
    probs.set(p, start * 10);
  }
  const full = probs.subarray((n - 1) * 10, n * 10);
  const target = full.indexOf(Math.max(...full));
  return Float64Array.from({ length: n }, (_, z) => probs[z * 10 + target]);
}

/**
 * mean over fits of ||beta_hat - beta*||^2 / p (all p = M + 1 coefficients), and the squared bias of the mean
 * over the M slopes (finite-R variance removed) relative to the slopes' mean squared exact value
 */
function errorOf(fits: Float64Array[], exact: Float64Array): { mse: number; bias: number } {
  const p = exact.length, r = fits.length;
  let mse = 0, bias = 0, scale = 0;
  for (let j = 0; j < p; j++) {
    const vals = fits.map((b) => b[j]);
    const m = mean(vals);
    const v = vals.reduce((s, x) => s + (x - m) ** 2, 0) / (r - 1);
    mse += mean(vals.map((x) => (x - exact[j]) ** 2)) / p;
    if (j > 0) { bias += (m - exact[j]) ** 2 - v / r; scale += exact[j] ** 2; }
  }
  return { mse, bias: bias / scale };
}

/** share of f's variance under uniform coalitions (2^-M each) that lies in coalitions of size k > M / 2 */
function upperVarianceShare(f: (z: number) => number, m: number): number {
  const n = 2 ** m;
  let mu = 0;
  for (let z = 0; z < n; z++) mu += f(z) / n;
  let upper = 0, total = 0;
  for (let z = 0; z < n; z++) {
    const d = (f(z) - mu) ** 2;
    total += d;
    if (popcount(z) > m / 2) upper += d;
  }
  return total > 0 ? upper / total : 0;
}

function explainImage(f: (z: number) => number, m: number, p: B19Params, rng: Rng): { stats: B19Image; exact: Float64Array; dense: Float64Array; one: Float64Array[] } {
  const exact = exactLime(f, m);
  const dense = denseExactLime(f, m);
  const alloc = equalAllocation(m, p.samples);
  const allocProp = proportionalAllocation(m, p.samples, kernelMass(m));
  const arms = { mc: [] as Float64Array[], strat: [] as Float64Array[], unadj: [] as Float64Array[], prop: [] as Float64Array[] };
  let illMc = 0, illStrat = 0;
  for (let r = 0; r < p.replicates; r++) {
    const fit = (s: CoalitionSample) => limeFit(s, f, m);
    const mc = fit(monteCarloSample(m, p.samples, rng));
    const st = fit(stratifiedSample(m, alloc, rng));
    const un = fit(stratifiedSample(m, alloc, rng, false));
    const pr = fit(stratifiedSample(m, allocProp, rng));
    arms.mc.push(mc.beta); arms.strat.push(st.beta); arms.unadj.push(un.beta); arms.prop.push(pr.beta);
    illMc += Number(mc.illPosed); illStrat += Number(st.illPosed);
  }
  const [emc, est, eun] = [errorOf(arms.mc, exact), errorOf(arms.strat, exact), errorOf(arms.unadj, exact)];
  return {
    stats: {
      mseMc: emc.mse, mseStrat: est.mse, mseProp: errorOf(arms.prop, exact).mse, biasMc: emc.bias, biasStrat: est.bias, biasUnadjusted: eun.bias,
      upperVarShare: upperVarianceShare(f, m),
      illMc: illMc / p.replicates, illStrat: illStrat / p.replicates, betaMax: Math.max(...Array.from(exact.subarray(1), Math.abs)),
    },
    exact, dense, one: [arms.mc[0], arms.strat[0]],
  };
}

/** One seed: train the CNN, enumerate f over all coalitions of each picked image, and fit LIME R times per estimator. */
export async function seedB19(p: B19Params, seed: number): Promise<B19Seed> {
  const { model, testAcc, picks, rng } = await trainFmnistCnn(p, seed, 'B19');
  try {
    const m = p.rows * p.cols;
    const segments = gridSegments(H, W, p.rows, p.cols);
    const images: B19Image[] = [];
    let denseError = 0;
    let first: { exact: Float64Array; one: Float64Array[] } | null = null;
    for (let i = 0; i < p.images; i++) {
      const image = picks.x.subarray(i * H * W, (i + 1) * H * W) as Float32Array;
      const table = coalitionScores(model, image, segments, m);
      const out = explainImage((z) => table[z], m, p, rng.fork(`image-${i}`));
      images.push(out.stats);
      denseError = Math.max(denseError, ...Array.from(out.exact, (v, j) => Math.abs(v - out.dense[j])));
      first ??= out;
    }
    // unbiasedness of the weighted sums on the real classifier, by enumerating every stratified sample of a 2 x 2 grid
    const image0 = picks.x.subarray(0, H * W) as Float32Array;
    const coarse = coalitionScores(model, image0, gridSegments(H, W, 2, 2), 4);
    const f4 = (z: number) => coarse[z];
    const want = normalEquations(fullEnumeration(4), f4, 4), got = stratifiedExpectation(f4, 4);
    const expectationError = Math.max(...Array.from(got.a, (v, j) => Math.abs(v - want.a[j])), ...Array.from(got.b, (v, j) => Math.abs(v - want.b[j])));
    const toMap = (beta: Float64Array) => Array.from(segments, (s) => beta[s + 1]);
    const rows = images.map((s, i) => ({ seed, image: i, testAcc, mseMc: s.mseMc, mseStratified: s.mseStrat, mseProportional: s.mseProp, biasMc: s.biasMc, biasStratified: s.biasStrat, biasUnadjusted: s.biasUnadjusted, illMc: s.illMc, illStratified: s.illStrat }));
    return {
      rows, testAcc, images, denseError, expectationError,
      image: Array.from(image0), maps: [first!.exact, ...first!.one].map(toMap),
    };
  } finally {
    model.dispose();
  }
}

export function summarizeB19(p: B19Params, perSeed: B19Seed[]): ClaimResult {
  // unit: the seed (one trained CNN); a seed's images share the model, so they are averaged within the seed first
  const all = perSeed.flatMap((s) => s.images);
  const col = (f: (s: B19Image) => number) => perSeed.map((s) => mean(s.images.map(f)));
  const effects = [
    paired('mseGain', 'MSE of the coefficients to the exact LIME solution, stratified (equal allocation) - Monte Carlo', col((s) => s.mseStrat), col((s) => s.mseMc),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'probability^2', part: 'lower variance', digits: 6 }),
    meanOf('biasStratified', 'relative squared bias of the stratified estimator over the slopes (finite-R variance removed) / mean beta*^2', col((s) => s.biasStrat),
      { kind: 'equivalence', margin: BIAS_MARGIN }, { unit: 'ratio', part: 'unbiased', digits: 5 }),
    meanOf('mseLnRatio', 'ln(MSE stratified / MSE Monte Carlo), seed mean of images', col((s) => Math.log(s.mseStrat / s.mseMc)),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'ln ratio', part: 'lower variance', decides: false }),
    paired('mseGainProportional', 'MSE to the exact solution, stratified with n_k proportional to p(k) pi(k) - Monte Carlo', col((s) => s.mseProp), col((s) => s.mseMc),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'probability^2', part: 'lower variance', decides: false, digits: 6 }),
    meanOf('biasMc', 'relative squared bias of Monte Carlo (its ratio estimator)', col((s) => s.biasMc),
      { kind: 'equivalence', margin: BIAS_MARGIN }, { unit: 'ratio', part: 'unbiased', decides: false, digits: 5 }),
  ];
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects,
      headline: 'mseGain',
      premise: [
        premise('testAcc', 'test accuracy of the explained CNN (mean over seeds)', mean(perSeed.map((s) => s.testAcc)), { atLeast: 0.5 }),
        // the unbiasedness test must be able to see a bias: the unadjusted stratified fit's squared bias exceeds the margin
        premise('biasUnadjusted', 'relative squared bias of the stratified fit without adjustment factors (mean over seeds)', mean(col((s) => s.biasUnadjusted)), { atLeast: BIAS_MARGIN }, { unit: 'ratio', digits: 5 }),
      ],
      checks: [
        check('denseError', 'exact LIME by enumerated normal equations vs a dense Gram-Schmidt solve (largest |difference|)', Math.max(...perSeed.map((s) => s.denseError)), 0, 1e-9),
        check('expectationError', 'stratified E[A_hat], E[b_hat] by exhaustive enumeration (2 x 2 grid) vs the exact A, b', Math.max(...perSeed.map((s) => s.expectationError)), 0, 1e-12),
      ],
      numbers: {
        mseMc: mean(col((s) => s.mseMc)), mseStratified: mean(col((s) => s.mseStrat)), mseProportional: mean(col((s) => s.mseProp)),
        upperVarShare: mean(col((s) => s.upperVarShare)), illPosedMc: mean(col((s) => s.illMc)), illPosedStratified: mean(col((s) => s.illStrat)),
        betaMax: mean(col((s) => s.betaMax)), superpixels: p.rows * p.cols, seeds: perSeed.length, images: all.length,
      },
    }),
    figures: figuresB19(perSeed),
  };
}

const toGrid = (v: number[]) => Array.from({ length: H }, (_, r) => v.slice(r * W, (r + 1) * W));

function figuresB19(perSeed: B19Seed[]): Figure[] {
  const s0 = perSeed[0];
  const maps = heatmapGrid('Input, exact LIME coefficients per superpixel, and one fit of each estimator (first seed and image)', [
    { title: 'input', z: toGrid(s0.image) },
    ...['exact (all 2^M coalitions)', 'Monte Carlo (one fit)', 'stratified (one fit)'].map((title, i) => ({ title, z: toGrid(s0.maps[i]), colorscale: 'RdBu' })),
  ], 4);
  const mse = barFigure('MSE of the coefficients to the exact solution (mean over images, 95% CI over seeds)', 'MSE (probability^2)', [
    seedBar('Monte Carlo', perSeed.map((s) => mean(s.images.map((i) => i.mseMc)))),
    seedBar('stratified', perSeed.map((s) => mean(s.images.map((i) => i.mseStrat)))),
  ]);
  const bias = barFigure('Squared bias of the mean fit (mean over images, 95% CI over seeds)', 'squared bias (probability^2)', [
    seedBar('Monte Carlo', perSeed.map((s) => mean(s.images.map((i) => i.biasMc)))),
    seedBar('stratified', perSeed.map((s) => mean(s.images.map((i) => i.biasStrat)))),
    seedBar('stratified, unadjusted', perSeed.map((s) => mean(s.images.map((i) => i.biasUnadjusted)))),
  ]);
  return [maps, mse, bias];
}

export const claim = defineClaim<B19Params, B19Seed>({
  id: 'B19',
  slug: 'stratified-lime',
  paper: 'Using Stratified Sampling to Improve LIME Image Explanations (Rashid, Amparore et al. 2024)',
  claim: 'sampling LIME Image\'s coalitions stratified over coalition size, with adjustment factors, gives an unbiased estimator of the LIME solution with lower variance than LIME\'s Monte Carlo sampling',
  setting: 'the B1 CNN on Fashion-MNIST; f = probability of the predicted class, absent superpixels black; superpixels a fixed grid (3 x 4, M = 12 at full; 2 x 5, M = 10 at ci; not SLIC) so the exact LIME solution is enumerated over all 2^M coalitions; ' +
    'LIME\'s kernel (cosine distance, width 0.25), no ridge; Monte Carlo vs stratified at the same budget, repeated fits per image; the paper\'s allocation: equal over the M + 1 sizes ' +
    '(its code draws each sample\'s size uniformly with importance weight p(k) (M + 1); here fixed counts n_k with factors p(k) / n_k); reported: n_k proportional to p(k) pi(k), and the share of f\'s variance in sizes k > M / 2',
  rule: 'over seeds (unit = one trained CNN; images averaged within the seed; 95%): headline, lower variance: MSE to the exact solution, stratified (equal allocation) - Monte Carlo < 0 (paired); ' +
    'unbiased: the stratified estimator\'s squared bias over the slopes (finite-R variance removed) / mean beta*^2 within +-0.05^2 of 0 (TOST); ' +
    'reported: ln MSE ratio, proportional allocation - Monte Carlo, Monte Carlo\'s relative squared bias; premise: test accuracy >= 0.5, the unadjusted stratified fit\'s relative squared bias >= 0.05^2 (the test can see a bias); ' +
    'checks: enumerated exact solution = dense solve (1e-9), stratified E[A_hat], E[b_hat] by exhaustive enumeration on a 2 x 2 grid = exact (1e-12)',
  scales: {
    smoke: { seeds: [1, 2], source: 'subset', nTrain: 500, nTest: 100, channels: [4, 8], epochs: 1, batchSize: 50, lr: 2e-3, images: 2, rows: 2, cols: 4, samples: 45, replicates: 5 },
    // ci is cut to the CI budget: B1's ci CNN (4-8 channels, 20 steps), M = 10 (a 2 x 5 grid: 1024 coalitions per image, where M = 12's
    // 4096 cost ~3.8 CPU s per seed in a pilot on seed 1001), 4 images per seed, 110 coalitions per fit (10 per size), 40 fits per estimator
    ci: { seeds: [1, 2, 3], source: 'subset', nTrain: 640, nTest: 500, channels: [4, 8], epochs: 1, batchSize: 32, lr: 2e-3, images: 4, rows: 2, cols: 5, samples: 110, replicates: 40 },
    // full: B1's full CNN; M = 12 (a 3 x 4 grid), LIME's default budget of ~1000 coalitions (77 per size), 200 fits per estimator, 20 images per seed
    full: { seeds: [1, 2, 3, 4, 5], source: 'auto', nTrain: 20000, nTest: 10000, channels: [32, 64], epochs: 5, batchSize: 64, lr: 1e-3, images: 20, rows: 3, cols: 4, samples: 1001, replicates: 200 },
  },
  seed: seedB19,
  summarize: summarizeB19,
});
