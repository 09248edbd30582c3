/**
 * Single-step (FGSM) adversarial training with an optional local-linearity regulariser, evaluated by
 * PGD after every epoch so that catastrophic overfitting (a sudden collapse of PGD accuracy while FGSM
 * accuracy stays high) can be seen when it happens. Each step: the FGSM example x + eps sign(grad_x L)
 * (clipped to the pixel range) against the current weights, then one optimiser step on
 *   CE(x_adv) + lambda R,  R = ELLE's local linearity error (at the clean point's eps-ball) or GradAlign's
 * misalignment, or nothing (plain FGSM-AT).
 */
import * as tf from '@tensorflow/tfjs';
import { batchTensors, size, type Dataset } from '../../data/dataset.js';
import { accuracy, argmaxRows } from '../../metrics/classification.js';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { crossEntropy, logSoftmax } from '../../train/losses.js';
import { adam } from '../../train/transforms.js';
import { pgd } from '../adversarial/pgd.js';
import { ellePenalty, gradAlignPenalty } from './penalties.js';

/** The regulariser added to FGSM training: none ('fgsm'), ELLE, or GradAlign. */
export type SingleStepMethod = 'fgsm' | 'elle' | 'gradAlign';

/** Per-example cross-entropy [n]. */
export function exampleCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logSoftmax(logits)), 1)) as tf.Tensor1D);
}

/** The objective of one method: FGSM example against the current weights, then CE on it plus lambda R. */
export function singleStepObjective(model: Model, method: SingleStepMethod, eps: number, lambda: number, clip: [number, number] = [0, 1]): Objective {
  const ce = crossEntropy();
  return (batch, rng) => {
    if (!batch) throw new Error('singleStepObjective: needs a dataset');
    const { x, y } = batch;
    const adv = pgd((xi) => ce(model.apply(xi), y), x, { eps, steps: 1, stepSize: eps, norm: 'linf', clip });
    return (ps) => {
      const base = ce(model.apply(adv, ps), y);
      if (method === 'fgsm' || lambda === 0) return base;
      const reg = method === 'elle'
        ? ellePenalty((xi) => exampleCrossEntropy(model.apply(xi, ps), y), x, eps, rng, clip)
        : gradAlignPenalty((xi) => tf.sum(exampleCrossEntropy(model.apply(xi, ps), y)) as tf.Scalar, x, eps, rng, clip);
      return tf.add(base, tf.mul(lambda, reg)) as tf.Scalar;
    };
  };
}

/** Accuracy on `data` under an l-inf attack of `steps` sign-gradient steps (steps 1 with stepSize eps is FGSM). */
export function robustAccuracy(model: Model, data: Dataset, eps: number, steps: number, stepSize: number, batch = 250): number {
  const ce = crossEntropy();
  const n = size(data);
  let correct = 0;
  for (let i = 0; i < n; i += batch) {
    const idx = Int32Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k);
    const { x, y } = batchTensors(data, idx);
    const adv = eps > 0 ? pgd((xi) => ce(model.apply(xi), y), x, { eps, steps, stepSize, norm: 'linf', clip: [0, 1] }) : x.clone();
    const logits = model.apply(adv);
    const pred = argmaxRows(logits.dataSync(), logits.shape[1]);
    correct += accuracy(pred, y.dataSync()) * idx.length;
    tf.dispose([x, y, adv, logits]);
  }
  return correct / n;
}

/** Settings of `trainSingleStep`. */
export interface SingleStepOptions {
  model: Model;
  train: Dataset;
  /** held-out examples the attacks are evaluated on after every epoch */
  evalSet: Dataset;
  method: SingleStepMethod;
  eps: number;
  lambda: number;
  epochs: number;
  batch: number;
  lr: number;
  /** PGD evaluation: steps (step size 2.5 eps / steps, Madry et al.'s choice) */
  pgdSteps: number;
  rng: Rng;
}

/** Evaluation after one epoch: clean, FGSM and PGD accuracy on the evaluation set (fractions in [0, 1]) and training time. */
export interface EpochRecord {
  epoch: number;
  clean: number;
  fgsm: number;
  pgd: number;
  /** training seconds of this epoch (evaluation excluded) */
  seconds: number;
}

