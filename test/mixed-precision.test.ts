/** Mixed-precision second-order prediction: exact on a quadratic loss (dense computation), Kendall's tau-b against hand counts. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/random/rng.js';
import { quantizeSymmetric } from '../src/techniques/quantization/index.js';
import { configurations, kendallTau, predictLossChange, secondOrderTable } from '../src/techniques/mixed-precision/index.js';

describe('mixed-precision', () => {
  // L(p) = 1/2 p^T A p + b^T p over three parameter tensors (6 + 3 + 4 = 13 entries), A symmetric indefinite
  const shapes = [[2, 3], [3], [4]];
  const sizes = [6, 3, 4], d = 13, offsets = [0, 6, 9];
  const rng = new Rng(11);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) { const v = rng.normal(); a[i * d + j] = v; a[j * d + i] = v; }
  const b = Float64Array.from({ length: d }, () => rng.normal());
  const p0 = Float64Array.from({ length: d }, () => rng.normal());
  const lossOf = (p: Float64Array) => { let s = 0; for (let i = 0; i < d; i++) { s += b[i] * p[i]; for (let j = 0; j < d; j++) s += 0.5 * p[i] * a[i * d + j] * p[j]; } return s; };

  it('on a quadratic loss the full second-order prediction (gradient + all blocks) is the loss change, for every configuration', () => {
    const before = tf.memory().numTensors;
    const aT = tf.tensor2d(Float32Array.from(a), [d, d]), bT = tf.tensor1d(Float32Array.from(b));
    const params = shapes.map((s, k) => tf.tensor(Float32Array.from(p0.subarray(offsets[k], offsets[k] + sizes[k])), s));
    const loss = (ps: tf.Tensor[]) => tf.tidy(() => {
      const p = tf.concat(ps.map((x) => x.reshape([-1])));
      return tf.add(tf.mul(0.5, tf.sum(tf.mul(p, tf.matMul(aT, p.reshape([d, 1])).reshape([d])))), tf.sum(tf.mul(bT, p))) as tf.Scalar;
    });
    const bits = [2, 3, 8];
    const t = secondOrderTable(loss, params, [0, 1, 2], bits, quantizeSymmetric);
    expect(t.asymmetry).toBeLessThan(1e-5);
    const p32 = Float64Array.from(Float32Array.from(p0)); // the point the table sees
    const configs = configurations(3, bits.length);
    expect(configs.length).toBe(27);
    let worst = 0, worstCross = 0;
    for (const c of configs) {
      const q = new Float64Array(d);
      c.forEach((k, l) => q.set(quantizeSymmetric(p32.subarray(offsets[l], offsets[l] + sizes[l]), bits[k]), offsets[l]));
      const exact = lossOf(q) - lossOf(p32);
      const full = predictLossChange(t, c, { crossLayer: true, firstOrder: true });
      worst = Math.max(worst, Math.abs(full - exact) / (1 + Math.abs(exact)));
      // the layer-wise prediction misses exactly the off-diagonal blocks sum_{l != m} dq_l^T A_lm dq_m / 2
      const dq = Float64Array.from(q, (v, i) => v - p32[i]);
      const layerOf = (i: number) => (i < 6 ? 0 : i < 9 ? 1 : 2);
      let cross = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (layerOf(i) !== layerOf(j)) cross += 0.5 * dq[i] * a[i * d + j] * dq[j];
      worstCross = Math.max(worstCross, Math.abs(full - predictLossChange(t, c, { firstOrder: true }) - cross) / (1 + Math.abs(cross)));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(worstCross).toBeLessThan(1e-5);
    // without the gradient term the prediction is the quadratic part only
    const c0 = [0, 1, 2];
    const sumFirst = c0.reduce((s, k, l) => s + t.first[l][k], 0);
    expect(predictLossChange(t, c0, { crossLayer: true }) + sumFirst).toBeCloseTo(predictLossChange(t, c0, { crossLayer: true, firstOrder: true }), 10);
    tf.dispose([aT, bT, ...params]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('configurations enumerates options^layers choices, first layer slowest', () => {
    expect(configurations(2, 3)).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]]);
    expect(configurations(4, 3).length).toBe(81);
  });

  it("Kendall's tau-b matches hand counts, with ties", () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(kendallTau([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 14); // 2 concordant, 1 discordant
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(2 * 3), 14); // one pair tied in a
    expect(() => kendallTau([1, 1], [1, 2])).toThrow(/constant/);
  });
});
