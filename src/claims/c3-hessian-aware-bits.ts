/**
 * C3 (HAWQ-V2). The average Hessian trace of a layer ranks its sensitivity to quantization: giving the
 * most bits to the layers with the largest average trace beats the reverse allocation at the same model
 * size; and Hutchinson's estimate of each layer's trace is within 5% of the exact trace.
 *
 * Method: per seed, train a 196-h-h-h-h-10 ReLU MLP on a 14x14 (2x2-averaged) Fashion-MNIST subset.
 * The three h x h hidden-to-hidden weight matrices are the layers to quantize (equal size, so every
 * assignment of the bit-widths {8, 4, 2} to them gives the same model size; the first and last layers
 * stay at 8 bits, biases in float, as is usual). Each layer's exact Hessian trace is summed from unit
 * vector HVPs; Hutchinson's (Rademacher) estimate is compared with it. Bits go by the Hutchinson
 * average trace (HAWQ-V2 order) and by the reverse order; test accuracy after quantization (no
 * fine-tuning) is compared, paired over seeds, and every permutation is reported for reference.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, toTensors } from '../data/dataset.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { hessianOperator } from '../techniques/curvature/operator.js';
import { hutchinsonTrace } from '../techniques/curvature/spectrum.js';
import { allocateBySensitivity, quantizeSymmetric } from '../techniques/quantization/quantize.js';
import { mean, pairedT } from '../stats/bootstrap.js';
import { barFigure } from '../figures/plotly.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C3Params extends BaseParams, FmnistSize {
  hidden: number;
  epochs: number;
  lr: number;
  batchSize: number;
  /** examples the Hessian is taken over */
  nHessian: number;
  hutchinsonSamples: number;
  bits: number[];
  /** Hutchinson's allowed relative error against the exact trace */
  tolTrace: number;
}

export interface C3Seed {
  rows: ClaimResult['rows'];
  /** accuracy of every permutation of the bit-widths over the quantized layers */
  permutations: { bits: number[]; acc: number }[];
}

/** Indices into model.params of the hidden-to-hidden weight matrices (params alternate kernel, bias). */
const QUANTIZED = [2, 4, 6];

function permutations<T>(xs: T[]): T[][] {
  return xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Test accuracy with the quantized layers at `bits` and the other kernels at 8 bits; restores the weights. */
function quantizedAccuracy(model: Model, test: Parameters<typeof evaluate>[1], bits: number[]): number {
  const saved = model.params.map((p) => p.dataSync().slice());
  try {
    model.params.forEach((p, i) => {
      if (p.shape.length !== 2) return; // biases stay in float
      const q = QUANTIZED.indexOf(i);
      tf.tidy(() => p.assign(tf.tensor(quantizeSymmetric(saved[i], q >= 0 ? bits[q] : 8), p.shape)));
    });
    return evaluate(model, test).accuracy;
  } finally {
    model.params.forEach((p, i) => tf.tidy(() => p.assign(tf.tensor(saved[i], p.shape))));
  }
}

/** Exact trace of a diagonal block: the sum of e_i . H e_i over the block's coordinates. */
function exactTrace(op: { dim: number; apply(v: Float64Array): Float64Array }): number {
  let t = 0;
  const e = new Float64Array(op.dim);
  for (let i = 0; i < op.dim; i++) {
    e[i] = 1;
    t += op.apply(e)[i];
    e[i] = 0;
  }
  return t;
}

export async function seedC3(p: C3Params, seed: number): Promise<C3Seed> {
  const splits = fmnistSplits(p);
  const trainSet = downsample(splits.train, 2);
  const test = downsample(splits.test, 2);
  const rng = new Rng(seed);
  const model = mlp({ sizes: [196, p.hidden, p.hidden, p.hidden, p.hidden, 10] }, rng.fork('init'));
  const hess = toTensors({ ...trainSet, x: trainSet.x.subarray(0, p.nHessian * 196), y: trainSet.y.subarray(0, p.nHessian) });
  try {
    await train({ model, data: trainSet, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('train'), label: `C3 seed ${seed}` });
    const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(hess.x, ps), hess.y);
    const rows: ClaimResult['rows'] = [];
    const avgTrace: number[] = [];
    for (const [layer, idx] of QUANTIZED.entries()) {
      const op = hessianOperator(loss, model.params, [idx]);
      const exact = exactTrace(op);
      const h = hutchinsonTrace(op, { samples: p.hutchinsonSamples, rng: rng.fork(`hutchinson-${layer}`) });
      avgTrace.push(h.mean / op.dim);
      rows.push({
        seed, kind: 'trace', layer: `hidden${layer + 1}`, params: op.dim, exactTrace: exact, hutchinson: h.mean,
        relErr: Math.abs(h.mean - exact) / Math.abs(exact), z: Math.abs(h.mean - exact) / h.stderr,
      });
    }
    const hawq = allocateBySensitivity(avgTrace, p.bits);
    const reverse = allocateBySensitivity(avgTrace.map((t) => -t), p.bits);
    const perms = permutations(p.bits).map((bits) => ({ bits, acc: quantizedAccuracy(model, test, bits) }));
    const accOf = (bits: number[]) => perms.find((q) => q.bits.join() === bits.join())!.acc;
    const fullAcc = evaluate(model, test).accuracy;
    rows.push({ seed, kind: 'accuracy', float: fullAcc, traceSpread: Math.max(...avgTrace) / Math.min(...avgTrace), hawq: accOf(hawq), reverse: accOf(reverse), hawqBits: hawq.join('/'), reverseBits: reverse.join('/'), meanOfPermutations: mean(perms.map((q) => q.acc)) });
    return { rows, permutations: perms };
  } finally {
    model.dispose();
    tf.dispose([hess.x, hess.y]);
  }
}

