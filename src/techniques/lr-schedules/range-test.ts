/**
 * The learning-rate range test (Smith 2015/2018): train briefly while the rate grows exponentially
 * from minLr to maxLr, one step per rate, and watch the loss. It falls while the rate is useful and
 * blows up past the largest usable rate; the suggestion here is the rate at the minimum of the
 * smoothed loss (an exponential moving average with bias correction, as in fastai).
 */
import type { Dataset } from '../../data/dataset.js';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { train } from '../../train/loop.js';
import type { LossFn } from '../../train/losses.js';
import type { GradientTransformation, Schedule } from '../../train/transforms.js';

/** Settings of the range test: optimizer, the rate sweep's range and length, batch size, random stream, loss and loss smoothing. */
export interface RangeTestOptions {
  /** the optimizer to test, as a function of its learning-rate schedule */
  optimizer: (lr: Schedule) => GradientTransformation<any>;
  minLr: number;
  maxLr: number;
  steps: number;
  batchSize: number;
  rng: Rng;
  loss?: LossFn;
  /** EMA factor of the smoothed loss (default 0.9) */
  smoothing?: number;
}

/** The rate tried at each step with its raw and smoothed loss, and the suggested rate. */
export interface RangeTestResult {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  /** rate at the minimum of the smoothed loss */
  suggested: number;
}

/** The rate of step t of an exponential sweep from minLr to maxLr over `steps` steps. */
export function exponentialSweep(minLr: number, maxLr: number, steps: number): (step: number) => number {
  if (!(minLr > 0 && maxLr > minLr)) throw new Error(`exponentialSweep: needs 0 < minLr < maxLr, got ${minLr}, ${maxLr}`);
  if (!(Number.isInteger(steps) && steps >= 2)) throw new Error(`exponentialSweep: steps must be an integer >= 2, got ${steps}`);
  return (step) => minLr * (maxLr / minLr) ** (step / (steps - 1));
}

/** Index of the minimum of the bias-corrected EMA of `values`, and the EMA itself. */
export function smoothedMinimum(values: readonly number[], beta: number): { smoothed: number[]; argmin: number } {
  let avg = 0;
  const smoothed = values.map((v, i) => {
    avg = beta * avg + (1 - beta) * v;
    return avg / (1 - beta ** (i + 1));
  });
  let argmin = 0;
  smoothed.forEach((s, i) => { if (s < smoothed[argmin]) argmin = i; });
  return { smoothed, argmin };
}

/**
 * Run the range test on `model` (its parameters are changed: pass a copy or restore them afterwards).
 * The sweep runs to maxLr, or until the loss becomes non-finite.
 */
export async function lrRangeTest(model: Model, data: Dataset, opts: RangeTestOptions): Promise<RangeTestResult> {
  const sweep = exponentialSweep(opts.minLr, opts.maxLr, opts.steps);
  const run = await train({
    model, data, transform: opts.optimizer(sweep), batchSize: opts.batchSize, steps: opts.steps, rng: opts.rng, loss: opts.loss,
    logEvery: 1, progress: 'silent', label: 'lr range test',
  });
  const losses = run.history.map((h) => h.loss);
  const lrs = run.history.map((h) => sweep(h.step - 1));
  const { smoothed, argmin } = smoothedMinimum(losses.map((l) => (Number.isFinite(l) ? l : Infinity)), opts.smoothing ?? 0.9);
  return { lrs, losses, smoothed, suggested: lrs[argmin] };
}
