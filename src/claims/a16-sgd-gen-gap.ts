/**
 * A16. SGD Implicitly Regularizes Generalization Error (Roberts 2018): the change of the generalisation
 * gap G = L_test - L_train due to one gradient-descent update depends on the model only through the
 * gradient distribution's mean and covariance: to first order in the learning rate, over training sets
 * drawn independently of the weights, E[delta G] = eta tr(Sigma) / N. And stochastic gradient descent,
 * by decorrelating nearby updates, lowers the test loss more than an equal number of full-batch GD
 * updates (a second-order effect in eta).
 *
 * Setting, on exact footing: linear regression, x ~ N(0, I_d), y = x . w* + N(0, sigma^2), squared loss,
 * from w0 = w* + e0. The test loss, the gradient's mean and its covariance are exact in closed form;
 * each training set's train loss, gradient and the updates are computed exactly. Part 1: for a grid of
 * learning rates and training-set sizes, the gap change of one GD step averaged over R independent
 * training sets against eta tr(Sigma) / N. Part 2: on training sets of N = 64, k SGD updates on the k
 * disjoint batches of a random partition (one epoch) against k full-batch GD updates, same eta: the
 * test-loss change of SGD minus that of GD, averaged over training sets.
 */
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { predictedGapChange, runUpdates, sampleRegression, testLossGrad, trainLossGrad } from '../techniques/gen-gap/index.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A16Params extends BaseParams {
  d: number;
  /** learning rates and training-set sizes of the one-step formula (verdict grid) */
  etas: number[];
  sizes: number[];
  /** a larger learning rate, reported: where the first-order formula bends */
  largeEta: number;
  /** training sets per configuration */
  sets: number;
  /** SGD vs GD: training-set size, learning rates and update counts k; the verdict at sgdEtas[0], ks[1] */
  sgdN: number;
  sgdEtas: number[];
  ks: number[];
  sgdSets: number;
}

const SIGMA = 0.5;
/** The yardsticks: a formula slope within 1 +- 0.1; an SGD - GD test-loss difference of 0.001 (test loss starts at 0.625). */
const SLOPE_MARGIN = 0.1, LOSS_SMALLEST = 1e-3;

export interface A16Seed {
  rows: ClaimResult['rows'];
  /** per configuration (eta x size, eta-major): mean measured gap change, its standard error, the prediction */
  measured: number[];
  se: number[];
  predicted: number[];
  /** the same at largeEta, per size */
  largeMeasured: number[];
  largePredicted: number[];
  /** per (sgd eta, k): mean test-loss change SGD - GD */
  sgdMinusGd: number[][];
  gdChange: number[][];
  /** worst relative error of delta L_train against its exact quadratic expansion */
  expansion: number;
  /** largest share of the eta^2 term in the mean gap change over the verdict grid (measured) */
  secondOrderShare: number;
}

