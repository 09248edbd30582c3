/**
 * Full-batch gradient descent made to generalise like SGD (Geiping, Goldblum, Pope, Moeller & Goldstein
 * 2022, "Stochastic Training is Not Necessary for Generalization"). SGD with step eps over m batches
 * implicitly minimises L + (eps / 4) (1/m) sum_k ||grad L_k||^2 (Smith et al. 2021); full-batch training
 * adds that term explicitly, over a FIXED partition of the training set into sub-batches (nothing is
 * random), with its gradient lambda (1/m) sum_k H_k grad L_k estimated by a finite difference per
 * sub-batch, and stabilises the large full-batch steps with a learning-rate warm-up and gradient clipping.
 * The paper (JonasGeiping/fullbatchtraining, fullbatch/models/modules.py, `_forward_differences`) takes
 * the finite-difference step normalised, h_k = eps / ||grad L_k|| with eps = 0.01, so that the parameters
 * move by eps in norm whatever the gradient's size, and weights the term with lambda(t) = alpha lr(t) / 4
 * (alpha = 0.5), following the full-batch rate's warm-up and cosine schedule.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLoss } from '../curvature/hvp.js';
import { penaltyGradientExact } from '../gradient-regularization/index.js';
import { chain, clipByGlobalNorm, scaleByLearningRate, traceMomentum, valueAt, type GradientTransformation, type Schedule } from '../../train/transforms.js';

/** How the penalty gradient H_k grad L_k of each sub-batch is computed. */
export interface SubBatchPenaltyOptions {
  /**
   * 'finite-difference' (the paper's: two gradients per sub-batch) or 'exact' (double backprop). The
   * finite difference is exact on a quadratic and O(step) off on smooth losses, but on a ReLU network a
   * step can cross activation kinks, where it is not small: measure it against 'exact' (see
   * `penaltyGradientError`) rather than assume it.
   */
  method?: 'finite-difference' | 'exact';
  /** normalised finite-difference step (the paper's): h_k = eps / ||grad L_k||, the parameters move by eps in norm (default 0.01) */
  eps?: number;
  /** absolute finite-difference step along grad L_k; when given it replaces the normalised `eps` */
  h?: number;
}

function gradients(loss: ParamLoss, params: readonly tf.Tensor[]): tf.Tensor[] {
  return tf.grads((...qs: tf.Tensor[]) => loss(qs))([...params]);
}

/**
 * H grad L of one sub-batch by one forward difference along g = grad L: (grad L(theta + h g) - g) / h, with
 * h = opts.h when given, else eps / ||g|| (the paper's normalised step). The caller disposes the result.
 */
export function finiteDifferencePenaltyGradient(loss: ParamLoss, params: readonly tf.Tensor[], opts: Pick<SubBatchPenaltyOptions, 'eps' | 'h'> = {}): tf.Tensor[] {
  const eps = opts.eps ?? 0.01;
  if (opts.h !== undefined && !(opts.h > 0)) throw new Error(`finiteDifferencePenaltyGradient: step h must be > 0, got ${opts.h}`);
  if (!(eps > 0)) throw new Error(`finiteDifferencePenaltyGradient: eps must be > 0, got ${eps}`);
  return tf.tidy(() => {
    const g = gradients(loss, params);
    const norm = Math.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))).dataSync()[0]);
    if (opts.h === undefined && !(norm > 0)) return g.map((t) => tf.zerosLike(t));
    const h = opts.h ?? eps / norm;
    const ascended = gradients(loss, params.map((p, i) => tf.add(p, tf.mul(h, g[i]))));
    return ascended.map((a, i) => tf.div(tf.sub(a, g[i]), h));
  });
}

/**
 * The gradient of R(theta) = (1/2) (1/m) sum_k ||grad L_k(theta)||^2 over the sub-batch losses L_k:
 * (1/m) sum_k H_k grad L_k. The caller disposes the result.
 */
export function subBatchPenaltyGradient(losses: readonly ParamLoss[], params: readonly tf.Tensor[], opts: SubBatchPenaltyOptions = {}): tf.Tensor[] {
  if (!losses.length) throw new Error('subBatchPenaltyGradient: needs at least one sub-batch loss');
  return tf.tidy(() => {
    let sum: tf.Tensor[] | null = null;
    for (const loss of losses) {
      const g = opts.method === 'exact' ? penaltyGradientExact(loss, params) : finiteDifferencePenaltyGradient(loss, params, opts);
      sum = sum ? sum.map((s, i) => tf.add(s, g[i])) : g;
    }
    return sum!.map((s) => tf.div(s, losses.length));
  });
}

/**
 * Relative error ||fd - exact|| / ||exact|| of the finite-difference penalty gradient (options `opts`)
 * against double backprop, over the same sub-batches at `params`.
 */
