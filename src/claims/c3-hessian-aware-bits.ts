/**
 * C3 (HAWQ-V2). The average Hessian trace of a layer ranks its sensitivity to quantization: giving the
 * most bits to the layers with the largest average trace beats the reverse allocation at the same model
 * size; and Hutchinson's estimate of each layer's trace is within 5% of the exact trace.
 *
 * Method: per seed, train a 196-h-h-h-h-10 ReLU MLP on a 14x14 (2x2-averaged) Fashion-MNIST subset.
 * The three h x h hidden-to-hidden weight matrices are the layers to quantize (equal size, so every
 * assignment of the bit-widths {8, 4, 2} to them gives the same model size; the first and last layers
 * stay at 8 bits, biases in float, as is usual). Each layer's exact Hessian trace is summed from unit
 * vector HVPs (techniques/curvature/steps); Hutchinson's (Rademacher) estimate is compared with it.
 * HAWQ-V2's sensitivity of an assignment is Omega = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2 (the
 * average trace weighted by the quantization perturbation); HAWQ-V2 takes the assignment with the
 * least Omega, the reverse the one with the most. Test accuracy after quantization (no fine-tuning) is
 * compared, paired over seeds, and every permutation is reported for reference.
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
import { exactTrace } from '../techniques/curvature/steps.js';
import { quantizeSymmetric } from '../techniques/quantization/quantize.js';
import { mean } from '../stats/bootstrap.js';
import { spearman } from '../metrics/maps.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
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
  /** accuracy and HAWQ-V2 sensitivity Omega of every permutation of the bit-widths over the quantized layers */
  permutations: { bits: number[]; acc: number; omega: number }[];
  /** signed relative error of Hutchinson's trace per layer */
  traceRelErr: number[];
  /** per layer: average trace x perturbation at the lowest bit-width (how much the layers differ) */
  lowBitSensitivity: number[];
  hawq: number[];
  reverse: number[];
  float: number;
  /** parameters per quantized layer */
  sizes: number[];
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
    const traceRelErr: number[] = [];
    const sizes: number[] = [];
    for (const [layer, idx] of QUANTIZED.entries()) {
      const op = hessianOperator(loss, model.params, [idx]);
      const exact = exactTrace(op);
      const h = hutchinsonTrace(op, { samples: p.hutchinsonSamples, rng: rng.fork(`hutchinson-${layer}`) });
      avgTrace.push(h.mean / op.dim);
      traceRelErr.push((h.mean - exact) / Math.abs(exact));
      sizes.push(op.dim);
      rows.push({
        seed, kind: 'trace', layer: `hidden${layer + 1}`, params: op.dim, exactTrace: exact, hutchinson: h.mean,
        relErr: Math.abs(h.mean - exact) / Math.abs(exact), z: Math.abs(h.mean - exact) / h.stderr,
      });
    }
    // HAWQ-V2: Omega(assignment) = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2
    const weights = QUANTIZED.map((idx) => model.params[idx].dataSync());
    const pert = (layer: number, bits: number) => { const q = quantizeSymmetric(weights[layer], bits); let s = 0; for (let j = 0; j < q.length; j++) s += (q[j] - weights[layer][j]) ** 2; return s; };
    const omega = (bits: number[]) => bits.reduce((s, b, layer) => s + avgTrace[layer] * pert(layer, b), 0);
    const perms = permutations(p.bits).map((bits) => ({ bits, acc: quantizedAccuracy(model, test, bits), omega: omega(bits) }));
    const byOmega = [...perms].sort((a, b) => a.omega - b.omega);
    const hawq = byOmega[0].bits;
    const reverse = byOmega.at(-1)!.bits;
    const accOf = (bits: number[]) => perms.find((q) => q.bits.join() === bits.join())!.acc;
    const fullAcc = evaluate(model, test).accuracy;
    const lowBitSensitivity = avgTrace.map((t, layer) => t * pert(layer, Math.min(...p.bits)));
    rows.push({ seed, kind: 'accuracy', float: fullAcc, traceSpread: Math.max(...avgTrace) / Math.min(...avgTrace), sensitivitySpread: Math.max(...lowBitSensitivity) / Math.min(...lowBitSensitivity), hawq: accOf(hawq), reverse: accOf(reverse), hawqBits: hawq.join('/'), reverseBits: reverse.join('/'), meanOfPermutations: mean(perms.map((q) => q.acc)) });
    return { rows, permutations: perms, traceRelErr, lowBitSensitivity, hawq, reverse, float: fullAcc, sizes };
  } finally {
    model.dispose();
    tf.dispose([hess.x, hess.y]);
  }
}

