/**
 * C4. Curvature-aware steps (exact Gauss-Newton; damped Newton) reach a loss target in far fewer
 * iterations than gradient descent.
 *
 * Method: per seed, two problems on a Fashion-MNIST subset, both with L2 regularisation so a minimum
 * exists: multinomial logistic regression (convex; its Gauss-Newton matrix is its Hessian, so the
 * curvature step is a damped Newton step) and a one-hidden-layer tanh MLP (non-convex; exact
 * Gauss-Newton products). The curvature step solves (G + l2 I + damping I) d = -g by conjugate gradient
 * and takes the Armijo backtracking step along d. The reference loss f* is the curvature method's loss
 * after `refIters` iterations; the target is f* + tolRel (f0 - f*). Gradient descent, from the same
 * initial point, gets every learning rate of a grid and counts with its best one (gradient descent at
 * its best); a run that does not reach the target within `maxGdIters` counts as maxGdIters (censored,
 * so the ratio is then a lower bound). Work is reported too, in gradient-equivalents.
 */
import * as tf from '@tensorflow/tfjs';
import { toTensors } from '../data/dataset.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { crossEntropy } from '../train/losses.js';
import { ggnOperator } from '../techniques/curvature/operator.js';
import { newtonCgStep } from '../techniques/curvature/steps.js';
import { mean } from '../stats/bootstrap.js';
import { check, meanOf, premise, verdict, type Effect } from './kit/verdict.js';
import { barFigure, lineFigure } from '../figures/plotly.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { flatten, unflatten } from '../util/flat.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C4Params extends BaseParams, FmnistSize {
  hidden: number;
  l2: number;
  /** Levenberg-Marquardt damping added to the Gauss-Newton matrix */
  damping: number;
  cgIters: number;
  cgTol: number;
  refIters: number;
  tolRel: number;
  gdLrs: number[];
  maxGdIters: number;
  /** required lower 95% bound of the geometric-mean iteration ratio */
  minRatio: number;
}

const PROBLEMS = ['logistic', 'mlp'] as const;
type Problem = (typeof PROBLEMS)[number];

interface Run {
  losses: number[];
  /** gradient-equivalents spent before each iteration's loss (one gradient = 1, one GGN product = 2) */
  work: number[];
}

export interface C4Seed {
  rows: ClaimResult['rows'];
  curves: Record<Problem, { curvature: number[]; gd: number[]; target: number; fStar: number }>;
}

function assignFlat(vars: readonly tf.Variable[], flat: Float64Array): void {
  const parts = unflatten(flat, vars);
  vars.forEach((v, i) => v.assign(parts[i]));
  tf.dispose(parts);
}

