/**
 * Forward mode by double vjp against exact derivatives (an elementwise function with a known
 * Jacobian), against central finite differences (a tanh MLP's logits, in float64 arithmetic on the
 * host), and against backprop (directional derivatives of a loss); forward-gradient estimates are
 * unbiased with the variance theory predicts.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { gaussianVector, norm } from '../src/techniques/curvature/operator.js';
import { cosine, forwardGradient } from '../src/techniques/forward-gradient/estimators.js';
import { directionalDerivative, jvp } from '../src/techniques/forward-gradient/jvp.js';
import { flatten } from '../src/util/flat.js';
import { expectNoLeak, maxAbsDiff } from './helpers.js';

describe('jvp (double-vjp forward mode)', () => {
  it('gives the exact Jacobian-vector product of an elementwise function of two inputs', async () => {
    const rng = new Rng(1);
    const [a, b, va, vb] = [[3, 4], [3, 4], [3, 4], [3, 4]].map((s) => rng.normalTensor(s));
    await expectNoLeak(() => {
      const { value, tangent } = jvp(([x, y]) => tf.add(tf.mul(x, y), tf.exp(x)), [a, b], [va, vb]);
      // d(xy + e^x) = (y + e^x) dx + x dy
      const expected = tf.tidy(() => tf.add(tf.mul(tf.add(b, tf.exp(a)), va), tf.mul(a, vb)));
      expect(value.shape).toEqual([3, 4]);
      expect(maxAbsDiff(tangent.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
      tf.dispose([value, tangent, expected]);
    });
    tf.dispose([a, b, va, vb]);
  });

  it('matches central finite differences of a tanh MLP\'s logits with respect to its parameters', async () => {
    const rng = new Rng(2);
    const model = mlp({ sizes: [5, 7, 3], activation: 'tanh' }, rng);
    const x = rng.normalTensor([4, 5]);
    const v = model.params.map((p) => rng.normalTensor(p.shape));
    const f = (ps: tf.Tensor[]) => model.apply(x, ps);
    const t = await expectNoLeak(() => {
      const { value, tangent } = jvp(f, model.params, v);
      const out = tangent.dataSync();
      tf.dispose([value, tangent]);
      return out;
    });
    // (f(p + h v) - f(p - h v)) / 2h with h small enough for float32's truncation and rounding to balance
    const h = 1e-2;
    const at = (s: number) => tf.tidy(() => f(model.params.map((p, i) => tf.add(p, tf.mul(v[i], s * h)))).dataSync());
    const [plus, minus] = [at(1), at(-1)];
    const fd = Array.from(plus, (p, i) => (p - minus[i]) / (2 * h));
    const scale = Math.max(...fd.map(Math.abs));
    expect(maxAbsDiff(t, fd) / scale).toBeLessThan(2e-3);
    tf.dispose([x, ...v]);
    model.dispose();
  });

  it('gives a loss\'s directional derivative equal to grad . v from backprop', () => {
    const rng = new Rng(3);
    const model = mlp({ sizes: [6, 8, 4] }, rng);
    const x = rng.normalTensor([10, 6]);
    const y = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], 'int32');
    const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
    const v = model.params.map((p) => rng.normalTensor(p.shape));
    const forward = directionalDerivative(loss, model.params, v);
    const grads = tf.grads((...ps: tf.Tensor[]) => loss(ps))(model.params);
    const backward = flatten(grads).reduce((s, g, i) => s + g * flatten(v)[i], 0);
    expect(Math.abs(forward - backward)).toBeLessThan(1e-5 * Math.max(1, Math.abs(backward)));
    tf.dispose([x, y, ...v, ...grads]);
    model.dispose();
  });

  it('says which tangent does not fit', () => {
    const a = tf.zeros([2, 3]);
    expect(() => jvp(([x]) => x, [a], [tf.zeros([3, 2])])).toThrow(/tangents\[0\] has shape \[3,2\], primals\[0\] has \[2,3\]/);
    expect(() => jvp(([x]) => x, [a], [])).toThrow(/0 tangents for 1 primals/);
    tf.dispose(a);
  });
});

describe('forward gradients', () => {
  // a small problem with a known gradient: L(w) = 0.5 |A w - b|^2, grad = A^T (A w - b)
  const rng = new Rng(4);
  const d = 12;
  const A = rng.normalTensor([20, d]);
  const b = rng.normalTensor([20, 1]);
  const w = rng.normalTensor([d, 1]);
  const loss = ([p]: tf.Tensor[]) => tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.matMul(A, p), b)))) as tf.Scalar;
  const gradTensor = tf.tidy(() => tf.matMul(A, tf.sub(tf.matMul(A, w), b), true, false));
  const grad = flatten([gradTensor]);
  gradTensor.dispose();

  it('is unbiased for Gaussian guesses, with the variance (d + 1) |g|^2 / N', async () => {
    const n = 3000;
    const sum = new Float64Array(d);
    const guesses = new Rng(5);
    await expectNoLeak(() => {
      for (let k = 0; k < n; k++) forwardGradient(loss, [w], gaussianVector(d, guesses)).estimate.forEach((e, i) => { sum[i] += e / n; });
    });
    const err = norm(sum.map((s, i) => s - grad[i])) / norm(grad);
    const expected = Math.sqrt((d + 1) / n);
    // |mean - g|^2 / |g|^2 is (d + 1) / N on average, a sum of d squared Gaussians: within a factor of 2
    expect(err).toBeLessThan(2 * expected);
    expect(err).toBeGreaterThan(0.4 * expected);
  });

  it('returns the gradient itself when the projected guess is the gradient', () => {
    const { estimate } = forwardGradient(loss, [w], grad, { project: true });
    expect(maxAbsDiff(estimate, grad) / norm(grad)).toBeLessThan(1e-5);
    expect(cosine(estimate, grad)).toBeCloseTo(1, 6);
  });
});
