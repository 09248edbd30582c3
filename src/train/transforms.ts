/**
 * Gradient transformations in the style of optax: `init(params) -> state` and
 * `update(updates, state, params, ctx) -> updates`, composed with `chain`. The final updates are
 * added to the parameters, so the learning-rate step scales by -lr. State lives in tf.Variables (or
 * plain numbers) and is updated in place; `update` is called inside the loop's tf.tidy, so every
 * intermediate tensor is freed after the step.
 */
import * as tf from '@tensorflow/tfjs';
import { adamStep } from '../engine/ops/adam.js';
import { scaleAll } from '../engine/ops/lists.js';
import type { Rng } from '../random/rng.js';

/** What every transformation's `update` sees of the current step. */
export interface StepContext {
  /** 0-based step count */
  step: number;
  /** stream for stochastic transforms (noise), forked per run */
  rng: Rng;
  /**
   * the current batch's loss gradient at other parameter values, for transformations that look
   * around the current point (SAM, GAM); the training loop provides it
   */
  gradAt?: (params: tf.Tensor[]) => tf.Tensor[];
}

/**
 * An optimizer component (as in optax): `init` makes its state, `update` maps the incoming updates (at first the
 * gradients) to new ones; the final updates are added to the parameters.
 */
export interface GradientTransformation<S = unknown> {
  readonly name: string;
  /** Creates the state for these parameters. */
  init(params: readonly tf.Tensor[]): S;
  /** Maps `updates` (aligned with `params`) to new updates, updating `state` in place. */
  update(updates: tf.Tensor[], state: S, params: readonly tf.Tensor[], ctx: StepContext): tf.Tensor[];
  /** free the state's tensors */
  dispose(state: S): void;
}

/** A number or a function of the step. */
export type Schedule = number | ((step: number) => number);

/** The value of a schedule at `step`. */
export function valueAt(s: Schedule, step: number): number {
  return typeof s === 'number' ? s : s(step);
}

function stateless(name: string, update: GradientTransformation<null>['update']): GradientTransformation<null> {
  return { name, init: () => null, update, dispose: () => {} };
}

// tf.variable keeps its initial tensor alive unless created inside tidy
function zerosLike(params: readonly tf.Tensor[]): tf.Variable[] {
  return params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
}

/** Apply transformations in order. */
export function chain(...ts: GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  return {
    name: ts.map((t) => t.name).join(' > '),
    init: (params) => ts.map((t) => t.init(params)),
    update: (u, states, params, ctx) => ts.reduce((acc, t, i) => t.update(acc, states[i], params, ctx), u),
    dispose: (states) => ts.forEach((t, i) => t.dispose(states[i])),
  };
}

/** Multiply by -lr(step): the descent step itself. */
export function scaleByLearningRate(lr: Schedule): GradientTransformation<null> {
  return stateless(`lr(${typeof lr === 'number' ? lr : 'schedule'})`, (u, _s, _p, { step }) => {
    return scaleAll(u, -valueAt(lr, step));
  });
}

/** Heavy-ball (or Nesterov) momentum trace: m <- beta m + g. */
export function traceMomentum(beta: number, nesterov = false): GradientTransformation<tf.Variable[]> {
  return {
    name: `${nesterov ? 'nesterov' : 'momentum'}(${beta})`,
    init: zerosLike,
    update: (u, m) => u.map((g, i) => {
      const next = m[i].mul(beta).add(g);
      m[i].assign(next);
      return nesterov ? next.mul(beta).add(g) : next;
    }),
    dispose: (m) => m.forEach((v) => v.dispose()),
  };
}

/** Adam's first- and second-moment estimates, one variable per parameter. */
export interface AdamState { m: tf.Variable[]; v: tf.Variable[] }

