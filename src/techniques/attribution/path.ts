/**
 * Path attributions (Captum's IntegratedGradients and GradientShap-style expected gradients): the
 * attribution of input i is (x_i - x'_i) times the average gradient along the straight path from a
 * reference x' to x. By the gradient theorem their sum is f(x) - f(x') ("completeness"): exactly for
 * the path integral, up to quadrature error for integrated gradients (Sundararajan et al. 2017), and
 * in expectation over references and path points for expected gradients (Erion et al. 2021), whose
 * target is f(x) - E_{x' ~ data} f(x').
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { targetScore, type Attribution } from './attribution.js';

/** Input gradients of the target logits at a batch of points (targets repeat per point as given). */
function gradientsAt(model: Model, points: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
  return tf.grad((x: tf.Tensor) => targetScore(model, x, targets))(points);
}

function checkTargets(name: string, inputs: tf.Tensor, targets: ArrayLike<number>): void {
  if (targets.length !== inputs.shape[0]) throw new Error(`${name}.attribute: ${targets.length} targets for a batch of ${inputs.shape[0]}`);
}

/** Settings of `IntegratedGradients`. */
export interface IntegratedGradientsOptions {
  /** quadrature intervals along the path (the trapezoid rule evaluates steps + 1 points) */
  steps: number;
  /** the reference x', one input's shape; zeros (a black image) by default */
  baseline?: tf.Tensor;
  /** path points evaluated per gradient call */
  chunk?: number;
}

/** Integrated gradients by the trapezoid rule: error O(1/steps^2) for smooth models, O(1/steps) for ReLU ones. */
export class IntegratedGradients implements Attribution {
  readonly name: string;
  constructor(readonly model: Model, readonly opts: IntegratedGradientsOptions) {
    if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new Error(`IntegratedGradients: steps must be an integer >= 1, got ${opts.steps}`);
    this.name = `integrated-gradients(steps=${opts.steps})`;
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    checkTargets('IntegratedGradients', inputs, targets);
    const { steps } = this.opts;
    const shape = inputs.shape.slice(1);
    const chunk = Math.max(1, Math.floor((this.opts.chunk ?? 512) / inputs.shape[0]));
    if (this.opts.baseline && !tf.util.arraysEqual(this.opts.baseline.shape, shape)) throw new Error(`IntegratedGradients: baseline has shape [${this.opts.baseline.shape}], inputs [${shape}]`);
    const baseline = this.opts.baseline ?? tf.zeros(shape);
    try {
      return this.integrate(inputs, targets, baseline, steps, chunk);
    } finally {
      if (!this.opts.baseline) baseline.dispose();
    }
  }

  private integrate(inputs: tf.Tensor, targets: ArrayLike<number>, baseline: tf.Tensor, steps: number, chunk: number): tf.Tensor {
    const b = inputs.shape[0];
    const shape = inputs.shape.slice(1);
    let sum = tf.zerosLike(inputs);
    for (let start = 0; start <= steps; start += chunk) {
      const k = Math.min(chunk, steps + 1 - start);
      const next = tf.tidy(() => {
        const alphas = Array.from({ length: k }, (_, j) => (start + j) / steps);
        const weights = alphas.map((_, j) => (start + j === 0 || start + j === steps ? 0.5 : 1) / steps);
        // [k, b, ...] points x' + alpha (x - x'), flattened to a batch of k*b
        const delta = tf.sub(inputs, baseline);
        const a = tf.tensor(alphas, [k, ...new Array(inputs.rank).fill(1)]);
        const points = tf.add(baseline, tf.mul(a, delta.expandDims(0))).reshape([k * b, ...shape]);
        const g = gradientsAt(this.model, points, Array.from({ length: k * b }, (_, i) => targets[i % b])).reshape([k, ...inputs.shape]);
        return sum.add(tf.sum(tf.mul(tf.tensor(weights, [k, ...new Array(inputs.rank).fill(1)]), g), 0));
      });
      sum.dispose();
      sum = next;
    }
    const out = tf.tidy(() => tf.mul(tf.sub(inputs, baseline), sum));
    sum.dispose();
    return out;
  }
}

/** Settings of `ExpectedGradients`. */
export interface ExpectedGradientsOptions {
  /** the reference distribution: a batch of inputs (usually training data) */
  references: tf.Tensor;
  /** (reference, path point) draws per input */
  samples: number;
  rng: Rng;
}

/** Expected gradients: E over x' ~ references and alpha ~ U(0, 1) of (x - x') * grad f(x' + alpha (x - x')). */
export class ExpectedGradients implements Attribution {
  readonly name: string;
  constructor(readonly model: Model, readonly opts: ExpectedGradientsOptions) {
    if (!(Number.isInteger(opts.samples) && opts.samples >= 1)) throw new Error(`ExpectedGradients: samples must be an integer >= 1, got ${opts.samples}`);
    this.name = `expected-gradients(samples=${opts.samples})`;
  }

  /** The single-draw attributions, [samples, batch, ...]; each draw's sum is unbiased for f(x) - E f(x'). */
  attributeSamples(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    checkTargets('ExpectedGradients', inputs, targets);
    const { references, samples, rng } = this.opts;
    const b = inputs.shape[0];
    const shape = inputs.shape.slice(1);
    if (!tf.util.arraysEqual(references.shape.slice(1), shape)) throw new Error(`ExpectedGradients: references have shape [${references.shape.slice(1)}], inputs [${shape}]`);
    const n = samples * b;
    const pick = Int32Array.from({ length: n }, () => rng.int(references.shape[0]));
    const alphas = rng.uniformArray(n);
    return tf.tidy(() => {
      const refs = tf.gather(references, pick);
      const x = tf.tile(inputs, [samples, ...new Array(inputs.rank - 1).fill(1)]);
      const a = tf.tensor(alphas, [n, ...new Array(inputs.rank - 1).fill(1)]);
      const delta = tf.sub(x, refs);
      const g = gradientsAt(this.model, tf.add(refs, tf.mul(a, delta)), Array.from({ length: n }, (_, i) => targets[i % b]));
      return tf.mul(delta, g).reshape([samples, ...inputs.shape]);
    });
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    return tf.tidy(() => tf.mean(this.attributeSamples(inputs, targets), 0));
  }
}
