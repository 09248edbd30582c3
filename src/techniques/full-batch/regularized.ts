/**
 * Full-batch gradient descent made to generalise like SGD (Geiping, Goldblum, Pope, Moeller & Goldstein
 * 2022, "Stochastic Training is Not Necessary for Generalization"). SGD with step eps over m batches
 * implicitly minimises L + (eps / 4) (1/m) sum_k ||grad L_k||^2 (Smith et al. 2021); full-batch training
 * adds that term explicitly, over a FIXED partition of the training set into sub-batches (nothing is
 * random), with its gradient lambda (1/m) sum_k H_k grad L_k estimated by a finite difference per
 * sub-batch, and stabilises the large full-batch steps with a learning-rate warm-up and gradient clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLoss } from '../curvature/hvp.js';
import { penaltyGradientExact, penaltyGradientFiniteDifference } from '../gradient-regularization/index.js';
import { chain, clipByGlobalNorm, scaleByLearningRate, traceMomentum, type GradientTransformation, type Schedule } from '../../train/transforms.js';

/** How the penalty gradient H_k grad L_k of each sub-batch is computed. */
export interface SubBatchPenaltyOptions {
  /** 'finite-difference' (the paper's: two gradients per sub-batch, O(h) error) or 'exact' (double backprop) */
  method?: 'finite-difference' | 'exact';
  /** finite-difference step along grad L_k (default 0.01) */
  h?: number;
}

/**
 * The gradient of R(theta) = (1/2) (1/m) sum_k ||grad L_k(theta)||^2 over the sub-batch losses L_k:
 * (1/m) sum_k H_k grad L_k. The caller disposes the result.
 */
export function subBatchPenaltyGradient(losses: readonly ParamLoss[], params: readonly tf.Tensor[], opts: SubBatchPenaltyOptions = {}): tf.Tensor[] {
  if (!losses.length) throw new Error('subBatchPenaltyGradient: needs at least one sub-batch loss');
  const h = opts.h ?? 0.01;
  return tf.tidy(() => {
    let sum: tf.Tensor[] | null = null;
    for (const loss of losses) {
      const g = opts.method === 'exact' ? penaltyGradientExact(loss, params) : penaltyGradientFiniteDifference(loss, params, h);
      sum = sum ? sum.map((s, i) => tf.add(s, g[i])) : g;
    }
    return sum!.map((s) => tf.div(s, losses.length));
  });
}

/**
 * Add lambda x the sub-batch penalty gradient to the updates (the loss gradient): the gradient of
 * L + (lambda / 2) (1/m) sum_k ||grad L_k||^2. Place it first in a chain, before clipping and the step.
 * With lambda = eps_eff / 2 (eps_eff: SGD's effective step, eps / (1 - beta) with momentum beta) the
 * term is Smith et al.'s implicit regulariser of SGD with sub-batches of the same size.
 */
export function subBatchGradientPenalty(lambda: number, losses: readonly ParamLoss[], opts: SubBatchPenaltyOptions = {}): GradientTransformation<null> {
  if (!(lambda >= 0)) throw new Error(`subBatchGradientPenalty: lambda must be >= 0, got ${lambda}`);
  return {
    name: `gradient-penalty(${lambda}, ${losses.length} sub-batches)`,
    init: () => null,
    update: (u, _s, params) => {
      if (lambda === 0) return u;
      const r = subBatchPenaltyGradient(losses, params, opts);
      return u.map((g, i) => tf.add(g, tf.mul(lambda, r[i])));
    },
    dispose: () => {},
  };
}

/** A rate ramped linearly from lr / warmup to lr over the first `warmup` steps, then constant (0 steps: constant). */
export function linearWarmup(lr: number, warmup: number): (step: number) => number {
  if (!(warmup >= 0)) throw new Error(`linearWarmup: warmup must be >= 0, got ${warmup}`);
  return (step) => (step < warmup ? (lr * (step + 1)) / warmup : lr);
}

/** The full-batch recipe: optional gradient penalty, optional global-norm clipping, heavy-ball momentum, warm-up. */
export interface FullBatchOptions {
  lr: number;
  /** heavy-ball momentum (0: plain gradient descent) */
  momentum: number;
  /** warm-up steps (0: none) */
  warmup?: number;
  /** clip the (penalised) gradient to this global norm (undefined: no clipping) */
  clip?: number;
  /** the explicit regulariser: its weight and sub-batch losses */
  penalty?: { lambda: number; losses: readonly ParamLoss[] } & SubBatchPenaltyOptions;
}

/** Geiping et al.'s full-batch optimiser as one gradient transformation (penalty > clip > momentum > warm-up step). */
export function fullBatchOptimizer(o: FullBatchOptions): GradientTransformation<unknown> {
  const parts: GradientTransformation<any>[] = [];
  if (o.penalty) parts.push(subBatchGradientPenalty(o.penalty.lambda, o.penalty.losses, o.penalty));
  if (o.clip !== undefined) parts.push(clipByGlobalNorm(o.clip));
  if (o.momentum > 0) parts.push(traceMomentum(o.momentum));
  const lr: Schedule = o.warmup ? linearWarmup(o.lr, o.warmup) : o.lr;
  parts.push(scaleByLearningRate(lr));
  return chain(...parts);
}