/** Adam's rescaling with bias correction (Kingma & Ba). */
export function scaleByAdam(b1 = 0.9, b2 = 0.999, eps = 1e-8): GradientTransformation<AdamState> {
  return {
    name: `adam(${b1},${b2})`,
    init: (params) => ({ m: zerosLike(params), v: zerosLike(params) }),
    update: (u, s, _p, { step }) => {
      const { m, v, updates } = adamStep(u, s.m, s.v, { b1, b2, eps, c1: 1 - b1 ** (step + 1), c2: 1 - b2 ** (step + 1) });
      s.m.forEach((x, i) => x.assign(m[i]));
      s.v.forEach((x, i) => x.assign(v[i]));
      return updates;
    },
    dispose: (s) => [...s.m, ...s.v].forEach((v) => v.dispose()),
  };
}

/** Global l2 norm of a list of tensors, as a scalar tensor. */
export function globalNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t))))) as tf.Scalar);
}

/** Rescale all updates together so their global norm is at most maxNorm (Pascanu et al.). */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  return stateless(`clip(${maxNorm})`, (u) => {
    const norm = globalNorm(u);
    const factor = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return u.map((g) => g.mul(factor));
  });
}

/** Pass updates through unchanged, reporting their global norm each step (e.g. to trace gradient spikes). */
export function observeGlobalNorm(onNorm: (norm: number, step: number) => void): GradientTransformation<null> {
  return stateless('observe-norm', (u, _s, _p, { step }) => {
    onNorm(globalNorm(u).dataSync()[0], step);
    return u;
  });
}

/**
 * Add Gaussian noise N(0, sigma_t^2) to the gradient, sigma_t^2 = eta / (1 + t)^gamma (Neelakantan
 * et al. 2015; optax.add_noise). Drawn from ctx.rng, so runs are reproducible.
 */
export function addNoise(eta: number, gamma = 0.55): GradientTransformation<null> {
  if (eta < 0) throw new Error(`addNoise: eta must be >= 0, got ${eta}`);
  return stateless(`noise(${eta},${gamma})`, (u, _s, _p, { step, rng }) => {
    const std = Math.sqrt(eta / (1 + step) ** gamma);
    return std === 0 ? u : u.map((g) => g.add(rng.normalTensor(g.shape, 0, std)));
  });
}

/** Add weight decay `wd * params` to the updates (before the learning-rate step). */
export function addDecayedWeights(wd: number): GradientTransformation<null> {
  return stateless(`wd(${wd})`, (u, _s, params) => u.map((g, i) => g.add(params[i].mul(wd))));
}

/** Plain gradient descent: the update is -lr(step) * g. */
export const sgd = (lr: Schedule): GradientTransformation<unknown> => scaleByLearningRate(lr);
/** SGD with heavy-ball momentum, m <- beta m + g and update -lr(step) * m (Nesterov: -lr(step) * (beta m + g)). */
export const momentum = (lr: Schedule, beta = 0.9, nesterov = false) =>
  chain(traceMomentum(beta, nesterov), scaleByLearningRate(lr));
/** Adam (Kingma & Ba) with bias correction, scaled by -lr(step). */
export const adam = (lr: Schedule, b1 = 0.9, b2 = 0.999, eps = 1e-8) =>
  chain(scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
/** AdamW: Adam's rescaling plus decoupled weight decay (Loshchilov & Hutter). */
export const adamw = (lr: Schedule, weightDecay = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8) =>
  chain(scaleByAdam(b1, b2, eps), addDecayedWeights(weightDecay), scaleByLearningRate(lr));

/** Floats an optimizer keeps between steps: the sizes of the tensors in its state, plus its plain numbers. */
export function stateFloats(state: unknown): number {
  if (state instanceof tf.Tensor) return state.size;
  if (typeof state === 'number') return 1;
  if (Array.isArray(state)) return state.reduce((n: number, s) => n + stateFloats(s), 0);
  if (state && typeof state === 'object') return Object.values(state).reduce((n: number, s) => n + stateFloats(s), 0);
  return 0;
}
