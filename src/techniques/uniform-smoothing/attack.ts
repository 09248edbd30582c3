/**
 * Attribution attack by projected gradient descent in the l2 ball (Ghorbani et al. 2019; Dombrowski et al.
 * 2019): find delta, ||delta||_2 <= eps, with x + delta kept in the input box, minimising the cosine between
 * a reference map and map(x + delta). Each row of the batch is its own problem (images, or restarts of one
 * image): it starts uniformly in its ball, steps along the normalised gradient and is projected back; the
 * iterate with the lowest cosine seen is returned. `map` must be differentiable in its input (for ReLU
 * networks, the saliency of a softplus surrogate); for a smoothed map it may draw fresh noise on every call
 * (expectation over transformation).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import { ballNoise } from './smoothed.js';

/** Settings of `attackAttribution`: l2 radius `eps`, step count and size, random stream and input box. */
export interface AttackOptions {
  eps: number;
  steps: number;
  /** l2 length of each step (default 2.5 eps / steps, as in Madry et al.'s PGD) */
  stepSize?: number;
  rng: Rng;
  /** input box, e.g. [0, 1] for images; none when absent */
  box?: [number, number];
}

/** The best perturbation found per row and its cosine to the reference (lower is a stronger attack). */
export interface AttackResult {
  /** the best perturbation per row [b, ...] (caller disposes) */
  delta: tf.Tensor;
  /** cosine to the reference at that perturbation, as measured by `map` when it was found */
  cosine: Float32Array;
}

/** Row-wise cosine similarity of two batches [b, ...] -> [b]. */
export function rowCosine(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const fa = a.reshape([a.shape[0], -1]);
    const fb = b.reshape([b.shape[0], -1]);
    const dot = fa.mul(fb).sum(1);
    return dot.div(fa.square().sum(1).sqrt().mul(fb.square().sum(1).sqrt()).maximum(1e-30)) as tf.Tensor1D;
  });
}

function projectRows(delta: tf.Tensor, x: tf.Tensor, eps: number, box?: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const flat = delta.reshape([delta.shape[0], -1]);
    const norm = flat.square().sum(1, true).sqrt();
    let d = flat.mul(tf.minimum(1, tf.div(eps, norm.maximum(1e-30)))).reshape(delta.shape);
    // clipping x + delta into the box only shortens delta coordinate-wise, so it stays in the ball
    if (box) d = x.add(d).clipByValue(box[0], box[1]).sub(x);
    return d;
  });
}

/** Minimises the cosine between `reference` and map(x + delta) over ||delta||_2 <= eps per row by projected gradient descent from a random start; returns the best iterate. */
export function attackAttribution(map: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, reference: tf.Tensor, opts: AttackOptions): AttackResult {
  const b = x.shape[0];
  const step = opts.stepSize ?? (2.5 * opts.eps) / opts.steps;
  let delta = tf.tidy(() => projectRows(ballNoise(opts.rng, b, x.shape.slice(1), opts.eps), x, opts.eps, opts.box));
  let best = delta.clone();
  const bestCos = new Float32Array(b).fill(Infinity);
  const objective = (d: tf.Tensor) => rowCosine(reference, map(x.add(d)));
  for (let s = 0; s <= opts.steps; s++) {
    const seen: { value?: tf.Tensor } = {};
    const grad = tf.tidy(() => tf.grad((d: tf.Tensor) => {
      const rows = objective(d);
      seen.value = tf.keep(rows.clone());
      return rows.sum();
    })(delta));
    const v = seen.value!.dataSync() as Float32Array;
    seen.value!.dispose();
    const improved = Array.from(v, (c, i) => c < bestCos[i]);
    if (improved.some(Boolean)) {
      const next = tf.tidy(() => tf.where(tf.tensor1d(improved.map(Number), 'bool').reshape([b, ...x.shape.slice(1).map(() => 1)]).tile([1, ...x.shape.slice(1)]), delta, best));
      best.dispose();
      best = next;
      improved.forEach((up, i) => { if (up) bestCos[i] = v[i]; });
    }
    if (s === opts.steps) { grad.dispose(); break; }
    const next = tf.tidy(() => {
      const g = grad.reshape([b, -1]);
      const unit = g.div(g.square().sum(1, true).sqrt().maximum(1e-30)).reshape(x.shape);
      return projectRows(delta.sub(unit.mul(step)), x, opts.eps, opts.box);
    });
    grad.dispose();
    delta.dispose();
    delta = next;
  }
  delta.dispose();
  return { delta: best, cosine: bestCos };
}
