/**
 * The training loop. Everything an optimizer does (noise, clipping, momentum, Adam, ...) is one
 * GradientTransformation, so the loop has no flags for any of them. A non-finite loss ends the run
 * with status 'diverged' instead of throwing, so other seeds' results survive.
 */
import { engineInfo, initEngine } from '../engine/backend.js';
import * as tf from '@tensorflow/tfjs';
import { batches, batchTensors, size, type Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import type { Rng } from '../random/rng.js';
import { createProgress, type ProgressMode } from '../util/progress.js';
import { createYielder } from '../util/yield.js';
import { crossEntropy, type LossFn } from './losses.js';
import type { GradientTransformation, StepContext } from './transforms.js';

export interface TrainOptions {
  model: Model;
  data: Dataset;
  transform: GradientTransformation<any>;
  batchSize: number;
  /** number of steps; or give epochs */
  steps?: number;
  epochs?: number;
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
}

/** A training batch; `mix` asks for the loss weight*L(y) + (1 - weight)*L(mix.y) (mixup's soft targets). */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor1D;
  mix?: { y: tf.Tensor1D; weight: number };
}

export type BatchAugmentation = (batch: Batch, rng: Rng) => Batch;

export type Penalty = (x: tf.Tensor, y: tf.Tensor1D, params: readonly tf.Tensor[]) => tf.Scalar;

export interface TrainRecord {
  step: number;
  loss: number;
  [metric: string]: number;
}

export interface TrainResult {
  status: 'ok' | 'diverged';
  steps: number;
  /** loss of the last step taken (NaN or inf when diverged) */
  finalLoss: number;
  history: TrainRecord[];
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  // never train silently on tfjs's plain cpu backend: the engine starts itself (and says which backend) on first use
  if (!engineInfo()) await initEngine();
  const { model, data, transform, batchSize } = opts;
  const n = size(data);
  const stepsPerEpoch = Math.max(1, Math.floor(n / Math.min(batchSize, n)));
  const total = opts.steps ?? (opts.epochs ?? 1) * stepsPerEpoch;
  if (!(total > 0)) throw new Error(`train: steps must be > 0 (steps=${opts.steps}, epochs=${opts.epochs})`);
  const logEvery = opts.logEvery ?? Math.max(1, Math.floor(total / 100));
  const lossFn = opts.loss ?? crossEntropy();
  const order = batches(n, batchSize, opts.rng.fork('batches'));
  const ctx: StepContext = { step: 0, rng: opts.rng.fork('transform') };
  const augmentRng = opts.rng.fork('augment');
  const state = transform.init(model.params);
  const progress = createProgress(opts.label ?? 'train', total, opts.progress);
  const history: TrainRecord[] = [];
  let finalLoss = NaN;
  let status: TrainResult['status'] = 'ok';
  const yieldNow = createYielder();
  try {
    for (let step = 0; step < total; step++) {
      ctx.step = step;
      const idx = order.next().value as Int32Array;
      const lossT = tf.tidy(() => {
        const raw: Batch = batchTensors(data, idx);
        const { x, y, mix } = opts.augment ? opts.augment(raw, augmentRng) : raw;
        const lossOf = (logits: tf.Tensor2D): tf.Scalar => (mix
          ? tf.add(tf.mul(mix.weight, lossFn(logits, y, idx)), tf.mul(1 - mix.weight, lossFn(logits, mix.y, idx))) as tf.Scalar
          : lossFn(logits, y, idx));
        const objective = (ps: readonly tf.Tensor[]): tf.Scalar => {
          const data = lossOf(model.apply(x, ps));
          return opts.penalty ? tf.add(data, opts.penalty(x, y, ps)) as tf.Scalar : data;
        };
        ctx.gradAt = (ps) => tf.grads((...qs: tf.Tensor[]) => objective(qs))(ps);
        const { value, grads } = tf.variableGrads(() => objective(model.params), model.params);
        const updates = transform.update(model.params.map((p) => grads[p.name]), state, model.params, ctx);
        model.params.forEach((p, i) => p.assign(p.add(updates[i])));
        return value;
      });
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
  progress.finish(status === 'diverged' ? 'diverged' : `loss ${finalLoss.toFixed(4)}`);
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
