/**
 * The training loop. Everything an optimizer does (noise, clipping, momentum, Adam, ...) is one
 * GradientTransformation, so the loop has no flags for any of them; what is minimised is one
 * Objective (classification by default; regression, score matching, DDPM or any function of the
 * parameters and the batch). A non-finite loss ends the run with status 'diverged' instead of
 * throwing, so other seeds' results survive; an abort signal (in a notebook: the kernel's interrupt)
 * ends it with status 'interrupted' and what it has.
 */
import { engineInfo, initEngine } from '../engine/backend.js';
import * as tf from '@tensorflow/tfjs';
import { batches, batchTensors, size, type Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import type { Rng } from '../random/rng.js';
import { createProgress, type ProgressMode } from '../util/progress.js';
import { addAll } from '../engine/ops/lists.js';
import { abortSignal } from '../util/abort.js';
import { createYielder } from '../util/yield.js';
import { crossEntropy, type LossFn } from './losses.js';
import type { GradientTransformation, StepContext } from './transforms.js';

/**
 * Options of `train`: the model, data or objective, gradient transformation, run length, logging, early stopping
 * and augmentation.
 */
export interface TrainOptions {
  model: Model;
  /** the training set, drawn in shuffled batches each epoch; may be left out when `objective` draws its own data */
  data?: Dataset;
  transform: GradientTransformation<any>;
  /** examples per step (with `data`) */
  batchSize?: number;
  /** number of steps; or give epochs (with `data`) */
  steps?: number;
  epochs?: number;
  /**
   * what to minimise; default: classification of `data` with `loss` (plus `penalty`), on model.apply.
   * `loss`, `penalty` and `augment`'s mixing belong to that default and may not be given with it.
   */
  objective?: Objective;
  /** the classification loss (default cross-entropy) */
  loss?: LossFn;
  /**
   * a term added to the loss on every batch that may depend on the inputs (attribution priors,
   * Jacobian penalties); `params` are the parameters to evaluate the model at. The recorded loss
   * includes it.
   */
  penalty?: Penalty;
  rng: Rng;
  /** record the training loss every `logEvery` steps (default: about 100 points) */
  logEvery?: number;
  /** called after each recorded step, e.g. to evaluate; may return extra metrics to record */
  onLog?: (step: number, loss: number) => Record<string, number> | void;
  /** end the run early (status 'ok') once a recorded step satisfies this, e.g. the training set is fit */
  stopWhen?: (record: TrainRecord) => boolean;
  progress?: ProgressMode;
  label?: string;
  /** transform each batch before the step (mixup, cutout); drawn from its own stream */
  augment?: BatchAugmentation;
  /** ends the run early with status 'interrupted' (default: the notebook kernel's interrupt, if any) */
  signal?: AbortSignal;
}

/**
 * A training batch; `mix` asks for the loss weight*L(y) + (1 - weight)*L(mix.y) (mixup's soft
 * targets); `indices` are the examples' positions in the dataset.
 */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor1D;
  mix?: { y: tf.Tensor1D; weight: number };
  indices?: Int32Array;
}

/**
 * What one step minimises. Called once per step with the step's batch (null when the run has no
 * dataset) and the run's objective stream; it makes the step's random draws (noise levels, noised
 * inputs) and returns the loss as a function of the parameters, so that transformations which
 * evaluate the gradient elsewhere (SAM) see the same draws.
 */
export type Objective = (batch: Batch | null, rng: Rng) => (params: readonly tf.Tensor[]) => tf.Scalar;

/** Classification of the batch by `model` under `loss` (mixup's soft targets when the batch is mixed), plus `penalty`. */
export function classification(model: Model, loss: LossFn = crossEntropy(), penalty?: Penalty): Objective {
  return (batch) => {
    if (!batch) throw new Error('classification objective: needs a dataset (train\'s `data`)');
    const { x, y, mix, indices } = batch;
    const lossOf = (logits: tf.Tensor2D): tf.Scalar => (mix
      ? tf.add(tf.mul(mix.weight, loss(logits, y, indices)), tf.mul(1 - mix.weight, loss(logits, mix.y, indices))) as tf.Scalar
      : loss(logits, y, indices));
    return (ps) => {
      const data = lossOf(model.apply(x, ps));
      return penalty ? tf.add(data, penalty(x, y, ps)) as tf.Scalar : data;
    };
  };
}

/** Transforms a training batch before the step (mixup, cutout), drawing from `rng`. */
export type BatchAugmentation = (batch: Batch, rng: Rng) => Batch;

/** A term added to a batch's classification loss, as a function of its inputs, labels and the parameters. */
export type Penalty = (x: tf.Tensor, y: tf.Tensor1D, params: readonly tf.Tensor[]) => tf.Scalar;

/** One logged point of a run: the number of steps taken, the training loss, and any metrics `onLog` returned. */
export interface TrainRecord {
  step: number;
  loss: number;
  [metric: string]: number;
}

