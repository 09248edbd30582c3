/**
 * The training loop. Everything an optimizer does (noise, clipping, momentum, Adam, ...) is one
 * GradientTransformation, so the loop has no flags for any of them. A non-finite loss ends the run
 * with status 'diverged' instead of throwing, so other seeds' results survive.
 */
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
  rng: Rng;
  /** record the training loss every `logEvery` steps (default: about 100 points) */
  logEvery?: number;
  /** called after each recorded step, e.g. to evaluate; may return extra metrics to record */
  onLog?: (step: number, loss: number) => Record<string, number> | void;
  progress?: ProgressMode;
  label?: string;
}

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
  const { model, data, transform, batchSize } = opts;
  const n = size(data);
  const stepsPerEpoch = Math.max(1, Math.floor(n / Math.min(batchSize, n)));
  const total = opts.steps ?? (opts.epochs ?? 1) * stepsPerEpoch;
  if (!(total > 0)) throw new Error(`train: steps must be > 0 (steps=${opts.steps}, epochs=${opts.epochs})`);
  const logEvery = opts.logEvery ?? Math.max(1, Math.floor(total / 100));
  const lossFn = opts.loss ?? crossEntropy();
  const order = batches(n, batchSize, opts.rng.fork('batches'));
  const ctx: StepContext = { step: 0, rng: opts.rng.fork('transform') };
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
        const { x, y } = batchTensors(data, idx);
        ctx.gradAt = (ps) => tf.grads((...qs: tf.Tensor[]) => lossFn(model.apply(x, qs), y, idx))(ps);
        const { value, grads } = tf.variableGrads(() => lossFn(model.apply(x), y, idx), model.params);
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
