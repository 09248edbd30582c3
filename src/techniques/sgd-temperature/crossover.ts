/**
 * Temperature sweeps: SGD's noise magnitude is T = lr / batchSize, so a sweep is a grid of T reached by
 * different (lr, batch) pairs, and the characteristic temperature T_c is where an observable of the
 * trained model leaves its low-noise (gradient-descent) value.
 */

export interface SweepPoint {
  lr: number;
  batchSize: number;
  temperature: number;
}

/** Every temperature reached with every batch size: lr = T x B. */
export function temperatureGrid(temperatures: readonly number[], batchSizes: readonly number[]): SweepPoint[] {
  for (const t of temperatures) if (!(t > 0)) throw new Error(`temperatureGrid: temperatures must be > 0, got ${t}`);
  for (const b of batchSizes) if (!(Number.isInteger(b) && b >= 1)) throw new Error(`temperatureGrid: batch sizes must be positive integers, got ${b}`);
  return batchSizes.flatMap((batchSize) => temperatures.map((temperature) => ({ lr: temperature * batchSize, batchSize, temperature })));
}

/** `n` values spaced evenly in log from `lo` to `hi`. */
export function logspace(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi > lo && n >= 2)) throw new Error(`logspace: needs 0 < lo < hi and n >= 2, got ${lo}, ${hi}, ${n}`);
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
}

/**
 * The first x (searching upward) where y crosses `level`, interpolating linearly in (log x, y) between
 * the grid points around the crossing; NaN when y never reaches it (the caller reports such runs).
 */
export function logCrossing(x: readonly number[], y: readonly number[], level: number): number {
  if (x.length !== y.length || x.length < 2) throw new Error(`logCrossing: needs two or more (x, y) pairs, got ${x.length} and ${y.length}`);
  if (y[0] >= level) return NaN; // already above at the lowest x: the crossing is below the grid
  for (let i = 1; i < x.length; i++) {
    if (y[i] >= level) {
      const f = (level - y[i - 1]) / (y[i] - y[i - 1]);
      return Math.exp(Math.log(x[i - 1]) + f * (Math.log(x[i]) - Math.log(x[i - 1])));
    }
  }
  return NaN;
}
