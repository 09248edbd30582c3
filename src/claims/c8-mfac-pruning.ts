/**
 * C8. M-FAC: Efficient Matrix-Free Approximations of Second-Order Information (Frantar, Kurtic &
 * Alistarh, NeurIPS 2021). When the Hessian is approximated by the damped empirical Fisher
 * F = lambda I + (1/m) sum_i g_i g_i^T of m gradients, M-FAC computes inverse-Fisher-vector products
 * exactly (Sherman-Morrison, rank one at a time) in O(dm) after an O(dm^2) precomputation, and the
 * inverse's diagonal in O(dm^2); this makes Optimal Brain Surgeon pruning (saliency w_q^2 / 2[F^-1]_qq,
 * correction dw = -F^-1 sum_q (w_q / [F^-1]_qq) e_q) affordable, and it prunes better than magnitude.
 *
 * Setting: a ReLU MLP on 2x-downsampled Fashion-MNIST (14 x 14 inputs) trained with Adam; its kernels
 * (biases kept) are pruned globally without retraining. Magnitude: the smallest |w| removed one-shot.
 * M-FAC OBS: the same sparsities reached in steps (20%, 40%, 60%, 80%, then 85%, 90% at full), each step
 * recomputing m mini-batch gradients at the current weights. The exact part compares M-FAC's products
 * with a dense Cholesky solve of the same damped Fisher restricted to 300 coordinates.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, type Dataset } from '../data/dataset.js';
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { denseDampedSolve, mfac, obsPruneStep } from '../techniques/mfac/index.js';
import { crossEntropy } from '../train/losses.js';
import { train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { check, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C8Params extends BaseParams, FmnistSize {
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** gradients in the empirical Fisher */
  m: number;
  /** examples per gradient */
  gradBatch: number;
  /** damping relative to the Fisher's mean diagonal */
  dampening: number;
  /** sparsities visited by the gradual M-FAC pruner; the verdict reads the last two */
  schedule: number[];
}

/** The yardstick: one point of test accuracy. */
const MARGIN = 0.01;
/** coordinates of the exact check's dense solve */
const EXACT_D = 300;

const flatten = (ts: readonly tf.Tensor[]): Float64Array => {
  const out = new Float64Array(ts.reduce((n, t) => n + t.size, 0));
  let o = 0;
  for (const t of ts) { out.set(t.dataSync(), o); o += t.size; }
  return out;
};

function assignFlat(model: Model, w: Float64Array): void {
  let o = 0;
  tf.tidy(() => model.params.forEach((p) => { p.assign(tf.tensor(Float32Array.from(w.subarray(o, o + p.size)), p.shape)); o += p.size; }));
}

/** m mini-batch gradients of the mean cross-entropy at the model's current weights (m x d, row-major). */
export function minibatchGradients(model: Model, data: Dataset, m: number, batch: number, rng: Rng): Float64Array {
  const d = model.params.reduce((n, p) => n + p.size, 0);
  const out = new Float64Array(m * d);
  const feat = data.x.length / data.y.length;
  const loss = crossEntropy();
  for (let i = 0; i < m; i++) {
    const idx = Int32Array.from({ length: batch }, () => rng.int(data.y.length));
    const g = tf.tidy(() => {
      const xs = new Float32Array(batch * feat);
      idx.forEach((j, r) => xs.set(data.x.subarray(j * feat, (j + 1) * feat), r * feat));
      const x = tf.tensor(xs, [batch, feat]);
      const y = tf.tensor1d(Int32Array.from(idx, (j) => data.y[j]), 'int32');
      return tf.grads((...ps: tf.Tensor[]) => loss(model.apply(x, ps), y))([...model.params]);
    });
    out.set(flatten(g), i * d);
    tf.dispose(g);
  }
  return out;
}

/** Global magnitude pruning of the prunable coordinates to `sparsity` (share of prunable set to 0). */
export function magnitudePrune(w: Float64Array, prunable: Uint8Array, sparsity: number): Float64Array {
  const idx = [...w.keys()].filter((i) => prunable[i]).sort((i, j) => Math.abs(w[i]) - Math.abs(w[j]));
  const out = Float64Array.from(w);
  for (const i of idx.slice(0, Math.round(sparsity * idx.length))) out[i] = 0;
  return out;
}

export interface C8Seed {
  rows: ClaimResult['rows'];
  dense: number;
  /** test accuracy per schedule sparsity */
  mfac: number[];
  magnitude: number[];
  /** achieved kernel sparsity per schedule point, per method */
  sparsityMfac: number[];
  sparsityMagnitude: number[];
  /** worst relative errors of M-FAC's F^-1 x against the dense solve (float64, float32 storage) */
  exact64: number;
  exact32: number;
}

