/**
 * Reverse-over-reverse differentiation is exact: every gradient noiselab re-registers (Exp, Tanh,
 * Sigmoid, Softmax, Elu) and the cross-entropy loss have the analytic second derivative, and the
 * Hessian-vector product of an MLP matches finite differences of its gradient.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { hessianVectorProduct } from '../src/techniques/curvature/hvp.js';
import { crossEntropy, logSoftmax } from '../src/train/losses.js';
import { projectRoot } from '../src/util/paths.js';
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

/**
 * Every op a model or a loss may use, twice differentiated by the curvature tools: H v equals central
 * differences of the gradient (the op is exact at second order), or the tools refuse it with an error
 * naming the op and what to use instead (src/techniques/curvature/second-order.ts).
 */
describe('second order, op by op', () => {
  const u = (shape: number[], seed: number, lo = -1, hi = 1) => tf.randomUniform(shape, lo, hi, 'float32', seed);
  const K = () => u([2, 2, 1, 2], 8);
  type OpCase = [string, (x: tf.Tensor) => tf.Tensor, number[], [number, number]?];
  const exact: OpCase[] = [
    ['add, sub, mul, neg', (x) => tf.neg(tf.mul(tf.sub(tf.add(x, x.square()), 0.3), x)), [6]], ['div', (x) => tf.div(1, x), [6], [0.5, 2]],
    ['sqrt, rsqrt', (x) => tf.add(tf.sqrt(x), tf.rsqrt(x)), [6], [0.5, 2]], ['log, log1p', (x) => tf.add(tf.log(x), tf.log1p(x)), [6], [0.5, 2]],
    ['exp, expm1', (x) => tf.add(tf.exp(x), tf.expm1(x)), [6]], ['tanh', tf.tanh, [6]], ['sigmoid', tf.sigmoid, [6]], ['softplus', tf.softplus, [6]],
    ['elu', tf.elu, [6]], ['selu', tf.selu, [6]], ['relu', (x) => tf.relu(x).square(), [6]], ['relu6', (x) => tf.relu6(x.mul(4)).square(), [6]],
    ['leakyRelu', (x) => tf.leakyRelu(x, 0.1).square(), [6]], ['prelu', (x) => tf.prelu(x, tf.scalar(0.2)).square(), [6]],
    ['abs', (x) => tf.abs(x).square(), [6]], ['pow, constant exponent', (x) => tf.pow(x, 3), [6]], ['sin, cos, atan, erf', (x) => tf.addN([tf.sin(x), tf.cos(x), tf.atan(x), tf.erf(x)]), [6]],
    ['squaredDifference', (x) => tf.squaredDifference(x, tf.scalar(0.3)), [6]], ['maximum, minimum', (x) => tf.add(tf.maximum(x, 0.1), tf.minimum(x, 0.1)).square(), [6]],
    ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.5).square(), [6]], ['where', (x) => tf.where(tf.greater(x, 0), x.square(), x.mul(3)).square(), [6]],
    ['softmax', (x) => tf.softmax(x), [2, 3]], ["noiselab's logSoftmax", (x) => logSoftmax(x as tf.Tensor2D), [2, 3]],
    ['sum, mean', (x) => tf.add(tf.sum(x.square(), 1), tf.mean(x.square(), 1)), [2, 3]], ['max, min', (x) => tf.add(tf.max(x, 1), tf.min(x, 1)).square(), [2, 3]],
    ['logSumExp', (x) => tf.logSumExp(x, 1), [2, 3]], ['matMul', (x) => tf.matMul(x, x, false, true), [3, 3]], ['batched matMul', (x) => tf.matMul(x, x, false, true), [2, 3, 3]],
    ['reshape, transpose', (x) => x.reshape([3, 2]).transpose().square(), [2, 3]], ['concat, slice', (x) => tf.concat([x, x.square()], 1).slice([0, 1], [2, 3]).square(), [2, 3]],
    ['gather, tile, pad', (x) => tf.pad(tf.tile(tf.gather(x, tf.tensor1d([2, 0], 'int32'), 1), [2, 1]), [[1, 0], [0, 1]]).square(), [2, 3]],
    ['stack, unstack, broadcastTo, reverse', (x) => tf.reverse(tf.broadcastTo(tf.unstack(tf.stack([x, x.square()]))[1], [2, 2, 3]), 2).square(), [2, 3]],
    ['conv2d (input)', (x) => tf.conv2d(x as tf.Tensor4D, K() as tf.Tensor4D, 1, 'same').square(), [1, 4, 4, 1]],
    ['conv2d (filter)', (x) => tf.conv2d(u([1, 4, 4, 1], 9) as tf.Tensor4D, x as tf.Tensor4D, 1, 'valid').square(), [2, 2, 1, 2]],
    ['conv2d, stride 2 (filter)', (x) => tf.conv2d(u([1, 5, 5, 1], 9) as tf.Tensor4D, x as tf.Tensor4D, 2, 'same').square(), [2, 2, 1, 2]],
    ['avgPool', (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid').square(), [1, 4, 4, 1]],
    ['moments, batchNorm', (x) => { const m = tf.moments(x, 0); return tf.batchNorm(x, m.mean, m.variance, tf.zeros([3]), tf.ones([3]), 1e-3); }, [4, 3]],
    ['norm', (x) => tf.norm(x), [6]], ['sign, step', (x) => tf.mul(tf.add(tf.sign(x), tf.step(x)), x.square()), [6]],
  ];
  const refused: [string, (x: tf.Tensor) => tf.Tensor, number[], RegExp][] = [
    ['tf.logSoftmax', (x) => tf.logSoftmax(x), [2, 3], /uses LogSoftmax, which has no exact second derivative.*noiselab's logSoftmax/],
    ['pow, parameter in the exponent', (x) => tf.pow(tf.scalar(1.5), x), [6], /uses Pow, .*tf\.exp\(tf\.mul\(e, tf\.log\(base\)\)\)/],
    ['maxPool', (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid').square(), [1, 4, 4, 1], /uses MaxPoolGrad, which tfjs cannot differentiate a second time: .*avgPool/],
    ['depthwiseConv2d', (x) => tf.depthwiseConv2d(x as tf.Tensor4D, K() as tf.Tensor4D, 1, 'same').square(), [1, 4, 4, 1], /uses DepthwiseConv2dNativeBackpropInput, .*conv2d/],
    ['prod', (x) => tf.prod(x, 1), [2, 3], /uses Cumprod, .*tf\.exp\(tf\.sum\(tf\.log\(x\)\)\)/],
  ];
  /** H v of sum(w * f(x)) by the curvature tools, and central differences of its gradient along v, as arrays. */
  const both = (f: (x: tf.Tensor) => tf.Tensor, shape: number[], range: [number, number] = [-1, 1]) => tf.tidy(() => {
    const x = u(shape, 1, ...range);
    const w = u(f(x).shape, 2);
    const v = u(shape, 3);
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(f(y), w)) as tf.Scalar;
    const hv = hessianVectorProduct(([y]) => loss(y), [x], [v])[0];
    const g = tf.grad(loss);
    const h = 1e-2;
    const fd = tf.div(tf.sub(g(tf.add(x, tf.mul(v, h))), g(tf.sub(x, tf.mul(v, h)))), 2 * h);
    return [Array.from(hv.dataSync()), Array.from(fd.dataSync())];
  });
  it.each(exact)('%s: exact (H v = differences of the gradient)', (_name, f, shape, range) => {
    const [hv, fd] = both(f, shape, range);
    const scale = Math.max(1e-3, ...fd.map(Math.abs));
    hv.forEach((h, i) => expect(Math.abs(h - fd[i]) / scale, `component ${i}: ${h} vs ${fd[i]}`).toBeLessThan(2e-2));
  });
  it.each(refused)('%s: refused, naming the op and what to use', (_name, f, shape, message) => {
    expect(() => both(f, shape)).toThrow(message);
  });
  it('the refusal is not a false alarm: tf.logSoftmax really loses the second derivative that noiselab\'s keeps', () => {
    // d/dtheta of the input gradient of log softmax(theta x)_0, the quantity denoising likelihood score matching trains on
    const inputGrad = (ls: (z: tf.Tensor2D) => tf.Tensor2D) => (theta: tf.Tensor) =>
      tf.sum(tf.grad((x: tf.Tensor) => tf.sum(ls(tf.mul(theta, x) as tf.Tensor2D).slice([0, 0], [1, 1])))(tf.tensor2d([[0.3, -0.2, 0.5]]))) as tf.Scalar;
    const at = tf.tensor2d([[1.2, 0.4, -0.7]]);
    const viaTf = tf.tidy(() => Array.from(tf.grad(inputGrad((z) => tf.logSoftmax(z)))(at).dataSync()));
    const viaOurs = tf.tidy(() => Array.from(tf.grad(inputGrad(logSoftmax))(at).dataSync()));
    const h = 1e-2;
    const fd = [0, 1, 2].map((i) => tf.tidy(() => {
      const e = tf.oneHot(tf.tensor1d([i], 'int32'), 3).mul(h);
      return (inputGrad(logSoftmax)(at.add(e)).dataSync()[0] - inputGrad(logSoftmax)(at.sub(e)).dataSync()[0]) / (2 * h);
    }));
    viaOurs.forEach((g, i) => expect(g).toBeCloseTo(fd[i], 2));
    expect(Math.max(...viaTf.map((g, i) => Math.abs(g - fd[i])))).toBeGreaterThan(0.05);
    at.dispose();
  });
});

describe('before the engine starts', () => {
  it("the curvature tools register the engine's input-based gradients themselves: tanh's H v is exact without initEngine", () => {
    // a fresh process that never calls initEngine (this one did, in test/setup.ts)
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { hessianVectorProduct } from './src/techniques/curvature/hvp.ts';
      const hv = hessianVectorProduct(([p]) => tf.sum(tf.tanh(p)), [tf.tensor1d([0.3, -0.7, 1.1])], [tf.tensor1d([1, 2, -1])])[0];
      console.log(JSON.stringify(Array.from(hv.dataSync())));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const hv = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as number[];
    [0.3, -0.7, 1.1].forEach((t, i) => expect(hv[i]).toBeCloseTo(-2 * Math.tanh(t) * (1 - Math.tanh(t) ** 2) * [1, 2, -1][i], 5));
  }, 60_000);
});
