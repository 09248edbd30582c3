/**
 * B11. Understanding gradient regularization in deep learning (Karakida, Takase, Hayase & Osawa 2023):
 * the gradient of the gradient-norm penalty, H grad L, computed by finite differences (a gradient
 * after an ascent step, minus the gradient) matches double backprop with O(h) error at a lower cost.
 *
 * Setting: a [49, hidden, hidden, 10] tanh MLP on a 7x7 Fashion-MNIST subset with softmax
 * cross-entropy (smooth, so the error is pure truncation plus float32 rounding), at its initialisation
 * and after a short training. Error = |FD - exact| / |exact| over a grid of h; the O(h) slope is fitted
 * on the h above the error's minimum, where truncation dominates (below it, float32 rounding grows like
 * 1/h). Cost: backend kernels launched per evaluation (deterministic); `npm run bench` times both.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, toTensors } from '../data/dataset.js';
import { barFigure, lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { logspace } from '../techniques/sgd-temperature/index.js';
import { penaltyGradientExact, penaltyGradientFiniteDifference } from '../techniques/gradient-regularization/index.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B11Params extends BaseParams, FmnistSize {
  hidden: number;
  /** h grid: logspace(hMin, hMax, hCount) */
  hMin: number;
  hMax: number;
  hCount: number;
  trainSteps: number;
}

type Row = ClaimResult['rows'][number];

export interface B11Point {
  state: 'init' | 'trained';
  errors: number[];
  slope: number;
}

export interface B11Seed {
  rows: Row[];
  points: B11Point[];
  kernels: { exact: number; fd: number };
  /** on a quadratic loss (constant Hessian) the finite difference is exact: relative error of FD and of double backprop against A^2 w */
  quadratic: { fd: number; exact: number };
}

const flatNorm = (ts: tf.Tensor[]): number => tf.tidy(() => Math.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0]));

/** Slope of log error on log h over the h above the error's minimum. */
export function truncationSlope(hs: readonly number[], errors: readonly number[]): number {
  let best = 0;
  errors.forEach((e, i) => { if (e < errors[best]) best = i; });
  const x = hs.slice(best).map(Math.log);
  if (x.length < 3) return NaN;
  return fitLine(x, errors.slice(best).map(Math.log)).slope;
}

async function kernelsOf(f: () => tf.Tensor[]): Promise<number> {
  const info = await tf.profile(() => { tf.dispose(f()); });
  return info.kernels.length;
}

/** On L = (1/2) sum a_i w_i^2, H grad L = a^2 w exactly, and the finite difference has no truncation error. */
export function quadraticCheck(rng: Rng, h: number): { fd: number; exact: number } {
  const a = Array.from({ length: 8 }, () => 0.5 + rng.uniform());
  const w0 = Array.from({ length: 8 }, () => rng.normal());
  const truth = a.map((ai, i) => ai * ai * w0[i]);
  const w = tf.tensor1d(w0);
  const at = tf.tensor1d(a);
  try {
    const loss = (ps: tf.Tensor[]) => tf.mul(0.5, tf.sum(tf.mul(at, tf.square(ps[0])))) as tf.Scalar;
    const rel = (g: tf.Tensor[]) => {
      const v = g[0].dataSync();
      tf.dispose(g);
      return Math.hypot(...truth.map((t, i) => v[i] - t)) / Math.hypot(...truth);
    };
    return { fd: rel(penaltyGradientFiniteDifference(loss, [w], h)), exact: rel(penaltyGradientExact(loss, [w])) };
  } finally {
    tf.dispose([w, at]);
  }
}