export async function seedC8(p: C8Params, seed: number): Promise<C8Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const data = downsample(splits.train, 2), test = downsample(splits.test, 2);
  const model = mlp({ sizes: [196, ...p.hidden, 10] }, rng.fork('init'));
  try {
    const r = await train({ model, data, transform: adam(p.lr), batchSize: p.batchSize, steps: p.steps, rng: rng.fork('order'), progress: 'silent', label: 'C8 dense' });
    if (r.status !== 'ok') throw new Error(`C8 seed ${seed}: dense training diverged`);
    const dense = evaluate(model, test).accuracy;
    const w0 = flatten(model.params);
    const d = w0.length;
    const prunable = new Uint8Array(d);
    { let o = 0; model.params.forEach((q, i) => { if (model.paramNames[i].endsWith('/kernel')) prunable.fill(1, o, o + q.size); o += q.size; }); }
    const nPrunable = prunable.reduce((a, b) => a + b, 0);
    const kernelSparsity = (w: Float64Array) => [...w.keys()].filter((i) => prunable[i] && w[i] === 0).length / nPrunable;
    const acc = (w: Float64Array) => { assignFlat(model, w); return evaluate(model, test).accuracy; };
    const out: C8Seed = { rows: [{ seed, method: 'dense', sparsity: 0, testAccuracy: dense }], dense, mfac: [], magnitude: [], sparsityMfac: [], sparsityMagnitude: [], exact64: 0, exact32: 0 };

    // exact part: M-FAC vs a dense damped solve, on the Fisher of the trained net's gradients restricted to EXACT_D coordinates
    const grads0 = minibatchGradients(model, data, p.m, p.gradBatch, rng.fork('exact gradients'));
    const pick = rng.fork('exact coordinates').permutation(d).slice(0, EXACT_D);
    const sub = new Float64Array(p.m * EXACT_D);
    for (let i = 0; i < p.m; i++) pick.forEach((c, j) => { sub[i * EXACT_D + j] = grads0[i * d + c]; });
    const lam0 = p.dampening * sub.reduce((a, v) => a + v * v, 0) / (p.m * EXACT_D);
    const xr = rng.fork('exact vector');
    for (let trial = 0; trial < 3; trial++) {
      const x = Float64Array.from({ length: EXACT_D }, () => xr.normal());
      const ref = denseDampedSolve(sub, p.m, EXACT_D, lam0, x);
      const rel = (y: Float64Array) => Math.sqrt(y.reduce((a, v, i) => a + (v - ref[i]) ** 2, 0) / ref.reduce((a, v) => a + v * v, 0));
      out.exact64 = Math.max(out.exact64, rel(mfac(sub, p.m, EXACT_D, lam0).ihvp(x)));
      out.exact32 = Math.max(out.exact32, rel(mfac(sub, p.m, EXACT_D, lam0, { storage: 'float32' }).ihvp(x)));
    }

    // magnitude, one-shot from the trained weights
    for (const s of p.schedule) {
      const w = magnitudePrune(w0, prunable, s);
      out.magnitude.push(acc(w)); out.sparsityMagnitude.push(kernelSparsity(w));
      out.rows.push({ seed, method: 'magnitude', sparsity: s, testAccuracy: out.magnitude.at(-1)! });
    }
    // M-FAC OBS, gradual: each step recomputes the Fisher at the current weights
    let w: Float64Array = Float64Array.from(w0);
    let mask: Uint8Array = Uint8Array.from({ length: d }, () => 1);
    const gr = rng.fork('pruning gradients');
    for (const s of p.schedule) {
      assignFlat(model, w);
      const g = minibatchGradients(model, data, p.m, p.gradBatch, gr);
      const lambda = p.dampening * g.reduce((a, v) => a + v * v, 0) / (p.m * d);
      const target = Math.round(s * nPrunable);
      const removed = nPrunable - [...mask.keys()].filter((i) => prunable[i] && mask[i]).length;
      ({ w, mask } = obsPruneStep(w, mask, prunable, mfac(g, p.m, d, lambda), target - removed));
      out.mfac.push(acc(w)); out.sparsityMfac.push(kernelSparsity(w));
      out.rows.push({ seed, method: 'M-FAC OBS', sparsity: s, testAccuracy: out.mfac.at(-1)! });
    }
    return out;
  } finally {
    model.dispose();
  }
}

