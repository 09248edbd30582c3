/** Synthetic sequence tasks with long-range dependencies, for recurrent networks. */
import type { Rng } from '../random/rng.js';
import type { Dataset } from './dataset.js';

/**
 * Delayed recall (a copy task with one symbol): step 0 shows one of `symbols` symbols (one-hot), the
 * next `length - 1` steps show a blank marker plus Gaussian noise of std `noise` on every channel, and
 * the label is the first symbol. Solving it needs memory across all `length` steps.
 */
export function delayedRecall(n: number, opts: { length: number; symbols: number; noise?: number }, rng: Rng): Dataset {
  const { length, symbols } = opts;
  const noise = opts.noise ?? 0;
  if (!(Number.isInteger(length) && length >= 2)) throw new Error(`delayedRecall: length must be an integer >= 2, got ${length}`);
  if (!(Number.isInteger(symbols) && symbols >= 2)) throw new Error(`delayedRecall: symbols must be an integer >= 2, got ${symbols}`);
  const f = symbols + 1;
  const x = new Float32Array(n * length * f);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(symbols);
    for (let t = 0; t < length; t++) {
      const base = (i * length + t) * f;
      if (noise > 0) for (let c = 0; c < f; c++) x[base + c] = noise * rng.normal();
      x[base + (t === 0 ? y[i] : symbols)] += 1;
    }
  }
  return { name: `delayed-recall(T=${length},K=${symbols})`, x, y, featureShape: [length, f], numClasses: symbols };
}
