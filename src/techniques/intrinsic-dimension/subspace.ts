/**
 * Training a network only through a random subspace: theta = theta_0 + P z with z in R^d the only
 * trainable parameters (initialised at 0, so training starts at theta_0). The subspace model is an
 * ordinary Model whose one parameter is z, so the training loop, its optimisers and evaluation apply
 * unchanged. The intrinsic dimension d90 (Li et al. 2018; Aghajanyan et al. 2021) is the smallest d
 * whose subspace training reaches 90% of full training's accuracy; `thresholdDimension` reads it off a
 * log-spaced grid of d.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Projection } from './projection.js';

/** Flatten a list of tensors into one [D] vector (row-major, in order). */
export function flattenParams(ps: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(ps.map((p) => p.reshape([-1]))) as tf.Tensor1D);
}

/** Split a [D] vector into tensors shaped like `shapes`. */
export function unflattenParams(theta: tf.Tensor1D, shapes: readonly number[][]): tf.Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  return tf.split(theta, sizes).map((t, i) => t.reshape(shapes[i]));
}

/** A Model of z alone: apply(x) = base.apply(x, theta_0 + P z). Disposing it frees z and theta_0, not `base`. */
export interface SubspaceModel extends Model {
  readonly projection: Projection;
  /** theta_0 + P z as the base model's parameter list (the caller disposes) */
  theta(): tf.Tensor[];
}

/** Wrap `base` at its current parameters theta_0 so that only z (length projection.d, initially 0) trains. */
export function subspaceModel(base: Model, projection: Projection): SubspaceModel {
  const shapes = base.params.map((p) => p.shape);
  const D = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  if (projection.D !== D) throw new Error(`subspaceModel: projection has D = ${projection.D}, the model ${D} parameters`);
  const theta0 = flattenParams(base.params);
  const z = tf.tidy(() => tf.variable(tf.zeros([projection.d]), true, `subspace_z_${++counter}`));
  const at = (ps: readonly tf.Tensor[]) => unflattenParams(tf.add(theta0, projection.apply(ps[0] as tf.Tensor1D)) as tf.Tensor1D, shapes);
  return {
    name: `subspace(${base.name}, ${projection.kind} d=${projection.d})`,
    params: [z],
    paramNames: ['z'],
    projection,
    apply: (x, ps = [z]) => tf.tidy(() => base.apply(x, at(ps))),
    features: (x, ps = [z]) => tf.tidy(() => base.features(x, at(ps))),
    theta: () => tf.tidy(() => at([z])),
    dispose: () => tf.dispose([z, theta0]),
  };
}
let counter = 0;

/** Where a grid of subspace accuracies first reaches a target. */
export interface ThresholdDimension {
  /** the threshold dimension (interpolated on ln d) */
  d: number;
  /** 'below': already reached at the smallest d (d is that d, an upper bound); 'above': never reached (d is the largest, a lower bound) */
  censored: 'none' | 'below' | 'above';
}

/**
 * d90 on a grid: the first grid point j whose accuracy reaches `target` (e.g. 0.9 x full training's
 * accuracy); between it and the point before, ln d is interpolated linearly in accuracy:
 * ln d = ln d_{j-1} + (target - a_{j-1}) / (a_j - a_{j-1}) (ln d_j - ln d_{j-1}). Reached at the first
 * point: d_1 (censored below); never reached: d_G (censored above). Later dips below the target are
 * ignored (first crossing). The grid must increase.
 */
export function thresholdDimension(dims: readonly number[], accuracies: readonly number[], target: number): ThresholdDimension {
  if (dims.length !== accuracies.length || !dims.length) throw new Error(`thresholdDimension: ${dims.length} dimensions, ${accuracies.length} accuracies`);
  if (dims.some((d, i) => !(d > 0) || (i > 0 && d <= dims[i - 1]))) throw new Error(`thresholdDimension: dimensions must be positive and increasing, got [${dims}]`);
  const j = accuracies.findIndex((a) => a >= target);
  if (j === 0) return { d: dims[0], censored: 'below' };
  if (j < 0) return { d: dims.at(-1)!, censored: 'above' };
  const [a0, a1] = [accuracies[j - 1], accuracies[j]];
  const t = (target - a0) / (a1 - a0);
  return { d: Math.exp(Math.log(dims[j - 1]) + t * (Math.log(dims[j]) - Math.log(dims[j - 1]))), censored: 'none' };
}

/** A log-spaced integer grid of `count` dimensions from lo to hi (rounded, strictly increasing). */
export function dimensionGrid(lo: number, hi: number, count: number): number[] {
  if (!(lo >= 1 && hi > lo && count >= 2)) throw new Error(`dimensionGrid: needs 1 <= lo < hi and count >= 2, got ${lo}, ${hi}, ${count}`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const d = Math.round(Math.exp(Math.log(lo) + (i / (count - 1)) * (Math.log(hi) - Math.log(lo))));
    out.push(Math.max(d, (out.at(-1) ?? 0) + 1));
  }
  return out;
}
