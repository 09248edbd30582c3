/**
 * Magnitude pruning with masks, for iterative magnitude pruning (IMP) and the lottery ticket
 * experiments (Frankle & Carbin 2019; Frankle et al. 2019, "Stabilizing the lottery ticket
 * hypothesis"): each round removes the smallest-magnitude share of the weights still alive in each
 * tensor, and training keeps pruned weights at zero by masking every update.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradientTransformation } from '../../train/transforms.js';

/** Indices ordered by |value| ascending, ties by position (so a cut keeps an exact count). */
export function magnitudeOrder(values: ArrayLike<number>, among?: (i: number) => boolean): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (!among || among(i)) idx.push(i);
  return idx.sort((i, j) => Math.abs(values[i]) - Math.abs(values[j]) || i - j);
}

/**
 * The next mask of one tensor: of the entries alive in `mask` (all when omitted), the `rate` share
 * with the smallest |value| is removed (rounded to the nearest count).
 */
export function pruneMask(values: tf.Tensor, rate: number, mask?: tf.Tensor): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`pruneMask: rate must be in [0, 1), got ${rate}`);
  const v = values.dataSync();
  const alive = mask ? mask.dataSync() : null;
  const order = magnitudeOrder(v, alive ? (i) => alive[i] !== 0 : undefined);
  const next = alive ? Float32Array.from(alive) : new Float32Array(v.length).fill(1);
  const cut = Math.round(rate * order.length);
  for (let r = 0; r < cut; r++) next[order[r]] = 0;
  return tf.tensor(next, values.shape);
}

/** Multiply every update by its mask, so pruned weights stay where they are (at zero). */
export function maskUpdates(masks: readonly (tf.Tensor | null)[]): GradientTransformation<null> {
  return {
    name: 'mask',
    init: () => null,
    update: (u) => u.map((g, i) => (masks[i] ? g.mul(masks[i]!) : g)),
    dispose: () => {},
  };
}

/** Share of the masked entries that are pruned, over all masks. */
export function sparsity(masks: readonly (tf.Tensor | null)[]): number {
  let total = 0;
  let pruned = 0;
  for (const m of masks) {
    if (!m) continue;
    const d = m.dataSync();
    total += d.length;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) pruned++;
  }
  return total ? pruned / total : 0;
}