export function seedA16(p: A16Params, seed: number): A16Seed {
  const rng = new Rng(seed);
  // fork once: Rng.fork(label) is deterministic, so forking inside the loop would repeat one draw
  const ws = rng.fork('w*');
  const wStar = Float64Array.from({ length: p.d }, () => ws.normal());
  const e0 = Float64Array.from({ length: p.d }, (_, j) => (j === 0 ? 1 : 0));
  const w0 = wStar.map((v, j) => v + e0[j]);
  const out: A16Seed = { rows: [], measured: [], se: [], predicted: [], largeMeasured: [], largePredicted: [], sgdMinusGd: [], gdChange: [], expansion: 0, secondOrderShare: 0 };
  const sets = rng.fork('sets');
  const allEtas = [...p.etas, p.largeEta];
  // one draw of R training sets per size, shared by every eta (common random numbers)
  const gap = new Map<string, { m: number; se: number }>();
  for (const n of p.sizes) {
    const ds = allEtas.map(() => [] as number[]);
    for (let r = 0; r < p.sets; r++) {
      const reg = sampleRegression(p.d, n, wStar, SIGMA, sets);
      const t0 = trainLossGrad(reg, w0), test0 = testLossGrad(reg, w0).loss;
      allEtas.forEach((eta, i) => {
        const w1 = runUpdates(reg, w0, eta, 1, 'gd');
        const l1 = trainLossGrad(reg, w1).loss;
        ds[i].push((testLossGrad(reg, w1).loss - l1) - (test0 - t0.loss));
        if (r === 0) {
          // delta L_train = -eta |g|^2 + eta^2 g^T H g / 2 exactly (quadratic loss, H = X^T X / n)
          const g = t0.grad;
          const hg = reg.xs.reduce((a, x) => a + (x.reduce((q, v, j) => q + v * g[j], 0) ** 2) / n, 0);
          const expected = -eta * g.reduce((q, v) => q + v * v, 0) + (eta * eta / 2) * hg;
          out.expansion = Math.max(out.expansion, Math.abs((l1 - t0.loss) - expected) / Math.abs(expected));
        }
      });
    }
    allEtas.forEach((eta, i) => {
      const m = mean(ds[i]);
      gap.set(`${eta} ${n}`, { m, se: Math.sqrt(ds[i].reduce((a, v) => a + (v - m) ** 2, 0) / (ds[i].length - 1) / ds[i].length) });
    });
  }
  // the gap change is exactly quadratic in eta on every training set (quadratic losses, w1 linear in eta), and
  // the sets are shared by every eta, so the mean satisfies m(eta) / eta = A + B eta exactly: two etas give A and B
  const lo = Math.min(...p.etas);
  for (const n of p.sizes) {
    const a = gap.get(`${lo} ${n}`)!.m / lo, b = gap.get(`${p.largeEta} ${n}`)!.m / p.largeEta;
    const B = (b - a) / (p.largeEta - lo), A = a - B * lo;
    for (const eta of p.etas) out.secondOrderShare = Math.max(out.secondOrderShare, Math.abs(B * eta * eta) / Math.abs(A * eta + B * eta * eta));
  }
  for (const eta of p.etas) for (const n of p.sizes) {
    const { m, se } = gap.get(`${eta} ${n}`)!, pred = predictedGapChange({ wStar, sigma: SIGMA, n }, w0, eta);
    out.measured.push(m); out.se.push(se); out.predicted.push(pred);
    out.rows.push({ seed, part: 'one-step gap', eta, n, measuredGapChange: m, se, predictedGapChange: pred });
  }
  for (const n of p.sizes) {
    const { m } = gap.get(`${p.largeEta} ${n}`)!, pred = predictedGapChange({ wStar, sigma: SIGMA, n }, w0, p.largeEta);
    out.largeMeasured.push(m); out.largePredicted.push(pred);
    out.rows.push({ seed, part: 'one-step gap, large eta (reported)', eta: p.largeEta, n, measuredGapChange: m, predictedGapChange: pred });
  }
  // SGD vs GD: each training set (and its partition's seed) shared by every eta and k
  const sg = rng.fork('sgd');
  const diff = p.sgdEtas.map(() => p.ks.map(() => 0)), gdc = p.sgdEtas.map(() => p.ks.map(() => 0));
  for (let r = 0; r < p.sgdSets; r++) {
    const reg = sampleRegression(p.d, p.sgdN, wStar, SIGMA, sg);
    const t0 = testLossGrad(reg, w0).loss, partition = sg.int(2 ** 30);
    p.sgdEtas.forEach((eta, i) => p.ks.forEach((k, j) => {
      const a = testLossGrad(reg, runUpdates(reg, w0, eta, k, 'sgd', new Rng(partition))).loss - t0;
      const b = testLossGrad(reg, runUpdates(reg, w0, eta, k, 'gd')).loss - t0;
      diff[i][j] += (a - b) / p.sgdSets; gdc[i][j] += b / p.sgdSets;
    }));
  }
  p.sgdEtas.forEach((eta, i) => p.ks.forEach((k, j) => out.rows.push({ seed, part: 'SGD vs GD', eta, k, sgdMinusGdTestChange: diff[i][j], gdTestChange: gdc[i][j] })));
  out.sgdMinusGd = diff; out.gdChange = gdc;
  return out;
}

export function summarizeA16(p: A16Params, perSeed: A16Seed[]): ClaimResult {
  const kAt = 1, last = p.ks.length - 1;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'gapSlope',
      effects: [
        meanOf('gapSlope', `slope of the measured mean one-step gap change on eta tr(Sigma) / N over eta in {${p.etas.join(', ')}} x N in {${p.sizes.join(', ')}}`, perSeed.map((s) => slope(s.predicted, s.measured)),
          { kind: 'equivalence', target: 1, margin: SLOPE_MARGIN }, { unit: 'slope', part: 'the one-step gap change follows eta tr(Sigma) / N' }),
        meanOf('gapSlopeLargeEta', `the same slope at eta = ${p.largeEta} over the same N`, perSeed.map((s) => slope(s.largePredicted, s.largeMeasured)),
          { kind: 'equivalence', target: 1, margin: SLOPE_MARGIN }, { unit: 'slope', part: 'the one-step gap change follows eta tr(Sigma) / N', decides: false }),
        meanOf('sgdMinusGd', `test-loss change over k = ${p.ks[kAt]} updates (one epoch of N = ${p.sgdN}), SGD - GD, eta = ${p.sgdEtas[0]}`, perSeed.map((s) => s.sgdMinusGd[0][kAt]),
          { kind: 'direction', sign: -1, smallest: LOSS_SMALLEST }, { unit: 'test loss', part: 'SGD lowers the test loss more than GD', digits: 4 }),
        ...p.sgdEtas.flatMap((eta, i) => p.ks.map((k, j) => ({ eta, i, k, j }))).filter(({ i, j }) => !(i === 0 && j === kAt)).map(({ eta, i, k, j }) =>
          meanOf(`sgdMinusGdK${k}Eta${String(eta).replace('.', 'p')}`, `test-loss change over k = ${k} updates, SGD - GD, eta = ${eta}`, perSeed.map((s) => s.sgdMinusGd[i][j]),
            { kind: 'direction', sign: -1, smallest: LOSS_SMALLEST }, { unit: 'test loss', part: 'SGD lowers the test loss more than GD', decides: false, digits: 4 })),
      ],
      premise: [
        premise('firstOrderRegime', 'the verdict grid is in the formula\'s first-order regime: measured share of the eta^2 term in the mean gap change (exact quadratic in eta through two etas), largest over the grid, worst seed',
          Math.max(...perSeed.map((s) => s.secondOrderShare)), { atMost: 0.1 }),
        premise('gdLowersTest', `GD lowers the test loss over k = ${p.ks[kAt]} updates (mean change over seeds)`, mean(perSeed.map((s) => s.gdChange[0][kAt])), { atMost: -0.01 }),
      ],
      checks: [check('trainLossExpansion', 'delta L_train of a GD step against -eta |g|^2 + eta^2 g^T H g / 2, worst relative error', Math.max(...perSeed.map((s) => s.expansion)), 0, 1e-9)],
      numbers: {
        seeds: perSeed.length,
        worstSeOverPredicted: Math.max(...perSeed.flatMap((s) => s.se.map((v, i) => v / s.predicted[i]))),
        meanMeasuredOverPredicted: mean(perSeed.flatMap((s) => s.measured.map((v, i) => v / s.predicted[i]))),
        largeEtaMeasuredOverPredicted: mean(perSeed.flatMap((s) => s.largeMeasured.map((v, i) => v / s.largePredicted[i]))),
        gdTestChange: mean(perSeed.map((s) => s.gdChange[0][kAt])),
        sgdMinusGdLargestEtaK: mean(perSeed.map((s) => s.sgdMinusGd.at(-1)![last])),
      },
    }),
    figures: figuresA16(p, perSeed),
  };
}

