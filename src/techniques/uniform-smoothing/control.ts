/**
 * A synthetic bounded attribution on which the certificate of ./certificate.ts is nearly tight: a power
 * control for attacks on smoothed maps. Around a centre x it is
 *
 *   g(z) = a + b sign<z - x, e>,   a ⟂ b, ||a||^2 + ||b||^2 = 1, ||e|| = 1,
 *
 * a unit map (M = 1) that flips across the hyperplane through x normal to e. Its ball-smoothed map is exact:
 * with eta_1 the coordinate of eta ~ U(B(0, r)) along e, h(x + delta) = a + b (2 P(eta_1 < t) - 1) for
 * t = <delta, e>, and P(|eta_1| < t) = I_{t^2/r^2}(1/2, (D+1)/2) = 1 - I_{1 - t^2/r^2}((D+1)/2, 1/2) = 1 - (the
 * intersection fraction of two balls 2t apart). So ||h(x + delta) - h(x)|| = ||b|| P(|eta_1| < t),
 * largest at delta = eps e, where it is ||b|| (1 - fraction(2 eps)); the certificate's shift is
 * 2 (1 - fraction(eps)) = 2 P(|eta_1| < eps / 2), and for eps << r / sqrt(D) both are ~ 2 eps p(0): the map
 * moves ||b|| times as far as the bound allows, perpendicular to h(x). Its exact worst cosine over the ball is
 * ||a|| / sqrt(||a||^2 + ||b||^2 s^2), s = 1 - fraction(2 eps).
 *
 * The sign has zero gradient; with `beta` the map uses tanh(beta t) instead (the differentiable surrogate an
 * attack follows, as softplus stands in for ReLU).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import type { Attribution } from '../attribution/attribution.js';
import { ballIntersectionFraction } from './certificate.js';

/** K control maps g_k(z) = a_k + b_k sign<z - x_k, e_k>, as row-stacked tensors (caller disposes with `disposeSignMaps`). */
export interface SignMaps {
  /** per control map k (rows [K, D]): the centre x_k, the constant part a_k, the flipping part b_k, the normal e_k */
  center: tf.Tensor2D;
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  e: tf.Tensor2D;
}

/** K random control maps in R^dim around the given centres [K, dim]: a, b orthogonal with ||a|| = norm, ||b|| = sqrt(1 - norm^2); e a random unit vector. */
export function randomSignMaps(rng: Rng, center: tf.Tensor2D, norm: number): SignMaps {
  if (!(norm > 0 && norm < 1)) throw new Error(`randomSignMaps: need 0 < norm < 1, got ${norm}`);
  const [k, dim] = center.shape;
  return tf.tidy(() => {
    const unit = (v: tf.Tensor2D) => v.div(v.norm('euclidean', 1, true)) as tf.Tensor2D;
    const u = unit(rng.normalTensor([k, dim]) as tf.Tensor2D);
    const w = rng.normalTensor([k, dim]) as tf.Tensor2D;
    const v = unit(w.sub(u.mul(w.mul(u).sum(1, true))) as tf.Tensor2D);
    const e = unit(rng.normalTensor([k, dim]) as tf.Tensor2D);
    return { center: center.clone(), a: u.mul(norm) as tf.Tensor2D, b: v.mul(Math.sqrt(1 - norm * norm)) as tf.Tensor2D, e };
  });
}

/** Frees the control maps' four tensors. */
export function disposeSignMaps(m: SignMaps): void {
  [m.center, m.a, m.b, m.e].forEach((t) => t.dispose());
}

/** The control map as an Attribution: `targets` index the control map of each row; inputs [b, ...] flatten to dim. */
export class SignAttribution implements Attribution {
  readonly name: string;
  constructor(readonly maps: SignMaps, readonly beta?: number) {
    this.name = beta === undefined ? 'sign-control' : `sign-control(tanh beta ${beta})`;
  }

  attribute(inputs: tf.Tensor, targets: ArrayLike<number>): tf.Tensor {
    return tf.tidy(() => {
      const idx = tf.tensor1d(Array.from(targets), 'int32');
      const [c, a, b, e] = [this.maps.center, this.maps.a, this.maps.b, this.maps.e].map((t) => tf.gather(t, idx));
      const t = inputs.reshape([inputs.shape[0], -1]).sub(c).mul(e).sum(1, true);
      const s = this.beta === undefined ? tf.sign(t) : tf.tanh(t.mul(this.beta));
      const g = a.add(b.mul(s));
      return g.div(g.norm('euclidean', 1, true).maximum(1e-30)).reshape(inputs.shape);
    });
  }
}

/** P(|eta_1| < t) for eta uniform in the l2 ball of radius r in R^dim (t >= 0). */
export function slabProbability(t: number, r: number, dim: number): number {
  return 1 - ballIntersectionFraction(Math.min(2 * Math.abs(t), 2 * r), r, dim);
}

/** The exact smoothed control map at x + delta, as coefficients (on a, on b): (1, sign(t) P(|eta_1| < |t|)), t = <delta, e>. */
export function signSmoothedCoefficient(t: number, r: number, dim: number): number {
  return Math.sign(t) * slabProbability(t, r, dim);
}

/** The control map's exact worst cosine between h(x) and h(x + delta) over ||delta|| <= eps (no box): ||a|| / sqrt(||a||^2 + ||b||^2 s^2). */
export function signWorstCosine(norm: number, eps: number, r: number, dim: number): number {
  const s = slabProbability(eps, r, dim);
  return norm / Math.sqrt(norm * norm + (1 - norm * norm) * s * s);
}