export async function seedB11(p: B11Params, seed: number): Promise<B11Seed> {
  const rng = new Rng(seed);
  const data = downsample(fmnistSplits(p).train, 4);
  const model = mlp({ sizes: [49, p.hidden, p.hidden, 10], activation: 'tanh', init: 'glorot' }, rng.fork('init'));
  const { x, y } = toTensors(data);
  const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
  const hs = logspace(p.hMin, p.hMax, p.hCount);
  const rows: Row[] = [];
  const points: B11Point[] = [];
  try {
    const measure = (state: B11Point['state']) => {
      const exact = penaltyGradientExact(loss, model.params);
      const scale = flatNorm(exact);
      const errors = hs.map((h) => {
        const fd = penaltyGradientFiniteDifference(loss, model.params, h);
        const err = tf.tidy(() => flatNorm(fd.map((f, i) => tf.sub(f, exact[i])))) / scale;
        tf.dispose(fd);
        rows.push({ seed, state, h, relativeError: err });
        return err;
      });
      tf.dispose(exact);
      points.push({ state, errors, slope: truncationSlope(hs, errors) });
    };
    measure('init');
    await train({ model, data, transform: adam(3e-3), batchSize: 128, steps: p.trainSteps, rng: rng.fork('order'), progress: 'silent', label: `B11 seed ${seed}` });
    measure('trained');
    // wall time is not part of the result (it is not reproducible): `npm run bench` times both
    const h = hs[Math.floor(hs.length / 2)];
    const kernels = {
      exact: await kernelsOf(() => penaltyGradientExact(loss, model.params)),
      fd: await kernelsOf(() => penaltyGradientFiniteDifference(loss, model.params, h)),
    };
    rows.push({ seed, state: 'cost', h: null, relativeError: null, kernelsExact: kernels.exact, kernelsFd: kernels.fd });
    return { rows, points, kernels, quadratic: quadraticCheck(rng.fork('quadratic'), 0.1) };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** the float32 floor lies inside the h grid: the error's minimum has >= 3 grid points above it (a slope can be fitted) and one below */
const floorInside = (q: B11Point) => {
  const best = q.errors.indexOf(Math.min(...q.errors));
  return best > 0 && q.errors.length - best >= 3;
};

export function summarizeB11(p: B11Params, perSeed: B11Seed[]): ClaimResult {
  const points = perSeed.flatMap((s) => s.points);
  if (points.some((q) => !Number.isFinite(q.slope))) throw new Error('B11: the error reached its minimum too close to hMax to fit a slope; widen the h grid upward');
  // per seed: the mean of its two fitted orders (at init and trained), and the larger of its two smallest errors
  const order = perSeed.map((s) => mean(s.points.map((q) => q.slope)));
  const floor = perSeed.map((s) => Math.log10(Math.max(...s.points.map((q) => Math.min(...q.errors)))));
  const kernelRatio = perSeed.map((s) => s.kernels.fd / s.kernels.exact);
  const k = perSeed[0].kernels;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects: [
        // the paper's error analysis: the finite difference is first order, error = O(h); +-0.15 on the order
        // separates first order from both sqrt(h) (0.5) and a central difference's h^2 (2)
        meanOf('errorOrder', 'fitted order of the FD error in h (log-log slope above the float32 floor)', order,
          { kind: 'equivalence', target: 1, margin: 0.15 }, { unit: 'order', part: 'error is O(h)' }),
        // "matches double backprop": a relative error below 1e-2, the usual threshold of a gradient check
        meanOf('floorError', 'log10 of the smallest relative error |FD - exact| / |exact| (worse of init and trained)', floor,
          { kind: 'direction', sign: -1, reference: -2, smallest: 0 }, { unit: 'log10', part: 'matches double backprop', digits: 2 }),
        // lower cost: a count of backend kernels per evaluation (deterministic, so its interval has no width);
        // a saving under 10% would not be a practical gain
        meanOf('kernelRatio', 'backend kernels per evaluation, FD / double backprop', kernelRatio,
          { kind: 'direction', sign: -1, reference: 1, smallest: 0.1 }, { unit: 'ratio', part: 'lower cost' }),
      ],
      headline: 'errorOrder',
      premise: [
        premise('floorInGrid', 'share of fits whose float32 floor lies inside the h grid (>= 1 point below, >= 3 above)', points.filter(floorInside).length / points.length, { atLeast: 1 }, { digits: 2 }),
      ],
      checks: [
        check('quadraticFd', 'relative error of FD on a quadratic loss (constant Hessian: no truncation), worst seed', Math.max(...perSeed.map((s) => s.quadratic.fd)), 0, 1e-4),
        check('quadraticExact', 'relative error of double backprop against A^2 w on a quadratic loss, worst seed', Math.max(...perSeed.map((s) => s.quadratic.exact)), 0, 1e-5),
        check('kernelSpread', 'spread of FD kernel counts over seeds (same network, same count)', Math.max(...perSeed.map((s) => s.kernels.fd)) - Math.min(...perSeed.map((s) => s.kernels.fd)), 0, 0),
      ],
      numbers: { kernelsFd: k.fd, kernelsExact: k.exact, minError: 10 ** Math.max(...floor), fits: points.length, seeds: perSeed.length },
    }),
    figures: figuresB11(p, perSeed),
  };
}

