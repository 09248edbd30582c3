/**
 * Answering statistical queries (the mean of a function phi over the data, phi bounded) on a sample:
 * the empirical mean, the empirical mean plus Gaussian noise, and Thresholdout (Dwork, Feldman, Hardt,
 * Pitassi, Reingold & Roth 2015, "The reusable holdout"): answer from the training set unless it differs
 * from the holdout by more than a noisy threshold, and then from the holdout plus Laplace noise, within
 * a budget of such overfitting events.
 */
import type { Rng } from '../../random/rng.js';

/** A draw from Laplace(0, b). */
export function laplace(b: number, rng: Rng): number {
  if (!(b >= 0)) throw new Error(`laplace: scale must be >= 0, got ${b}`);
  if (b === 0) return 0;
  const u = rng.uniform() - 0.5;
  return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u) || Number.MIN_VALUE);
}

/** The mean of per-sample query values. */
export function empiricalMean(values: ArrayLike<number>): number {
  if (!values.length) throw new Error('empiricalMean: no values');
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** The empirical mean plus N(0, sd^2) noise (the Gaussian mechanism). */
export function noisyMean(values: ArrayLike<number>, sd: number, rng: Rng): number {
  if (!(sd >= 0)) throw new Error(`noisyMean: sd must be >= 0, got ${sd}`);
  return empiricalMean(values) + sd * rng.normal();
}

/** Parameters of the Thresholdout mechanism. */
export interface ThresholdoutOptions {
  /** T: the base threshold on |holdout - training| */
  threshold: number;
  /** sigma: the Laplace noise scale (threshold noise 2 sigma, comparison noise 4 sigma, answer noise sigma) */
  sigma: number;
  /** overfitting events allowed before the mechanism stops answering from the holdout */
  budget: number;
}

/** Thresholdout as in the reusable-holdout paper's supplementary algorithm. */
export class Thresholdout {
  private gamma: number;
  /** overfitting events so far (answers taken from the holdout) */
  overfits = 0;
  constructor(readonly opts: ThresholdoutOptions, private readonly rng: Rng) {
    if (!(opts.threshold >= 0 && opts.sigma >= 0 && opts.budget >= 0)) throw new Error(`Thresholdout: threshold, sigma and budget must be >= 0, got ${JSON.stringify(opts)}`);
    this.gamma = laplace(2 * opts.sigma, rng);
  }

  /** The answer to a query given its training-set and holdout means. */
  answer(trainMean: number, holdoutMean: number): number {
    const { threshold, sigma, budget } = this.opts;
    if (this.overfits >= budget) return trainMean;
    if (Math.abs(holdoutMean - trainMean) > threshold + this.gamma + laplace(4 * sigma, this.rng)) {
      this.overfits++;
      this.gamma = laplace(2 * sigma, this.rng);
      return holdoutMean + laplace(sigma, this.rng);
    }
    return trainMean;
  }
}
