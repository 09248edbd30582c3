/** SAM and GAM as gradient transformations against their definitions, inside and outside the loop. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { gam, gamDirection, sam, samPerturbation } from '../src/techniques/sharpness/index.js';
import { hessianVectorProduct } from '../src/techniques/curvature/hvp.js';
import { crossEntropy } from '../src/train/losses.js';
import { train } from '../src/train/loop.js';
import { chain, sgd } from '../src/train/transforms.js';
import { expectNoLeak } from './helpers.js';

// L = 1/2 sum a_i theta_i^2: grad = a theta
const a = [1, 4, 0.5];
const theta = [1, -0.5, 2];
const gradAt = (ps: tf.Tensor[]) => [tf.mul(tf.tensor1d(a), ps[0])];

describe('SAM', () => {
  it('returns the gradient at theta + rho g / |g|', async () => {
    const p = [tf.tensor1d(theta)];
    const g = theta.map((t, i) => a[i] * t);
    const n = Math.hypot(...g);
    const got = await expectNoLeak(() => tf.tidy(() => {
      const gt = [tf.tensor1d(g)];
      return sam({ rho: 0.1 }).update(gt, null, p, { step: 0, rng: new Rng(1), gradAt })[0].dataSync();
    }));
    theta.forEach((t, i) => expect(got[i]).toBeCloseTo(a[i] * (t + (0.1 * g[i]) / n), 5));
    p[0].dispose();
  });

  it('adaptive SAM ascends along T^2 g / |T g| with T = |theta| + eta; `only` leaves other parameters unperturbed', () => {
    const p = [tf.tensor1d(theta), tf.tensor1d([3])];
    const g = [tf.tensor1d([0.2, -1, 0.5]), tf.tensor1d([7])];
    const e = tf.tidy(() => samPerturbation(g, p, { rho: 0.5, adaptive: true, eta: 0.01, only: [0] }).map((t) => Array.from(t.dataSync())));
    const T = theta.map((t) => Math.abs(t) + 0.01);
    const tg = [0.2, -1, 0.5].map((v, i) => T[i] * v);
    const n = Math.hypot(...tg);
    e[0].forEach((v, i) => expect(v).toBeCloseTo((0.5 * T[i] * tg[i]) / n, 5));
    expect(e[1]).toEqual([0]);
    tf.dispose([...p, ...g]);
  });

  it('trains inside the loop, which supplies the batch gradient oracle, and refuses to run without it', async () => {
    const model = mlp({ sizes: [2, 8, 2] }, new Rng(1));
    const r = await train({ model, data: moons(64, 0.1, new Rng(2)), transform: chain(sam({ rho: 0.05 }), sgd(0.1)), batchSize: 16, steps: 40, rng: new Rng(3), progress: 'silent' });
    expect(r.status).toBe('ok');
    expect(r.finalLoss).toBeLessThan(0.6);
    model.dispose();
    const p = [tf.tensor1d(theta)];
    expect(() => tf.tidy(() => sam({ rho: 0.1 }).update([tf.tensor1d(theta)], null, p, { step: 0, rng: new Rng(1) }))).toThrow(/ctx.gradAt/);
    expect(() => sam({ rho: 0 })).toThrow(/rho/);
    p[0].dispose();
  });
});

describe('GAM', () => {
  const norm = (v: number[]) => Math.hypot(...v);
  const unit = (v: number[]) => v.map((x) => x / norm(v));
  const matVec = (A: number[][], v: number[]) => A.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));

  it('on a quadratic (where finite differences are exact) equals g + alpha rho A u(theta_adv)', async () => {
    // L = 1/2 theta' A theta - b' theta: grad = A theta - b, Hessian A
    const A = [[2, 0.5, 0], [0.5, 1, -0.3], [0, -0.3, 3]];
    const b = [0.2, -1, 0.4];
    const t0 = [1, -0.5, 2];
    const grad = (t: number[]) => matVec(A, t).map((x, i) => x - b[i]);
    const At = tf.tensor2d(A);
    const oracle = (ps: tf.Tensor[]) => [tf.sub(tf.matMul(At, ps[0].reshape([3, 1])).reshape([3]), tf.tensor1d(b))];
    const [rho, alpha] = [0.3, 0.5];
    const g = grad(t0);
    const adv = t0.map((t, i) => t + rho * unit(matVec(A, unit(g)))[i]);
    const want = g.map((gi, i) => gi + alpha * rho * matVec(A, unit(grad(adv)))[i]);
    const p = [tf.tensor1d(t0)];
    const got = await expectNoLeak(() => tf.tidy(() => gam({ rho, alpha, r: 0.7 }).update([tf.tensor1d(g)], null, p, { step: 0, rng: new Rng(1), gradAt: oracle })[0].dataSync()));
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    tf.dispose([At, p[0]]);
  });

  it('on a tanh MLP matches the exact gradient of L + alpha rho |grad L(theta_adv)| (double backprop) to O(r)', () => {
    const rng = new Rng(4);
    const model = mlp({ sizes: [4, 6, 3], activation: 'tanh' }, rng);
    const x = rng.normalTensor([16, 4], 0, 1);
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32');
    const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
    const gradAt = (ps: tf.Tensor[]) => tf.grads((...qs: tf.Tensor[]) => loss(qs))(ps);
    const flat = (ts: tf.Tensor[]) => ts.flatMap((t) => Array.from(t.dataSync()));
    const [rho, alpha] = [0.2, 0.5];
    const exact = tf.tidy(() => {
      const ps = model.params as tf.Tensor[];
      const g = gradAt(ps);
      const d = hessianVectorProduct(loss, ps, g);
      const dn = norm(flat(d));
      const adv = ps.map((p, i) => tf.add(p, tf.mul(rho / dn, d[i])));
      const gAdv = gradAt(adv);
      const gn = norm(flat(gAdv));
      const hg = hessianVectorProduct(loss, adv, gAdv);
      return flat(g.map((gi, i) => tf.add(gi, tf.mul((alpha * rho) / gn, hg[i]))));
    });
    const errors = [1e-1, 1e-2].map((r) => tf.tidy(() => {
      const ps = model.params as tf.Tensor[];
      const got = flat(gamDirection(gradAt(ps), ps, gradAt, { rho, alpha, r }));
      return norm(got.map((v, i) => v - exact[i])) / norm(exact);
    }));
    expect(errors[1]).toBeLessThan(5e-3);
    expect(errors[1]).toBeLessThan(errors[0] / 4);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('trains inside the loop and rejects bad options', async () => {
    const model = mlp({ sizes: [2, 8, 2] }, new Rng(1));
    const r = await train({ model, data: moons(64, 0.1, new Rng(2)), transform: chain(gam({ rho: 0.2, alpha: 0.1 }), sgd(0.1)), batchSize: 16, steps: 40, rng: new Rng(3), progress: 'silent' });
    expect(r.status).toBe('ok');
    expect(r.finalLoss).toBeLessThan(0.6);
    model.dispose();
    expect(() => gam({ rho: 0, alpha: 1 })).toThrow(/rho/);
    expect(() => gam({ rho: 1, alpha: -1 })).toThrow(/alpha/);
    expect(() => gam({ rho: 1, alpha: 1, r: 0 })).toThrow(/\br\b/);
  });
});