function figuresB11(p: B11Params, perSeed: B11Seed[]): Figure[] {
  const hs = logspace(p.hMin, p.hMax, p.hCount);
  const geo = (f: (s: B11Seed) => number) => Math.exp(mean(perSeed.map((s) => Math.log(f(s)))));
  return [
    lineFigure('Finite-difference vs double-backprop penalty gradient: relative error vs step h (geometric mean over seeds)', 'h', '|FD - exact| / |exact|', [
      ...(['init', 'trained'] as const).map((state, k) => ({ name: `at ${state === 'init' ? 'initialisation' : 'the trained point'}`, x: hs, y: hs.map((_, i) => geo((s) => s.points[k].errors[i])), mode: 'lines+markers' as const })),
      { name: 'slope 1 (O(h))', x: hs, y: hs.map((h) => h * geo((s) => s.points[0].errors.at(-1)!) / hs.at(-1)!) },
    ], { logX: true, logY: true }),
    barFigure('Cost per evaluation', 'backend kernels', [{ name: 'double backprop', value: perSeed[0].kernels.exact }, { name: 'finite difference', value: perSeed[0].kernels.fd }]),
  ];
}

const common = { source: 'subset' as const, nTest: 100, hMin: 1e-5, hMax: 1, hCount: 16 };

export const claim = defineClaim<B11Params, B11Seed>({
  id: 'B11',
  slug: 'finite-difference-gr',
  paper: 'Understanding Gradient Regularization in Deep Learning: Efficient Finite-Difference Computation and Implicit Bias (Karakida et al. 2023)',
  claim: 'the finite-difference (ascent then descent) gradient of the gradient-norm penalty matches double backprop at lower cost',
  setting: '[49, hidden, hidden, 10] tanh MLP, softmax cross-entropy on 7x7 Fashion-MNIST (full batch), at initialisation and after a short Adam training; h from 1e-5 to 1 ' +
    '(ci, cut to the CI budget: 32 hidden, 256 images, 30 steps, 16 h values; full: 64 hidden, 5000 images, 1000 steps, 25 h values)',
  rule: 'O(h): fitted log-log order of the FD error above the float32 floor equivalent to 1 within +-0.15 (TOST over seeds); ' +
    'matches: log10 of the smallest relative error below -2 (t over seeds); lower cost: FD / double-backprop backend kernels per evaluation below 0.9; ' +
    'premise: the float32 floor inside the h grid on every fit; checks: on a quadratic loss FD and double backprop equal A^2 w',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 64, hidden: 8, trainSteps: 5, hCount: 8 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 256, hidden: 32, trainSteps: 30 },
    // full: ~2 min on 2 cores, from costs measured at full size: per seed 50 FD evaluations x 190 ms + 3 exact x 360 ms + 1000 steps x 5 ms = 16 CPU s,
    // x 10 seeds / 2 workers; nothing cut
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, hidden: 64, trainSteps: 1000, hCount: 25 },
  },
  seed: seedB11,
  summarize: summarizeB11,
});
