/** Magnitude pruning masks and masked training against hand-made cases. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { magnitudeOrder, maskUpdates, pruneMask, sparsity } from '../src/techniques/pruning/index.js';
import { train } from '../src/train/loop.js';
import { adam, chain } from '../src/train/transforms.js';

describe('magnitude pruning', () => {
  it('orders by |value| with ties by position', () => {
    expect(magnitudeOrder([3, -1, 1, 0, -3])).toEqual([3, 1, 2, 0, 4]);
    expect(magnitudeOrder([3, -1, 1, 0, -3], (i) => i !== 3)).toEqual([1, 2, 0, 4]);
  });

  it('removes the given share of the alive entries with the smallest magnitude', () => {
    const w = tf.tensor2d([[0.5, -2, 0.1], [3, -0.2, 1]]);
    const m1 = pruneMask(w, 0.5);
    expect(Array.from(m1.dataSync())).toEqual([0, 1, 0, 1, 0, 1]);
    // a second round prunes among the survivors only: 3 alive, round(0.34 * 3) = 1 removed (|1| is smallest)
    const m2 = pruneMask(w, 0.34, m1);
    expect(Array.from(m2.dataSync())).toEqual([0, 1, 0, 1, 0, 0]);
    expect(sparsity([m1, null, m2])).toBeCloseTo(7 / 12, 12);
    expect(() => pruneMask(w, 1)).toThrow(/rate/);
    tf.dispose([w, m1, m2]);
  });

  it('masked training keeps pruned weights at exactly zero', async () => {
    const model = mlp({ sizes: [2, 8, 2] }, new Rng(1));
    const masks = model.params.map((p) => (p.rank === 2 ? pruneMask(p, 0.5) : null));
    tf.tidy(() => model.params.forEach((p, i) => { if (masks[i]) p.assign(tf.mul(p, masks[i]!)); }));
    await train({ model, data: moons(64, 0.1, new Rng(2)), transform: chain(adam(0.05), maskUpdates(masks)), batchSize: 16, steps: 30, rng: new Rng(3), progress: 'silent' });
    model.params.forEach((p, i) => {
      if (!masks[i]) return;
      const w = p.dataSync();
      const m = masks[i]!.dataSync();
      for (let j = 0; j < w.length; j++) if (m[j] === 0) expect(Math.abs(w[j])).toBe(0);
      expect(Array.from(w).some((v, j) => m[j] === 1 && v !== 0)).toBe(true);
    });
    tf.dispose(masks.filter((m): m is tf.Tensor => m !== null));
    model.dispose();
  });
});
