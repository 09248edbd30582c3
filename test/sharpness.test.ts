/** SAM as a gradient transformation against its definition on a quadratic, inside and outside the loop. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { sam, samPerturbation } from '../src/techniques/sharpness/index.js';
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
