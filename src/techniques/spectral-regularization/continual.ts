/**
 * Continual supervised learning: one network trained on a sequence of tasks, a fixed number of steps
 * each, with one optimiser whose state carries over between tasks (the learner is never told a task
 * changed). Plasticity is read from each task's own training accuracy at its end: a network that loses
 * plasticity fits later tasks worse than earlier ones. A regulariser from ./penalties.ts is added to the
 * loss on every step with weight lambda.
 */
import * as tf from '@tensorflow/tfjs';
import { batchTensors, size, type Dataset } from '../../data/dataset.js';
import { argmaxRows, accuracy } from '../../metrics/classification.js';
import { snapshotParams, type Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { predictBatched } from '../../train/loop.js';
import { crossEntropy } from '../../train/losses.js';
import { adam } from '../../train/transforms.js';
import { l2InitPenalty, l2Penalty, powerSingular, sortedCopies, SpectralPenalty, wassersteinInitPenalty, type RegulariserKind } from './penalties.js';

/** A sequence of tasks trained one after another with Adam, each for a fixed number of steps, under one regulariser. */
export interface ContinualOptions {
  model: Model;
  /** task t's training set (called once per task, in order) */
  task: (t: number) => Dataset;
  tasks: number;
  stepsPerTask: number;
  batch: number;
  /** Adam's learning rate */
  lr: number;
  regulariser: RegulariserKind;
  /** the regulariser's weight (ignored for 'none') */
  lambda: number;
  /** spectral: exponent k of (sigma^k - 1)^2 and power steps per update */
  spectralK?: number;
  powerIters?: number;
  /** power steps of the per-task sigma_max report (default 200; 0: no report, `sigmaMax` holds empty rows) */
  sigmaSteps?: number;
  rng: Rng;
}

/** What `trainContinual` measured task by task. */
export interface ContinualResult {
  /** per task: accuracy on its own training set after its last step */
  taskAccuracy: number[];
  /** per task: top singular value of each weight matrix at its end (`sigmaSteps` power steps from a random start; empty when 0) */
  sigmaMax: number[][];
  /** false when the loss became non-finite (the remaining tasks are then NaN) */
  finite: boolean;
  /** spectral: sigma_max of each matrix as the penalty tracked it at its last refresh (before the last step); else null */
  trackedSigma: number[] | null;
}

/** Indices of a model's weight matrices (rank-2 parameters). */
export function matrixIndices(model: Model): number[] {
  return model.params.flatMap((p, i) => (p.rank === 2 ? [i] : []));
}

/** Train `model` on the task sequence; see the module comment. */
export function trainContinual(o: ContinualOptions): ContinualResult {
  const { model } = o;
  const mats = matrixIndices(model);
  const init = o.regulariser === 'l2Init' ? snapshotParams(model) : [];
  const initSorted = o.regulariser === 'wassersteinInit' ? sortedCopies(model.params) : [];
  const spectral = o.regulariser === 'spectral'
    ? new SpectralPenalty(mats.map((i) => model.params[i].shape as [number, number]), o.rng.fork('power'), o.spectralK ?? 2, o.powerIters ?? 1)
    : null;
  const penalty = (ps: readonly tf.Tensor[]): tf.Scalar | null => {
    switch (o.regulariser) {
      case 'none': return null;
      case 'l2': return l2Penalty(ps);
      case 'l2Init': return l2InitPenalty(ps, init);
      case 'wassersteinInit': return wassersteinInitPenalty(ps, initSorted);
      case 'spectral': return spectral!.penalty(mats.map((i) => ps[i]));
    }
  };
  const opt = adam(o.lr);
  const state = opt.init(model.params);
  const ce = crossEntropy();
  const res: ContinualResult = { taskAccuracy: [], sigmaMax: [], finite: true, trackedSigma: null };
  let step = 0;
  try {
    for (let t = 0; t < o.tasks; t++) {
      if (!res.finite) { res.taskAccuracy.push(NaN); res.sigmaMax.push(mats.map(() => NaN)); continue; }
      const data = o.task(t);
      const n = size(data);
      const bs = Math.min(o.batch, n);
      const order = o.rng.fork(`batches${t}`);
      let perm = order.permutation(n), at = 0;
      for (let s = 0; s < o.stepsPerTask && res.finite; s++, step++) {
        if (at + bs > n) { perm = order.permutation(n); at = 0; }
        const idx = perm.subarray(at, at + bs);
        at += bs;
        spectral?.refresh(mats.map((i) => model.params[i]));
        const loss = tf.tidy(() => {
          const { x, y } = batchTensors(data, idx);
          const { value, grads } = tf.variableGrads(() => {
            const l = ce(model.apply(x), y);
            const pen = penalty(model.params);
            return (pen ? tf.add(l, tf.mul(o.lambda, pen)) : l) as tf.Scalar;
          }, model.params);
          const updates = opt.update(model.params.map((p) => grads[p.name]), state, model.params, { step, rng: o.rng });
          model.params.forEach((p, i) => p.assign(tf.add(p, updates[i])));
          return value;
        });
        if (!Number.isFinite(loss.dataSync()[0])) res.finite = false;
        loss.dispose();
      }
      const logits = predictBatched((x) => model.apply(x), data);
      res.taskAccuracy.push(res.finite ? accuracy(argmaxRows(logits.dataSync(), logits.shape[1]!), data.y) : NaN);
      logits.dispose();
      res.sigmaMax.push((o.sigmaSteps ?? 200) === 0 ? [] : mats.map((i) => {
        const [r, c] = model.params[i].shape;
        return powerSingular(model.params[i].dataSync(), r, c, o.sigmaSteps ?? 200, undefined, o.rng.fork(`sigma${t}-${i}`)).sigma;
      }));
    }
    res.trackedSigma = spectral ? spectral.sigmas() : null;
  } finally {
    opt.dispose(state);
    init.forEach((x) => x.dispose());
    initSorted.forEach((x) => x.dispose());
    spectral?.dispose();
  }
  return res;
}