export function penaltyGradientError(losses: readonly ParamLoss[], params: readonly tf.Tensor[], opts: Pick<SubBatchPenaltyOptions, 'eps' | 'h'> = {}): number {
  return tf.tidy(() => {
    const fd = subBatchPenaltyGradient(losses, params, { ...opts, method: 'finite-difference' });
    const exact = subBatchPenaltyGradient(losses, params, { method: 'exact' });
    const sq = (ts: tf.Tensor[]) => tf.addN(ts.map((t) => tf.sum(tf.square(t)))).dataSync()[0];
    return Math.sqrt(sq(fd.map((f, i) => tf.sub(f, exact[i]))) / sq(exact));
  });
}

/**
 * Add lambda x the sub-batch penalty gradient to the updates (the loss gradient): the gradient of
 * L + (lambda / 2) (1/m) sum_k ||grad L_k||^2. Place it first in a chain, before clipping and the step.
 * lambda may follow a schedule over steps: the paper's is alpha lr(t) / 4 (alpha = 0.5; lr(t) the
 * full-batch rate with its warm-up and cosine decay). With lambda = eps_eff / 2 (eps_eff: SGD's effective
 * step) the term is instead Smith et al.'s implicit regulariser of SGD with sub-batches of the same size.
 */
export function subBatchGradientPenalty(lambda: Schedule, losses: readonly ParamLoss[], opts: SubBatchPenaltyOptions = {}): GradientTransformation<null> {
  if (typeof lambda === 'number' && !(lambda >= 0)) throw new Error(`subBatchGradientPenalty: lambda must be >= 0, got ${lambda}`);
  return {
    name: `gradient-penalty(${typeof lambda === 'number' ? lambda : 'scheduled'}, ${losses.length} sub-batches)`,
    init: () => null,
    update: (u, _s, params, ctx) => {
      const l = valueAt(lambda, ctx.step);
      if (!(l >= 0)) throw new Error(`subBatchGradientPenalty: lambda must be >= 0, got ${l} at step ${ctx.step}`);
      if (l === 0) return u;
      const r = subBatchPenaltyGradient(losses, params, opts);
      return u.map((g, i) => tf.add(g, tf.mul(l, r[i])));
    },
    dispose: () => {},
  };
}

/** A rate ramped linearly from lr / warmup to lr over the first `warmup` steps, then constant (0 steps: constant). */
export function linearWarmup(lr: number, warmup: number): (step: number) => number {
  if (!(warmup >= 0)) throw new Error(`linearWarmup: warmup must be >= 0, got ${warmup}`);
  return (step) => (step < warmup ? (lr * (step + 1)) / warmup : lr);
}

/**
 * A rate ramped linearly from lr / warmup to lr over the first `warmup` steps, then decayed by a half cosine
 * to 0 at step `total` (lr (1 + cos(pi (t - warmup) / (total - warmup))) / 2), as in the paper's full-batch runs.
 */
export function warmupCosine(lr: number, warmup: number, total: number): (step: number) => number {
  if (!(total > warmup)) throw new Error(`warmupCosine: total (${total}) must exceed warmup (${warmup})`);
  const warm = linearWarmup(lr, warmup);
  return (step) => (step < warmup ? warm(step) : (lr * (1 + Math.cos((Math.PI * Math.min(step - warmup, total - warmup)) / (total - warmup)))) / 2);
}

/** The full-batch recipe: optional gradient penalty, optional global-norm clipping, heavy-ball momentum, warm-up. */
export interface FullBatchOptions {
  /** the rate, or its schedule over steps (then `warmup` is ignored) */
  lr: Schedule;
  /** heavy-ball momentum (0: plain gradient descent) */
  momentum: number;
  /** warm-up steps (0: none) */
  warmup?: number;
  /** clip the (penalised) gradient to this global norm (undefined: no clipping) */
  clip?: number;
  /** the explicit regulariser: its weight (a number or a schedule over steps) and sub-batch losses */
  penalty?: { lambda: Schedule; losses: readonly ParamLoss[] } & SubBatchPenaltyOptions;
}

/** Geiping et al.'s full-batch optimiser as one gradient transformation (penalty > clip > momentum > warm-up step). */
export function fullBatchOptimizer(o: FullBatchOptions): GradientTransformation<unknown> {
  const parts: GradientTransformation<any>[] = [];
  if (o.penalty) parts.push(subBatchGradientPenalty(o.penalty.lambda, o.penalty.losses, o.penalty));
  if (o.clip !== undefined) parts.push(clipByGlobalNorm(o.clip));
  if (o.momentum > 0) parts.push(traceMomentum(o.momentum));
  const lr: Schedule = o.warmup && typeof o.lr === 'number' ? linearWarmup(o.lr, o.warmup) : o.lr;
  parts.push(scaleByLearningRate(lr));
  return chain(...parts);
}
