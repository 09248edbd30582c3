/** The gradient-norm penalty's gradient: double backprop and finite differences against H grad L in closed form. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { truncationSlope } from '../src/claims/b11-finite-difference-gr.js';
import { penaltyGradientExact, penaltyGradientFiniteDifference } from '../src/techniques/gradient-regularization/index.js';
import { expectNoLeak } from './helpers.js';

// L(theta) = 1/2 theta^T A theta + sum(theta^4)/4: grad = A theta + theta^3, H = A + 3 diag(theta^2)
const A = [[2, 0.5, 0], [0.5, 1, -0.3], [0, -0.3, 3]];
const theta = [0.4, -0.7, 0.2];
const loss = (ps: tf.Tensor[]) => tf.tidy(() => {
  const t = ps[0] as tf.Tensor1D;
  return tf.add(tf.mul(0.5, tf.sum(tf.mul(t, tf.matMul(tf.tensor2d(A), t.expandDims(1)).squeeze()))), tf.div(tf.sum(tf.pow(t, 4)), 4)) as tf.Scalar;
});
const grad = theta.map((_, i) => A[i].reduce((s, a, j) => s + a * theta[j], 0) + theta[i] ** 3);
const want = theta.map((_, i) => A[i].reduce((s, a, j) => s + a * grad[j], 0) + 3 * theta[i] ** 2 * grad[i]);

describe('gradient-norm penalty gradient', () => {
  it('double backprop gives H grad L exactly', async () => {
    const p = [tf.tensor1d(theta)];
    const got = await expectNoLeak(() => { const g = penaltyGradientExact(loss, p); const v = g[0].dataSync(); tf.dispose(g); return v; });
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    p[0].dispose();
  });

  it('finite differences converge to it with error proportional to h', () => {
    const p = [tf.tensor1d(theta)];
    const err = (h: number) => {
      const g = penaltyGradientFiniteDifference(loss, p, h);
      const v = g[0].dataSync();
      tf.dispose(g);
      return Math.hypot(...want.map((w, i) => v[i] - w));
    };
    const [e1, e2] = [err(0.02), err(0.01)];
    expect(e1 / e2).toBeGreaterThan(1.7);
    expect(e1 / e2).toBeLessThan(2.3);
    expect(() => penaltyGradientFiniteDifference(loss, p, 0)).toThrow(/h must be > 0/);
    p[0].dispose();
  });

  it('fits the truncation slope above the error minimum', () => {
    const hs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
    expect(truncationSlope(hs, hs.map((h) => 0.5 * h + 1e-9 / h))).toBeCloseTo(1, 1);
    expect(truncationSlope(hs, hs.map((h) => 1e-6 / h))).toBeNaN();
  });
});