/** The regularised objective of `model` on (x, y), its value and gradient at a flat parameter vector. */
function objective(model: Model, x: tf.Tensor, y: tf.Tensor1D, l2: number) {
  const ce = crossEntropy();
  const f = (ps: tf.Tensor[]) => tf.add(ce(model.apply(x, ps), y), tf.mul(0.5 * l2, tf.addN(ps.map((p) => tf.sum(tf.square(p)))))) as tf.Scalar;
  const valueAt = (theta: Float64Array): number => {
    assignFlat(model.params, theta);
    return tf.tidy(() => f(model.params).dataSync()[0]);
  };
  const gradAt = (theta: Float64Array): { value: number; grad: Float64Array } => {
    assignFlat(model.params, theta);
    const { value, grads } = tf.variableGrads(() => f(model.params), model.params);
    const out = { value: value.dataSync()[0], grad: flatten(model.params.map((p) => grads[p.name])) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  return { valueAt, gradAt, ce };
}

function curvatureRun(model: Model, x: tf.Tensor, y: tf.Tensor1D, theta0: Float64Array, p: C4Params): Run {
  const { valueAt, gradAt, ce } = objective(model, x, y, p.l2);
  let theta: Float64Array = Float64Array.from(theta0);
  const losses = [valueAt(theta)];
  const work = [1];
  let spent = 1;
  for (let it = 0; it < p.refIters; it++) {
    const { value, grad } = gradAt(theta);
    spent += 1;
    // Gauss-Newton of the cross-entropy at theta; the L2 term adds l2 I exactly
    const G = ggnOperator((ps) => model.apply(x, ps), (z) => ce(z as tf.Tensor2D, y), model.params);
    const step = newtonCgStep(G, theta, value, grad, valueAt, { damping: p.l2 + p.damping, maxIter: p.cgIters, tol: p.cgTol });
    spent += 2 * step.cgIterations;
    spent += step.evaluations / 2; // a loss evaluation is about half a gradient
    theta = step.theta;
    losses.push(step.value);
    work.push(spent);
  }
  return { losses, work };
}

/** Gradient descent with learning rate lr until the loss reaches `target` (or `limit` iterations, or divergence). */
function gdRun(model: Model, x: tf.Tensor, y: tf.Tensor1D, theta0: Float64Array, lr: number, target: number, limit: number, p: C4Params): Run {
  const { gradAt } = objective(model, x, y, p.l2);
  const theta = Float64Array.from(theta0);
  const losses: number[] = [];
  const work: number[] = [];
  for (let it = 0; it <= limit; it++) {
    const { value, grad } = gradAt(theta);
    losses.push(value);
    work.push(it + 1);
    if (value <= target || !Number.isFinite(value)) break;
    for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
  }
  return { losses, work };
}

/** Iterations until the loss is at or below target; null when never. */
const itersTo = (losses: number[], target: number) => { const i = losses.findIndex((l) => l <= target); return i < 0 ? null : i; };

export async function seedC4(p: C4Params, seed: number): Promise<C4Seed> {
  const { train } = fmnistSplits(p);
  const { x, y } = toTensors(train);
  const out: C4Seed = { rows: [], curves: {} as C4Seed['curves'] };
  try {
    for (const problem of PROBLEMS) {
      const rng = new Rng(seed).fork(problem);
      const model = mlp(problem === 'logistic' ? { sizes: [784, 10] } : { sizes: [784, p.hidden, 10], activation: 'tanh' }, rng.fork('init'));
      try {
        const theta0 = flatten(model.params);
        const curv = curvatureRun(model, x, y, theta0, p);
        const f0 = curv.losses[0];
        const fStar = Math.min(...curv.losses);
        const target = fStar + p.tolRel * (f0 - fStar);
        const curvIters = itersTo(curv.losses, target)!;
        let best: { lr: number; iters: number; run: Run } | null = null;
        // largest rates first; a slower rate is stopped once it cannot beat the best so far
        for (const lr of [...p.gdLrs].sort((a, b) => b - a)) {
          const run = gdRun(model, x, y, theta0, lr, target, best?.iters ?? p.maxGdIters, p);
          const iters = itersTo(run.losses, target) ?? p.maxGdIters;
          // among rates that never reach the target, the one that got lowest
          const better = !best || iters < best.iters || (iters === best.iters && Math.min(...run.losses) < Math.min(...best.run.losses));
          if (better) best = { lr, iters, run };
          await new Promise((ok) => setImmediate(ok));
        }
        const censored = itersTo(best!.run.losses, target) === null;
        out.curves[problem] = { curvature: curv.losses, gd: best!.run.losses, target, fStar };
        out.rows.push({
          seed, problem, dim: theta0.length, f0, fStar, target, curvatureIters: curvIters, gdIters: best!.iters, gdBestLr: best!.lr,
          gdCensored: censored, ratio: best!.iters / Math.max(curvIters, 1),
          curvatureWork: curv.work[curvIters], gdWork: best!.iters + 1,
        });
      } finally {
        model.dispose();
      }
    }
  } finally {
    tf.dispose([x, y]);
  }
  return out;
}

export function summarizeC4(p: C4Params, perSeed: C4Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const numbers: Record<string, number> = { seeds: p.seeds.length };
  const effects: Effect[] = [];
  const premises = [];
  const topLr = Math.max(...p.gdLrs);
  for (const problem of PROBLEMS) {
    const r = rows.filter((row) => row.problem === problem);
    const part = problem === 'logistic' ? 'damped Newton (logistic regression)' : 'exact Gauss-Newton (tanh MLP)';
    // the claim's "far fewer": the geometric-mean ratio above 2x (log scale; a censored GD run makes its ratio a lower bound)
    effects.push(meanOf(`${problem}LogRatio`, `log(iterations to target, GD at its best lr / curvature steps), ${problem}`, r.map((row) => Math.log(Number(row.ratio))), { kind: 'direction', sign: 1, reference: Math.log(p.minRatio), smallest: 0 }, { unit: 'log ratio', part }));
    effects.push(meanOf(`${problem}LogWorkRatio`, `log(gradient-equivalents to target, GD / curvature steps), ${problem}`, r.map((row) => Math.log(Number(row.gdWork) / Number(row.curvatureWork))), { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'log ratio', part, decides: false }));
    // GD at its best: its best rate must not sit at the top of the grid (a larger one might be faster)
    premises.push(premise(`${problem}GdLrInterior`, `share of seeds whose best GD lr is below the grid's largest (${topLr}), ${problem}`, r.filter((row) => Number(row.gdBestLr) < topLr).length / r.length, { atLeast: 0.6 }, { digits: 2 }));
    numbers[`${problem}CurvatureIters`] = mean(r.map((row) => Number(row.curvatureIters)));
    numbers[`${problem}GdIters`] = mean(r.map((row) => Number(row.gdIters)));
    numbers[`${problem}GdCensored`] = r.filter((row) => row.gdCensored).length;
  }
  const fStars = rows.filter((r) => r.problem === 'logistic').map((r) => Number(r.fStar));
  const v = verdict({
    headline: 'mlpLogRatio',
    effects,
    premise: premises,
    // the convex problem has one minimum: every seed's damped Newton run ends at the same f*
    checks: [check('logisticFStarSpread', 'logistic regression: largest - smallest f* over seeds (one minimum)', Math.max(...fStars) - Math.min(...fStars), 0, 1e-3)],
    numbers,
  });
  const s0 = perSeed[0];
  return {
    rows,
    verdict: v,
    figures: [
      ...PROBLEMS.map((problem) => {
        const c = s0.curves[problem];
        // suboptimality f - f*, floored for the log axis (the curvature run ends at f*)
        const gap = (l: number[]) => l.map((v) => Math.max(v - c.fStar, 1e-9));
        const n = Math.max(c.gd.length, c.curvature.length);
        return lineFigure(`C4 ${problem}, first seed: loss above f* per iteration`, 'iteration', 'f - f*', [
          { name: 'Gauss-Newton / damped Newton', x: c.curvature.map((_, i) => i + 1), y: gap(c.curvature) },
          { name: 'gradient descent (best learning rate)', x: c.gd.map((_, i) => i + 1), y: gap(c.gd) },
          { name: 'target', x: [1, n], y: [c.target - c.fStar, c.target - c.fStar] },
        ], { logX: true, logY: true });
      }),
      barFigure('Iterations to target: gradient descent / curvature steps (geometric mean over seeds)', 'ratio',
        PROBLEMS.map((problem) => ({ name: problem, value: Math.exp(v.numbers[`${problem}LogRatio`]) }))),
    ],
  };
}

const common = { source: 'subset' as const, l2: 1e-3, damping: 1e-3, cgTol: 1e-3, tolRel: 1e-3, gdLrs: [0.03, 0.1, 0.3, 1, 3], minRatio: 2 };

export const claim = defineClaim<C4Params, C4Seed>({
  id: 'C4',
  slug: 'gauss-newton-steps',
  paper: 'Exact Gauss-Newton Optimization for Training Deep Neural Networks; Damped Newton Method with Near-Optimal Global Convergence',
  claim: 'curvature-aware steps (exact Gauss-Newton, damped Newton) reach a loss target in far fewer iterations than gradient descent',
  setting: 'Fashion-MNIST subset; L2-regularised logistic regression (damped Newton: its Gauss-Newton matrix is the Hessian) and 784-h-10 tanh MLP (exact Gauss-Newton), CG-solved steps with Armijo backtracking, vs gradient descent at the best learning rate of a grid; target f* + 1e-3 (f0 - f*)',
  rule: 'per problem (two parts): log of the iterations-to-target ratio GD / curvature steps, mean over seeds with a 95% t interval above log 2 (geometric mean above 2x; a censored GD run ' +
    'counts as its cap, a lower bound); premise: GD\'s best lr below the top of its grid on >= 60% of seeds; check: one f* for the convex problem (1e-3); work ratio in gradient-equivalents reported',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 50, nTest: 10, hidden: 4, cgIters: 4, refIters: 3, maxGdIters: 15, ...common, gdLrs: [0.3, 1, 3] },
    ci: { seeds: [1, 2, 3], nTrain: 100, nTest: 10, hidden: 16, cgIters: 6, refIters: 4, maxGdIters: 30, ...common, gdLrs: [0.3, 1, 3] },
    // full: ~31 min on 2 cores (probed on 2000 images: a gradient 21 ms, a Gauss-Newton product 57 ms; per problem ~4 rates x 1000-2000 GD iterations, the old ci's counts, + 20 x 50 CG products; x 10 seeds / 2 workers); CG 100 -> 50 iterations, 25 -> 20 curvature steps
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nTrain: 2000, nTest: 10, hidden: 32, cgIters: 50, refIters: 20, maxGdIters: 20000, ...common },
  },
  seed: seedC4,
  summarize: summarizeC4,
});