export function summarizeC3(p: C3Params, perSeed: C3Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const acc = rows.filter((r) => r.kind === 'accuracy');
  const traces = rows.filter((r) => r.kind === 'trace');
  const diff = pairedT(acc.map((r) => Number(r.hawq)), acc.map((r) => Number(r.reverse)));
  const worstRelErr = Math.max(...traces.map((r) => Number(r.relErr)));
  const numbers = {
    worstTraceZ: Math.max(...traces.map((r) => Number(r.z))), traceSpread: mean(acc.map((r) => Number(r.traceSpread))),
    accWorstPermutation: Math.min(...perSeed.flatMap((s) => s.permutations.map((q) => q.acc))),
    accHawq: mean(acc.map((r) => Number(r.hawq))), accReverse: mean(acc.map((r) => Number(r.reverse))), accFloat: mean(acc.map((r) => Number(r.float))),
    accDiff: diff.mean, accDiffLo: diff.lo, accDiffHi: diff.hi, worstTraceRelErr: worstRelErr, seeds: p.seeds.length,
  };
  const ok = diff.lo > 0 && worstRelErr < p.tolTrace;
  const byBits = new Map<string, number[]>();
  for (const s of perSeed) for (const q of s.permutations) byBits.set(q.bits.join('/'), [...(byBits.get(q.bits.join('/')) ?? []), q.acc]);
  return {
    rows,
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `test accuracy with bits by average Hessian trace ${numbers.accHawq.toFixed(3)} vs reverse ${numbers.accReverse.toFixed(3)} ` +
        `(float ${numbers.accFloat.toFixed(3)}): difference ${diff.mean.toFixed(3)} [${diff.lo.toFixed(3)}, ${diff.hi.toFixed(3)}] (paired, ${p.seeds.length} seeds); ` +
        `Hutchinson layer traces within ${(100 * worstRelErr).toFixed(1)}% of exact (rule: < ${100 * p.tolTrace}%; ${numbers.worstTraceZ.toFixed(1)} standard errors); ` +
        `the largest layer's average trace is ${numbers.traceSpread.toFixed(2)}x the smallest's`,
      numbers,
    },
    figures: [
      barFigure('C3: test accuracy of each bit assignment to hidden layers 1/2/3 (mean over seeds)', 'accuracy',
        [...byBits].map(([bits, accs]) => ({ name: bits, value: mean(accs) }))),
      barFigure('C3: average Hessian trace per hidden layer (first seed, Hutchinson)', 'trace / parameters',
        traces.filter((r) => r.seed === p.seeds[0]).map((r) => ({ name: String(r.layer), value: Number(r.hutchinson) / Number(r.params) }))),
    ],
  };
}

const common = { source: 'subset' as const, lr: 0.003, batchSize: 64, bits: [8, 4, 2], tolTrace: 0.05 };

export const claim = defineClaim<C3Params, C3Seed>({
  id: 'C3',
  slug: 'hessian-aware-bits',
  paper: 'HAWQ-V2: Hessian Aware trace-Weighted Quantization of Neural Networks',
  claim: 'the average Hessian trace ranks layer sensitivity; bits allocated by it beat the reverse allocation at the same model size',
  setting: '196-h-h-h-h-10 ReLU MLP on 14x14 Fashion-MNIST; bit-widths 8/4/2 assigned to the three equal-size hidden-to-hidden layers (first and last layer 8 bits), symmetric per-tensor quantization, no fine-tuning; exact layer traces from unit-vector HVPs',
  rule: 'test accuracy (HAWQ order) > (reverse order), paired 95% t interval above 0; Hutchinson layer traces within 5% of exact',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 300, nTest: 200, hidden: 8, epochs: 1, nHessian: 100, hutchinsonSamples: 20, ...common },
    ci: { seeds: [1, 2, 3, 4, 5], nTrain: 3000, nTest: 1000, hidden: 24, epochs: 10, nHessian: 1000, hutchinsonSamples: 300, ...common },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nTrain: 5000, nTest: 1000, hidden: 32, epochs: 20, nHessian: 2000, hutchinsonSamples: 1000, ...common },
  },
  seed: seedC3,
  summarize: summarizeC3,
});
