/**
 * A model is a list of named parameter variables plus pure functions of (params, input). Keeping the
 * parameters explicit lets techniques differentiate with respect to any of them (Hessian-vector
 * products, per-layer traces, SAM's perturbed weights) without rebuilding layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';

/**
 * A network as named parameter variables and pure functions of (input, parameters) giving logits and penultimate
 * features.
 */
export interface Model {
  readonly name: string;
  readonly params: tf.Variable[];
  /** parameter names, aligned with params (e.g. "dense0/kernel") */
  readonly paramNames: string[];
  /** logits [batch, classes]; `params` replaces the model's own variables when given */
  apply(x: tf.Tensor, params?: readonly tf.Tensor[]): tf.Tensor2D;
  /** penultimate-layer representation [batch, features] */
  features(x: tf.Tensor, params?: readonly tf.Tensor[]): tf.Tensor2D;
  /** Frees the model's variables and any other tensors it holds. */
  dispose(): void;
}

/**
 * Weight initialisation: He (std sqrt(2 / fanIn)), Glorot (std sqrt(2 / (fanIn + fanOut))), or a given standard
 * deviation.
 */
export type Init = 'he' | 'glorot' | { std: number };

/**
 * Standard deviation of the normal initial weights of a layer with `fanIn` inputs and `fanOut` outputs under
 * `init`.
 */
export function initStd(init: Init, fanIn: number, fanOut: number): number {
  if (init === 'he') return Math.sqrt(2 / fanIn);
  if (init === 'glorot') return Math.sqrt(2 / (fanIn + fanOut));
  return init.std;
}

/** Total number of scalar parameters of the model. */
export function countParams(model: Model): number {
  return model.params.reduce((n, p) => n + p.size, 0);
}

/** A trainable variable with values drawn from `rng` (so init is identical on every backend). */
export function normalVariable(rng: Rng, shape: number[], std: number, name: string): tf.Variable {
  return tf.tidy(() => tf.variable(rng.normalTensor(shape, 0, std), true, uniqueName(name)));
}

/** A trainable variable of zeros (e.g. a bias); `name` gets a suffix that makes it unique. */
export function zerosVariable(shape: number[], name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros(shape), true, uniqueName(name)));
}

/** A trainable variable of ones (e.g. a norm gain); `name` gets a suffix that makes it unique. */
export function onesVariable(shape: number[], name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.ones(shape), true, uniqueName(name)));
}

let counter = 0;
// tf variable names are global; suffix a counter so many models can coexist.
function uniqueName(name: string): string {
  return `${name}_${++counter}`;
}

/** A hidden-layer activation: ReLU, tanh, or none ('linear'). */
export type Activation = 'relu' | 'tanh' | 'linear';

/** Applies the activation `act` elementwise. */
export function activate(x: tf.Tensor, act: Activation): tf.Tensor {
  if (act === 'relu') return tf.relu(x);
  if (act === 'tanh') return tf.tanh(x);
  return x;
}

/** Copies of a model's parameter values (the caller disposes them), e.g. an initialisation to return to. */
export function snapshotParams(model: Model): tf.Tensor[] {
  return model.params.map((p) => p.clone());
}

/** Set a model's parameters to values from `snapshotParams`. */
export function restoreParams(model: Model, values: readonly tf.Tensor[]): void {
  model.params.forEach((p, i) => p.assign(values[i]));
}

/** Copy the values of `src` into `dst` (same architecture). */
export function copyParams(dst: Model, src: Model): void {
  dst.params.forEach((p, i) => p.assign(src.params[i]));
}
