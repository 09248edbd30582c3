/**
 * Label-noise injection, for the memorization and robust-training claims. Symmetric noise replaces
 * each label, with probability `rate`, by a class drawn uniformly from the others (so `rate` is the
 * exact expected share of wrong labels); `randomLabels` draws from all classes (Zhang et al.'s
 * "random labels", where a redraw can land on the true class); asymmetric noise flips class c to
 * `target(c)` with probability `rate` (e.g. to a similar class). The true labels are returned beside
 * the noisy ones, so experiments can score memorization.
 */
import type { Rng } from '../../random/rng.js';

/** Labels after corruption, with a per-example flag (1 = changed). */
export interface NoisyLabels {
  y: Int32Array;
  /** which labels were changed */
  flipped: Uint8Array;
}

function check(rate: number, numClasses: number, fn: string): void {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`${fn}: rate must be in [0, 1], got ${rate}`);
  if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new Error(`${fn}: numClasses must be an integer >= 2, got ${numClasses}`);
}

/** Each label, with probability `rate`, becomes a different class chosen uniformly. */
export function symmetricNoise(labels: Int32Array, rate: number, numClasses: number, rng: Rng): NoisyLabels {
  check(rate, numClasses, 'symmetricNoise');
  const y = Int32Array.from(labels);
  const flipped = new Uint8Array(labels.length);
  for (let i = 0; i < y.length; i++) {
    if (rng.uniform() >= rate) continue;
    const other = rng.int(numClasses - 1);
    y[i] = other >= labels[i] ? other + 1 : other;
    flipped[i] = 1;
  }
  return { y, flipped };
}

/** Each label, with probability `rate`, is redrawn uniformly from all classes (it may stay the same). */
export function randomLabels(labels: Int32Array, rate: number, numClasses: number, rng: Rng): NoisyLabels {
  check(rate, numClasses, 'randomLabels');
  const y = Int32Array.from(labels);
  const flipped = new Uint8Array(labels.length);
  for (let i = 0; i < y.length; i++) {
    if (rng.uniform() >= rate) continue;
    y[i] = rng.int(numClasses);
    flipped[i] = y[i] !== labels[i] ? 1 : 0;
  }
  return { y, flipped };
}

/** Each label c, with probability `rate`, becomes target(c) (class-dependent noise). */
export function asymmetricNoise(labels: Int32Array, rate: number, numClasses: number, target: (c: number) => number, rng: Rng): NoisyLabels {
  check(rate, numClasses, 'asymmetricNoise');
  const y = Int32Array.from(labels);
  const flipped = new Uint8Array(labels.length);
  for (let i = 0; i < y.length; i++) {
    if (rng.uniform() >= rate) continue;
    y[i] = target(labels[i]);
    flipped[i] = y[i] !== labels[i] ? 1 : 0;
  }
  return { y, flipped };
}
