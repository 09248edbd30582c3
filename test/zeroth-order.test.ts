/** SPSA / MeZO against exact derivatives of a quadratic, where the two-point estimate is exact. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { magnitudeMasks, mezoStep, spsaEstimate } from '../src/techniques/zeroth-order/spsa.js';
import { expectNoLeak } from './helpers.js';

// L(p) = 0.5 |A p - b|^2 with p split in two tensors; grad = A^T (A p - b)
const rng = new Rng(21);
const A = rng.normalTensor([15, 8]);
const b = rng.normalTensor([15, 1]);
const loss = ([p1, p2]: tf.Tensor[]) => tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.matMul(A, tf.concat([p1, p2], 0)), b)))) as tf.Scalar;

describe('SPSA and MeZO', () => {
  it('give the exact directional derivative of a quadratic', async () => {
    const ps = [rng.normalTensor([5, 1]), rng.normalTensor([3, 1])];
    const z = ps.map((p) => rng.normalTensor(p.shape));
    const est = await expectNoLeak(() => spsaEstimate(loss, ps, z, 1e-2));
    const exact = tf.tidy(() => {
      const g = tf.grads((...qs: tf.Tensor[]) => loss(qs))(ps);
      return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, z[i])))).dataSync()[0];
    });
    expect(Math.abs(est - exact) / Math.abs(exact)).toBeLessThan(1e-3);
    tf.dispose([...ps, ...z]);
  });

  it('keeps exactly the smallest-magnitude fraction of each tensor', () => {
    const t = tf.tensor1d([5, -0.1, 3, 0.2, -4, 0.05, 1, -2, 0.3, 6]);
    const [m] = magnitudeMasks([t], 0.3);
    // the three smallest magnitudes: 0.05, -0.1, 0.2
    expect(Array.from(m.dataSync())).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0, 0]);
    expect(() => magnitudeMasks([t], 0)).toThrow(/fraction must be in \(0, 1\]/);
    tf.dispose([t, m]);
  });

  it('steps along the masked gradient on average, and leaves unmasked entries alone', async () => {
    const p = [tf.variable(tf.ones([5, 1])), tf.variable(tf.ones([3, 1]))];
    const masks = [tf.tensor2d([1, 0, 1, 0, 1], [5, 1]), tf.tensor2d([0, 1, 0], [3, 1])];
    const g = tf.tidy(() => tf.grads((...qs: tf.Tensor[]) => loss(qs))(p).map((gi) => Array.from(gi.dataSync())));
    // E[(g . z) z] = masked g: average the update over many draws from the same start
    const n = 4000;
    const mean = [new Float64Array(5), new Float64Array(3)];
    const stream = new Rng(22);
    await expectNoLeak(() => {
      for (let k = 0; k < n; k++) {
        const before = p.map((v) => Array.from(v.dataSync()));
        mezoStep(loss, p, { lr: 1, eps: 1e-3, rng: stream, masks });
        p.forEach((v, i) => {
          const after = v.dataSync();
          before[i].forEach((x, j) => { mean[i][j] += (x - after[j]) / n; });
          tf.tidy(() => v.assign(tf.tensor(Float32Array.from(before[i]), v.shape)));
        });
      }
    });
    const m = [[1, 0, 1, 0, 1], [0, 1, 0]];
    const scale = Math.sqrt(g.flat().reduce((s, v) => s + v * v, 0));
    g.forEach((gi, i) => gi.forEach((v, j) => {
      if (m[i][j] === 0) expect(mean[i][j]).toBe(0);
      // the standard error of the mean update is about |g| sqrt(d_masked / n)
      else expect(Math.abs(mean[i][j] - v)).toBeLessThan(4 * scale * Math.sqrt(5 / n));
    }));
    tf.dispose([...p, ...masks]);
  });
});
