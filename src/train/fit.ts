/**
 * The training run the techniques that learn a field share (noisy classifiers, penalised score models,
 * ...): Adam with its rate decaying to 0 on a cosine (the late, small steps average the gradient noise,
 * as an EMA of the weights does), silent, a non-ok ending turned into an error that names the technique,
 * and the loss at about 50 evenly spaced steps. The model is disposed when the run fails.
 */
import type { Model } from '../models/model.js';
import type { Rng } from '../random/rng.js';
import { train, type Objective } from './loop.js';
import { adam } from './transforms.js';

/** Options of {@link fitObjective}. */
export interface FitOptions {
  steps: number;
  /** Adam's initial rate */
  lr: number;
  rng: Rng;
  /** who trains, for the progress label and errors (e.g. 'trainNoisyClassifier') */
  label: string;
}

export const cosineDecay = (lr: number, steps: number) => (step: number) => 0.5 * lr * (1 + Math.cos((Math.PI * step) / steps));

/** Minimise `objective` over the model's parameters; returns the recorded losses. */
export async function fitObjective(model: Model, objective: Objective, opts: FitOptions): Promise<number[]> {
  const every = Math.max(1, Math.floor(opts.steps / 50));
  try {
    const run = await train({ model, objective, transform: adam(cosineDecay(opts.lr, opts.steps)), steps: opts.steps, rng: opts.rng, logEvery: every, progress: 'silent', label: opts.label });
    if (run.status !== 'ok') throw new Error(`${opts.label}: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${opts.steps}`);
    return run.history.map((h) => h.loss);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
