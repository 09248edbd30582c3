/**
 * Reverse-over-reverse differentiation is exact: every gradient noiselab re-registers (Exp, Tanh,
 * Sigmoid, Softmax, Elu) and the cross-entropy loss have the analytic second derivative, and the
 * Hessian-vector product of an MLP matches finite differences of its gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { hessianVectorProduct } from '../src/techniques/curvature/hvp.js';
import { crossEntropy, logSoftmax } from '../src/train/losses.js';
import { expectNoLeak } from './helpers.js';

const xs = [-1.5, -0.3, 0.2, 1.1];

/** d^2/dx^2 of sum(f(x)), elementwise, by differentiating twice. */
function second(f: (x: tf.Tensor) => tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.grad((y: tf.Tensor) => f(y).sum())(x).sum())(tf.tensor1d(xs)).dataSync()));
}

describe('second derivatives', () => {
  const cases: [string, (x: tf.Tensor) => tf.Tensor, (x: number) => number][] = [
    ['exp', tf.exp, Math.exp],
    ['tanh', tf.tanh, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)],
    ['sigmoid', tf.sigmoid, (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s) * (1 - 2 * s); }],
    ['elu', tf.elu, (x) => (x > 0 ? 0 : Math.exp(x))],
  ];
  it.each(cases)('%s', (_name, f, exact) => {
    second(f).forEach((v, i) => expect(v).toBeCloseTo(exact(xs[i]), 4));
  });

  it('softmax and cross-entropy: H v = diag(p) v - p (p.v)', async () => {
    await expectNoLeak(() => tf.tidy(() => {
      const z = tf.tensor2d([[0.1, 0.5, -0.3, 2.0]]);
      const v = tf.tensor2d([[1, -2, 3, 0.5]]);
      const p = Array.from(tf.softmax(z).dataSync());
      const vv = Array.from(v.dataSync());
      const pv = p.reduce((s, pi, i) => s + pi * vv[i], 0);
      const exact = p.map((pi, i) => pi * vv[i] - pi * pv);
      const viaLoss = hessianVectorProduct(([q]) => crossEntropy()(q as tf.Tensor2D, tf.tensor1d([1], 'int32')), [z], [v])[0];
      Array.from(viaLoss.dataSync()).forEach((h, i) => expect(h).toBeCloseTo(exact[i], 5));
      // the same Hessian through tf.softmax: sum_j t_j log softmax_j
      const viaSoftmax = hessianVectorProduct(([q]) => tf.log(tf.softmax(q)).mul(tf.tensor2d([[0, -1, 0, 0]])).sum() as tf.Scalar, [z], [v])[0];
      Array.from(viaSoftmax.dataSync()).forEach((h, i) => expect(h).toBeCloseTo(exact[i], 4));
    }));
  });

  it('logSoftmax is stable for large logits', () => {
    tf.tidy(() => {
      const out = logSoftmax(tf.tensor2d([[1000, 1001, 0]])).dataSync();
      expect(out[1]).toBeCloseTo(-Math.log(1 + Math.exp(-1)), 5);
      expect(out[2]).toBeLessThan(-1000);
    });
  });
});

describe('Hessian-vector product', () => {
  /**
   * H v against central differences of the gradient. A ReLU network's gradient jumps where a unit
   * switches, so differences across a kink are no estimate of the (almost everywhere) Hessian; the
   * reference for ReLU is the same network with its activation pattern frozen at the current point,
   * which is smooth and has the same Hessian there.
   */
  it.each(['tanh', 'relu'] as const)('matches central differences of the gradient for a %s MLP', async (act) => {
    const rng = new Rng(3);
    const model = mlp({ sizes: [5, 8, 4], activation: act }, rng);
    const x = rng.normalTensor([16, 5]);
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32');
    const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
    const mask = tf.tidy(() => tf.step(tf.add(tf.matMul(x, model.params[0]), model.params[1])));
    const smooth = act === 'tanh' ? loss : (ps: tf.Tensor[]) =>
      crossEntropy()(tf.add(tf.matMul(tf.mul(tf.add(tf.matMul(x, ps[0]), ps[1]), mask), ps[2]), ps[3]) as tf.Tensor2D, y);
    const v = model.params.map((p) => rng.normalTensor(p.shape));
    await expectNoLeak(() => tf.tidy(() => {
      const hv = hessianVectorProduct(loss, model.params, v);
      const h = 1e-2;
      const grad = (sign: number) => tf.grads((...ps: tf.Tensor[]) => smooth(ps))(model.params.map((p, i) => p.add(v[i].mul(sign * h))));
      const [gp, gm] = [grad(1), grad(-1)];
      const fd = gp.map((g, i) => g.sub(gm[i]).div(2 * h));
      const num = Math.sqrt(tf.addN(hv.map((a, i) => a.sub(fd[i]).square().sum())).dataSync()[0]);
      const den = Math.sqrt(tf.addN(fd.map((a) => a.square().sum())).dataSync()[0]);
      expect(num / den).toBeLessThan(1e-3);
    }));
    expect(() => hessianVectorProduct(loss, model.params, v.slice(1))).toThrow(/3 vector parts for 4 parameters/);
    model.dispose();
    tf.dispose([x, y, mask, ...v]);
  });

  it('is the same through the fused matmul kernels as through plain matMul + add + relu', async () => {
    const rng = new Rng(4);
    const model = mlp({ sizes: [6, 10, 7, 3] }, rng);
    const x = rng.normalTensor([12, 6]);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    const plain = (ps: tf.Tensor[]) => {
      let h = x;
      for (let l = 0; l < 3; l++) {
        h = tf.add(tf.matMul(h, ps[2 * l]), ps[2 * l + 1]);
        if (l < 2) h = tf.relu(h);
      }
      return crossEntropy()(h as tf.Tensor2D, y);
    };
    const v = model.params.map((p) => rng.normalTensor(p.shape));
    await expectNoLeak(() => tf.tidy(() => {
      const a = hessianVectorProduct((ps) => crossEntropy()(model.apply(x, ps), y), model.params, v);
      const b = hessianVectorProduct(plain, model.params, v);
      a.forEach((ai, i) => {
        const diff = ai.sub(b[i]).abs().max().dataSync()[0];
        const scale = Math.max(1e-3, b[i].abs().max().dataSync()[0]);
        expect(diff / scale).toBeLessThan(1e-4);
      });
    }));
    model.dispose();
    tf.dispose([x, y, ...v]);
  });
});
