/**
 * Quantization-aware fine-tuning with the straight-through estimator (STE), as HAWQ-V2 applies after
 * choosing the bit-widths. During fine-tuning the forward pass uses the quantized weights
 * Q(w) = step * round(clip(w, -s, s) / step), step = s / (2^(b-1) - 1), with the scale s frozen at the
 * layer's max |w| when fine-tuning starts; the backward pass treats Q as the identity inside the
 * range [-s, s] and as zero outside it (the clipped STE), so the float "latent" weights take the
 * gradient of the quantized network. At the end the latent weights are replaced by their quantized
 * values, so the model holds exactly the quantized network.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../data/dataset.js';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { classification, train, type TrainResult } from '../../train/loop.js';
import type { GradientTransformation } from '../../train/transforms.js';
import type { ProgressMode } from '../../util/progress.js';

/** The largest |w|: the symmetric per-tensor scale. */
export function maxAbs(w: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  return m;
}

/**
 * Symmetric uniform quantization to `bits` with a given scale s: step * round(clip(w, -s, s) / step),
 * step = s / (2^(b-1) - 1) (rounding half up, as Math.round). With s = max |w| it equals
 * quantizeSymmetric(w, bits).
 */
export function quantizeWithScale(w: ArrayLike<number>, bits: number, scale: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 2) throw new Error(`quantizeWithScale: bits must be an integer >= 2, got ${bits}`);
  const out = new Float32Array(w.length);
  if (!(scale > 0)) return out;
  const step = scale / (2 ** (bits - 1) - 1);
  for (let i = 0; i < w.length; i++) out[i] = Math.round(Math.min(scale, Math.max(-scale, w[i])) / step) * step + 0;
  return out;
}

/**
 * Fake quantization with the straight-through estimator: the value is the weights quantized to `bits`
 * with scale `scale` (as quantizeWithScale, in float32), the gradient passes dy where |w| <= scale and
 * 0 elsewhere.
 */
export function fakeQuantize(w: tf.Tensor, bits: number, scale: number): tf.Tensor {
  if (!Number.isInteger(bits) || bits < 2) throw new Error(`fakeQuantize: bits must be an integer >= 2, got ${bits}`);
  if (!(scale > 0)) return tf.zerosLike(w);
  const step = scale / (2 ** (bits - 1) - 1);
  const ste = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    const value = tf.mul(tf.floor(tf.add(tf.div(tf.clipByValue(x, -scale, scale), step), 0.5)), step);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), scale), 'float32')) };
  };
  return tf.customGrad(ste as unknown as Parameters<typeof tf.customGrad>[0])(w);
}

/** A layer to quantize: the index of its weight tensor in model.params and its bit-width. */
export interface QuantizedLayer {
  index: number;
  bits: number;
}

/** `params` with the tensors of `layers` fake-quantized (STE) at their bit-widths and the given scales (aligned with layers). */
export function fakeQuantParams(params: readonly tf.Tensor[], layers: readonly QuantizedLayer[], scales: readonly number[]): tf.Tensor[] {
  if (layers.length !== scales.length) throw new Error(`fakeQuantParams: ${layers.length} layers for ${scales.length} scales`);
  return params.map((p, i) => {
    const k = layers.findIndex((l) => l.index === i);
    return k < 0 ? p : fakeQuantize(p, layers[k].bits, scales[k]);
  });
}

/** Replaces the weights of `layers` in `model` by their quantized values at the given scales (default: each tensor's max |w|); returns the scales used. */
export function quantizeModel(model: Model, layers: readonly QuantizedLayer[], scales?: readonly number[]): number[] {
  const used = layers.map((l, k) => scales?.[k] ?? maxAbs(model.params[l.index].dataSync()));
  layers.forEach((l, k) => {
    const p = model.params[l.index];
    const q = quantizeWithScale(p.dataSync(), l.bits, used[k]);
    tf.tidy(() => p.assign(tf.tensor(q, p.shape)));
  });
  return used;
}

/** Options of `quantizationAwareFineTune`. */
export interface FineTuneOptions {
  model: Model;
  data: Dataset;
  /** the layers to quantize and their bit-widths (the other parameters, biases included, stay float and are trained too) */
  layers: readonly QuantizedLayer[];
  transform: GradientTransformation<any>;
  batchSize: number;
  /** run length: epochs or steps */
  epochs?: number;
  steps?: number;
  rng: Rng;
  label?: string;
  progress?: ProgressMode;
}

/**
 * Quantization-aware fine-tuning (STE) of `model` in place: freezes each layer's scale at its current
 * max |w|, trains the classification loss of the fake-quantized network, then quantizes the layers
 * (quantizeWithScale at the frozen scales) so the model is the quantized network. Returns the run
 * and the scales.
 */
export async function quantizationAwareFineTune(opts: FineTuneOptions): Promise<TrainResult & { scales: number[] }> {
  const { model, layers } = opts;
  const scales = layers.map((l) => maxAbs(model.params[l.index].dataSync()));
  const quantized: Model = { ...model, apply: (x, ps = model.params) => tf.tidy(() => model.apply(x, fakeQuantParams(ps, layers, scales))) };
  const result = await train({
    model, data: opts.data, transform: opts.transform, batchSize: opts.batchSize, epochs: opts.epochs, steps: opts.steps,
    objective: classification(quantized), rng: opts.rng, label: opts.label, progress: opts.progress,
  });
  quantizeModel(model, layers, scales);
  return { ...result, scales };
}
