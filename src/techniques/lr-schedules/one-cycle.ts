/**
 * Smith's one-cycle policy (Smith 2018, "A disciplined approach to neural network hyper-parameters"):
 * the learning rate rises linearly from maxLr / div to maxLr, falls back linearly, then anneals to
 * a small fraction of the start for the last steps. The whole cycle spans the training budget, so the
 * budget must be known in advance.
 */
import type { Schedule } from '../../train/transforms.js';

/** Settings of `oneCycle`: peak rate `maxLr` (> 0), the step budget (>= 3) and the shape of the cycle. */
export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  /** share of the budget spent rising (and again falling); default 0.45 */
  pctUp?: number;
  /** start = maxLr / div (default 10) */
  div?: number;
  /** end = start / finalDiv (default 100) */
  finalDiv?: number;
}

/** The one-cycle schedule: maps a step (0-based) to its learning rate. */
export function oneCycle(opts: OneCycleOptions): Schedule & ((step: number) => number) {
  const { maxLr, totalSteps } = opts;
  const pct = opts.pctUp ?? 0.45;
  const start = maxLr / (opts.div ?? 10);
  const end = start / (opts.finalDiv ?? 100);
  if (!(maxLr > 0)) throw new Error(`oneCycle: maxLr must be > 0, got ${maxLr}`);
  if (!(Number.isInteger(totalSteps) && totalSteps >= 3)) throw new Error(`oneCycle: totalSteps must be an integer >= 3, got ${totalSteps}`);
  if (!(pct > 0 && pct <= 0.5)) throw new Error(`oneCycle: pctUp must be in (0, 0.5], got ${pct}`);
  const up = Math.max(1, Math.round(pct * totalSteps));
  const lerp = (a: number, b: number, f: number) => a + (b - a) * Math.min(1, Math.max(0, f));
  return (step: number) => {
    if (step < up) return lerp(start, maxLr, step / up);
    if (step < 2 * up) return lerp(maxLr, start, (step - up) / up);
    return lerp(start, end, (step - 2 * up) / Math.max(1, totalSteps - 1 - 2 * up));
  };
}