function figuresA16(p: A16Params, perSeed: A16Seed[]): Figure[] {
  const s0 = perSeed[0];
  return [
    lineFigure('One-step change of the generalisation gap: measured (mean over training sets) against eta tr(Sigma) / N, first seed', 'eta tr(Sigma) / N', 'measured mean delta G', [
      { name: 'verdict grid', x: s0.predicted, y: s0.measured, mode: 'markers' },
      { name: `eta = ${p.largeEta} (reported)`, x: s0.largePredicted, y: s0.largeMeasured, mode: 'markers' },
      { name: 'y = x', x: [0, Math.max(...s0.largePredicted, ...s0.predicted)], y: [0, Math.max(...s0.largePredicted, ...s0.predicted)], mode: 'lines' },
    ]),
    seedLinesFigure('Test-loss change over k updates, SGD (one epoch of disjoint batches) - GD (k full-batch steps)', 'updates k', 'SGD - GD test-loss change',
      p.sgdEtas.map((eta, i) => ({ name: `eta = ${eta}`, seeds: perSeed.map((s) => ({ x: p.ks, y: s.sgdMinusGd[i] })) })), { logX: true }),
  ];
}

const common = { d: 8, etas: [0.005, 0.01, 0.02], sizes: [16, 32, 64, 128], largeEta: 0.1, sgdN: 64, sgdEtas: [0.05, 0.1], ks: [4, 8, 16] };

export const claim = defineClaim<A16Params, A16Seed>({
  id: 'A16',
  slug: 'sgd-gen-gap',
  paper: 'SGD Implicitly Regularizes Generalization Error (Roberts 2018)',
  claim: 'the change of the generalisation gap due to a gradient-descent update follows a formula in the gradient mean and covariance (to first order, eta tr(Sigma) / N in expectation), and SGD lowers the test loss more than an equal number of GD updates by decorrelating nearby updates',
  setting: 'linear regression, d = 8, x ~ N(0, I), noise sd 0.5, w0 = w* + e_1: test loss, gradient mean and covariance exact; one GD step\'s gap change averaged over training sets for eta in {0.005, 0.01, 0.02} x N in {16, 32, 64, 128} (eta = 0.1 reported); ' +
    'SGD (one epoch of k disjoint batches of N = 64) against k full-batch GD steps, k in {4, 8, 16}, eta in {0.05, 0.1}, verdict at eta = 0.05, k = 8; full: 8000 / 4000 training sets (each shared by all eta, and by all eta and k), 10 seeds; ci: 600 / 300, 5 seeds. The paper\'s FMNIST MLP is not run',
  rule: 'per-seed slope of the measured mean gap change on eta tr(Sigma) / N within 1 +- 0.1 (TOST over seeds); SGD - GD test-loss change at eta = 0.05, k = 8 below 0 and not wholly above -0.001 (t); other eta, k and the large-eta slope reported; ' +
    'premises: the grid in the first-order regime (measured eta^2 share of the mean gap change <= 0.1 at every grid point and seed), GD lowers the test loss by >= 0.01; check: delta L_train equals its exact quadratic expansion (1e-9)',
  scales: {
    smoke: { seeds: [1, 2], ...common, sets: 100, sgdSets: 50 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, sets: 600, sgdSets: 300 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, sets: 8000, sgdSets: 4000 },
  },
  seed: seedA16,
  summarize: summarizeA16,
});