export function summarizeC8(p: C8Params, perSeed: C8Seed[]): ClaimResult {
  const n = p.schedule.length;
  const at = (j: number, f: 'mfac' | 'magnitude') => perSeed.map((s) => s[f][j]);
  const pct = (j: number) => `${Math.round(100 * p.schedule[j])}%`;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `mfacVsMagnitude${Math.round(100 * p.schedule[n - 1])}`,
      effects: [n - 2, n - 1].map((j) => paired(`mfacVsMagnitude${Math.round(100 * p.schedule[j])}`, `test accuracy at ${pct(j)} kernel sparsity, M-FAC OBS - magnitude (no retraining)`, at(j, 'mfac'), at(j, 'magnitude'),
        { kind: 'direction', sign: 1, smallest: MARGIN }, { unit: 'accuracy', part: 'M-FAC OBS pruning beats magnitude pruning' })),
      premise: [premise('denseTrained', 'dense test accuracy (mean over seeds)', mean(perSeed.map((s) => s.dense)), { atLeast: 0.75 })],
      checks: [
        check('ihvpFloat64', `M-FAC F^-1 x vs dense damped solve, relative error (d = ${EXACT_D}, m = ${p.m}, float64; worst over seeds)`, Math.max(...perSeed.map((s) => s.exact64)), 0, 1e-5),
        check('ihvpFloat32', 'the same with float32 storage', Math.max(...perSeed.map((s) => s.exact32)), 0, 1e-3),
        check('sameSparsity', 'largest |kernel sparsity of M-FAC - of magnitude| at a schedule point', Math.max(...perSeed.flatMap((s) => s.sparsityMfac.map((x, j) => Math.abs(x - s.sparsityMagnitude[j])))), 0, 1e-9),
      ],
      numbers: {
        seeds: perSeed.length, m: p.m, dense: mean(perSeed.map((s) => s.dense)),
        ...Object.fromEntries(p.schedule.flatMap((s, j) => [[`mfacAcc${Math.round(100 * s)}`, mean(at(j, 'mfac'))], [`magnitudeAcc${Math.round(100 * s)}`, mean(at(j, 'magnitude'))]])),
      },
    }),
    figures: figuresC8(p, perSeed),
  };
}

function figuresC8(p: C8Params, perSeed: C8Seed[]): Figure[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const x = [0, ...p.schedule.map((s) => 100 * s)];
  const line = (name: string, f: 'mfac' | 'magnitude') => ({ name, x, y: [mean(perSeed.map((s) => s.dense)), ...p.schedule.map((_, j) => mean(perSeed.map((s) => s[f][j])))], mode: 'lines+markers' as const });
  return [
    lineFigure('Test accuracy against kernel sparsity without retraining (mean over seeds)', 'kernel weights pruned (%)', 'test accuracy', [line('M-FAC OBS (gradual, Fisher recomputed)', 'mfac'), line('global magnitude', 'magnitude')]),
    barFigure(`Test accuracy at ${Math.round(100 * p.schedule.at(-1)!)}% sparsity (mean over seeds, 95% t interval)`, 'test accuracy', [
      seedBar('dense', perSeed.map((s) => s.dense)), seedBar('M-FAC OBS', perSeed.map((s) => s.mfac.at(-1)!)), seedBar('magnitude', perSeed.map((s) => s.magnitude.at(-1)!)),
    ]),
  ];
}

const common = { source: 'subset' as const, lr: 2e-3, batchSize: 64, gradBatch: 32, dampening: 0.1, schedule: [0.2, 0.4, 0.6, 0.8, 0.85, 0.9] };

export const claim = defineClaim<C8Params, C8Seed>({
  id: 'C8',
  slug: 'mfac-pruning',
  paper: 'M-FAC: Efficient Matrix-Free Approximations of Second-Order Information (Frantar, Kurtic & Alistarh, NeurIPS 2021)',
  claim: 'inverse empirical-Fisher-vector products for a sum of m rank-one terms are computed exactly by M-FAC\'s recursion in O(dm), and M-FAC-based OBS pruning beats magnitude pruning',
  setting: 'ReLU MLP on 2x-downsampled Fashion-MNIST (14 x 14), Adam; kernels pruned globally without retraining: magnitude one-shot vs M-FAC OBS in steps (20-40-60-80-85-90% at full, 50-80-85-90% at ci), the Fisher (m mini-batch gradients of 32 examples, damping 0.1 x its mean diagonal) recomputed at each step; ' +
    'exact part: M-FAC F^-1 x vs a dense Cholesky solve on 300 coordinates of the same gradients; ' +
    'full: 196-128-10 (d = 26.5k), 1000 Adam steps, m = 128, 5000/1000 examples, 10 seeds; ci: 196-32-10 (d = 6.6k), 300 steps, m = 16, 2000/1000 examples, 5 seeds',
  rule: `test accuracy at 85% and 90% kernel sparsity, M-FAC OBS - magnitude, above 0 and not wholly below ${MARGIN} (paired t over seeds); premise: dense accuracy >= 0.75; ` +
    'checks: M-FAC vs dense solve relative error <= 1e-5 (float64) and <= 1e-3 (float32 storage); both methods at the same sparsity',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 1000, nTest: 500, hidden: [16], steps: 100, m: 8, schedule: [0.5, 0.85, 0.9] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, nTest: 1000, hidden: [32], steps: 300, m: 16, schedule: [0.5, 0.8, 0.85, 0.9] },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, nTest: 1000, hidden: [128], steps: 1000, m: 128 },
  },
  seed: seedC8,
  summarize: summarizeC8,
});