/** How a training run ended, the steps taken, the last loss, and the logged history. */
export interface TrainResult {
  /** 'interrupted': the abort signal fired; the parameters are those after `steps` steps */
  status: 'ok' | 'diverged' | 'interrupted';
  steps: number;
  /** loss of the last step taken (NaN or inf when diverged) */
  finalLoss: number;
  history: TrainRecord[];
}

/**
 * Trains `model` in place with `transform` for `steps` (or `epochs`) steps; a non-finite loss ends it as
 * 'diverged' and an abort as 'interrupted' instead of throwing.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  // never train silently on tfjs's plain cpu backend: the engine starts itself (and says which backend) on first use
  if (!engineInfo()) await initEngine();
  const { model, data, transform } = opts;
  if (opts.objective && (opts.loss || opts.penalty)) throw new Error('train: `loss` and `penalty` belong to the default classification objective; build them into `objective` instead');
  if (!data && !opts.objective) throw new Error('train: give `data` (classification) or an `objective`');
  if (!data && opts.epochs !== undefined) throw new Error('train: `epochs` needs `data`; give `steps`');
  const n = data ? size(data) : 0;
  const batchSize = opts.batchSize ?? 0;
  if (data && !(batchSize > 0)) throw new Error(`train: batchSize must be > 0 with data (got ${opts.batchSize})`);
  const stepsPerEpoch = data ? Math.max(1, Math.floor(n / Math.min(batchSize, n))) : 1;
  const total = opts.steps ?? (opts.epochs ?? 1) * stepsPerEpoch;
  if (!(total > 0)) throw new Error(`train: steps must be > 0 (steps=${opts.steps}, epochs=${opts.epochs})`);
  const logEvery = opts.logEvery ?? Math.max(1, Math.floor(total / 100));
  const objective = opts.objective ?? classification(model, opts.loss, opts.penalty);
  const order = data ? batches(n, batchSize, opts.rng.fork('batches')) : null;
  const ctx: StepContext = { step: 0, rng: opts.rng.fork('transform') };
  const augmentRng = opts.rng.fork('augment');
  const objectiveRng = opts.rng.fork('objective');
  const signal = opts.signal ?? abortSignal();
  const state = transform.init(model.params);
  const progress = createProgress(opts.label ?? 'train', total, opts.progress);
  const history: TrainRecord[] = [];
  let finalLoss = NaN;
  let status: TrainResult['status'] = 'ok';
  let taken = 0;
  const yieldNow = createYielder();
  try {
    for (let step = 0; step < total; step++) {
      if (signal?.aborted) { status = 'interrupted'; break; }
      ctx.step = step;
      const lossT = tf.tidy(() => {
        let batch: Batch | null = null;
        if (data && order) {
          const indices = order.next().value as Int32Array;
          const raw: Batch = { ...batchTensors(data, indices), indices };
          batch = opts.augment ? { indices, ...opts.augment(raw, augmentRng) } : raw;
        }
        const lossAt = objective(batch, objectiveRng);
        ctx.gradAt = (ps) => tf.grads((...qs: tf.Tensor[]) => lossAt(qs))(ps);
        const { value, grads } = tf.variableGrads(() => lossAt(model.params), model.params);
        const updates = transform.update(model.params.map((p) => grads[p.name]), state, model.params, ctx);
        const next = addAll(model.params, updates);
        model.params.forEach((p, i) => p.assign(next[i]));
        return value;
      });
      taken = step + 1;
      finalLoss = lossT.dataSync()[0];
      lossT.dispose();
      const last = step === total - 1;
      if (!Number.isFinite(finalLoss)) {
        status = 'diverged';
        history.push({ step: step + 1, loss: finalLoss });
        break;
      }
      if ((step + 1) % logEvery === 0 || last) {
        const extra = opts.onLog?.(step + 1, finalLoss) ?? {};
        history.push({ step: step + 1, loss: finalLoss, ...extra });
        if (opts.stopWhen?.(history.at(-1)!)) break;
      }
      progress.update(step + 1, `loss ${finalLoss.toFixed(4)}`);
      await yieldNow();
    }
  } finally {
    transform.dispose(state);
  }
  if (status === 'interrupted' && taken > 0 && history.at(-1)?.step !== taken) history.push({ step: taken, loss: finalLoss });
  progress.finish(status === 'ok' ? `loss ${finalLoss.toFixed(4)}` : status);
  return { status, steps: history.at(-1)?.step ?? 0, finalLoss, history };
}

/** Evaluate `f` over `data` in batches and concatenate along axis 0 (e.g. logits or features). */
export function predictBatched(f: (x: tf.Tensor) => tf.Tensor, data: Dataset, batchSize = 500): tf.Tensor {
  const n = size(data);
  const parts: tf.Tensor[] = [];
  for (let i = 0; i < n; i += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, n - i)).map((_, k) => i + k);
    parts.push(tf.tidy(() => f(batchTensors(data, idx).x)));
  }
  const out = tf.concat(parts, 0);
  parts.forEach((p) => p.dispose());
  return out;
}