export function summarizeC3(p: C3Params, perSeed: C3Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const traces = rows.filter((r) => r.kind === 'trace');
  const accOf = (s: C3Seed, bits: number[]) => s.permutations.find((q) => q.bits.join() === bits.join())!.acc;
  const hawqAcc = perSeed.map((s) => accOf(s, s.hawq));
  const reverseAcc = perSeed.map((s) => accOf(s, s.reverse));
  const spread = mean(perSeed.map((s) => Math.max(...s.lowBitSensitivity) / Math.min(...s.lowBitSensitivity)));
  const sizes = perSeed[0].sizes;
  const v = verdict({
    headline: 'accuracyGap',
    effects: [
      // 0.01: one point of test accuracy, the size of the gaps HAWQ-V2 reports between allocations
      paired('accuracyGap', 'test accuracy, HAWQ-V2 assignment (least Omega) - reverse (most Omega)', hawqAcc, reverseAcc, { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', part: 'sensitivity ranks layers' }),
      // the claim's 5%: Hutchinson's layer traces unbiased within +-5% of the exact trace (layers x seeds)
      meanOf('traceRelErr', 'Hutchinson layer trace / exact - 1 (3 layers x seeds)', perSeed.flatMap((s) => s.traceRelErr), { kind: 'equivalence', margin: p.tolTrace }, { unit: 'relative', part: 'Hutchinson matches the exact trace' }),
      paired('bestMinusHawq', 'test accuracy, best of all assignments - HAWQ-V2', perSeed.map((s) => Math.max(...s.permutations.map((q) => q.acc))), hawqAcc, { kind: 'non-inferiority', sign: -1, margin: 0.01 }, { unit: 'accuracy', decides: false }),
      meanOf('omegaRankCorrelation', 'Spearman correlation of -Omega with test accuracy over the assignments (per seed)', perSeed.map((s) => spearman(s.permutations.map((q) => -q.omega), s.permutations.map((q) => q.acc))), { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'correlation', decides: false }),
    ],
    // a ranking can only matter when the layers differ in sensitivity
    premise: [premise('sensitivitySpread', `most / least sensitive layer, avgTrace x ||Q_${Math.min(...p.bits)}(W) - W||^2 (mean over seeds)`, spread, { atLeast: 1.5 }, { digits: 2 })],
    checks: [check('equalSizes', 'largest - smallest quantized layer (parameters): every assignment has the same model size', Math.max(...sizes) - Math.min(...sizes), 0, 0)],
    numbers: {
      seeds: perSeed.length, accHawq: mean(hawqAcc), accReverse: mean(reverseAcc), accFloat: mean(perSeed.map((s) => s.float)),
      worstTraceRelErr: Math.max(...traces.map((r) => Number(r.relErr))), worstTraceZ: Math.max(...traces.map((r) => Number(r.z))),
      traceSpread: mean(rows.filter((r) => r.kind === 'accuracy').map((r) => Number(r.traceSpread))),
    },
  });
  const byBits = new Map<string, number[]>();
  for (const s of perSeed) for (const q of s.permutations) byBits.set(q.bits.join('/'), [...(byBits.get(q.bits.join('/')) ?? []), q.acc]);
  return {
    rows,
    verdict: v,
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
  paper: 'HAWQ-V2: Hessian Aware trace-Weighted Quantization of Neural Networks (Dong et al. 2020)',
  claim: 'the average Hessian trace ranks layer sensitivity; bits allocated by it beat the reverse allocation at the same model size',
  setting: '196-h-h-h-h-10 ReLU MLP on 14x14 Fashion-MNIST; bit-widths 8/4/2 assigned to the three equal-size hidden-to-hidden layers (first and last layer 8 bits), symmetric per-tensor quantization, ' +
    'no fine-tuning; HAWQ-V2 sensitivity Omega = sum_i (Hutchinson trace_i / n_i) ||Q(W_i) - W_i||^2, exact layer traces from unit-vector HVPs. Shrunk from the paper: equal-size dense layers ' +
    '(the paper mixes conv and dense layers of different sizes under a size budget) and no quantization-aware fine-tuning',
  rule: 'sensitivity ranks layers: test accuracy of the least-Omega assignment - the most-Omega one > 0 and not wholly short of 0.01 (paired 95% t interval); ' +
    'Hutchinson matches: mean signed relative error of the layer traces within +-0.05 (TOST); premise: most / least sensitive layer >= 1.5; check: equal layer sizes',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 300, nTest: 200, hidden: 4, epochs: 1, nHessian: 50, hutchinsonSamples: 5, ...common },
    ci: { seeds: [1, 2, 3], nTrain: 1000, nTest: 500, hidden: 6, epochs: 2, nHessian: 100, hutchinsonSamples: 15, ...common },
    // full: ~12 min on 2 cores (an HVP on 2000 examples probed at 16 ms with h = 16, ~22 ms at h = 32: (3 x 1024 exact + 3000 Hutchinson HVPs) x 22 ms + 1560 steps x 8 ms = ~147 s x 10 seeds / 2 workers)
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nTrain: 5000, nTest: 1000, hidden: 32, epochs: 20, nHessian: 2000, hutchinsonSamples: 1000, ...common },
  },
  seed: seedC3,
  summarize: summarizeC3,
});