/** The per-epoch records of `trainSingleStep` and how training ended. */
export interface SingleStepResult {
  epochs: EpochRecord[];
  status: 'ok' | 'diverged' | 'interrupted';
}

/** Train with `method` (see the module comment), evaluating clean, FGSM and PGD accuracy after every epoch. */
export async function trainSingleStep(o: SingleStepOptions): Promise<SingleStepResult> {
  const stepsPerEpoch = Math.max(1, Math.floor(size(o.train) / o.batch));
  const epochs: EpochRecord[] = [];
  let mark = performance.now();
  const r = await train({
    model: o.model, data: o.train, batchSize: o.batch, epochs: o.epochs, transform: adam(o.lr), rng: o.rng, progress: 'silent',
    objective: singleStepObjective(o.model, o.method, o.eps, o.lambda), logEvery: stepsPerEpoch,
    onLog: (step) => {
      const seconds = (performance.now() - mark) / 1000;
      const clean = robustAccuracy(o.model, o.evalSet, 0, 1, 1);
      const fgsm = robustAccuracy(o.model, o.evalSet, o.eps, 1, o.eps);
      const pgdAcc = robustAccuracy(o.model, o.evalSet, o.eps, o.pgdSteps, 2.5 * o.eps / o.pgdSteps);
      epochs.push({ epoch: Math.round(step / stepsPerEpoch), clean, fgsm, pgd: pgdAcc, seconds });
      mark = performance.now();
      return { clean, fgsm, pgd: pgdAcc };
    },
  });
  return { epochs, status: r.status };
}

/**
 * Catastrophic overfitting in a run: the largest fall of PGD accuracy from one epoch's end to the next
 * (0 when it never falls), and whether it exceeds `threshold` (the catalogue's 0.30).
 */
export function catastrophicDrop(pgdByEpoch: readonly number[], threshold = 0.3): { drop: number; overfit: boolean } {
  let drop = 0;
  for (let e = 1; e < pgdByEpoch.length; e++) drop = Math.max(drop, pgdByEpoch[e - 1] - pgdByEpoch[e]);
  return { drop, overfit: drop > threshold };
}

/** The kernels whose arithmetic is a matrix product: noiselab's fused dense layer, its gradient kernels and tf's matMul. */
const MATMUL_KERNELS = new Set(['NoiselabDense', 'NoiselabDenseGrad', 'BatchMatMul', 'MatMul', '_FusedMatMul']);

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Floating-point operations (2 per multiply-add) of the matrix products `f` executes, forward and
 * backward (double backprop included), read from the kernels tf.profile records. A deterministic cost:
 * it depends on shapes only, not on the machine or its load. For a product [m, k] x [k, n] -> [m, n]
 * it is 2 m k n, with k recovered from the shapes as sqrt(size(a) size(b) / size(out)) (for the
 * dense gradient kernel, whose inputs are dy [m, n] and the other factor, sqrt(size(out) size(other) /
 * size(dy)); a bias gradient, of rank 1, costs size(dy) additions). Elementwise work is not counted.
 */
export async function matmulFlops(f: () => void): Promise<number> {
  const info = await tf.profile(() => { f(); });
  let flops = 0;
  for (const k of info.kernels) {
    if (!MATMUL_KERNELS.has(k.name)) continue;
    const [a, b] = k.inputShapes as number[][];
    const out = k.outputShapes[0] as number[];
    if (k.name === 'NoiselabDenseGrad') flops += out.length === 1 ? count(a) : 2 * count(a) * Math.sqrt(count(out) * count(b) / count(a));
    else flops += 2 * count(out) * Math.sqrt(count(a) * count(b) / count(out));
  }
  return Math.round(flops);
}

/**
 * The matrix-product FLOPs of one training step of `method` (the FGSM example, the loss with its
 * regulariser, and the gradient in every parameter) on a batch: the cost the paper compares.
 */
export async function stepFlops(model: Model, method: SingleStepMethod, eps: number, lambda: number, x: tf.Tensor, y: tf.Tensor1D, rng: Rng): Promise<number> {
  return matmulFlops(() => tf.tidy(() => {
    const objective = singleStepObjective(model, method, eps, lambda)({ x, y }, rng);
    tf.grads((...ps: tf.Tensor[]) => objective(ps))(model.params);
  }));
}
