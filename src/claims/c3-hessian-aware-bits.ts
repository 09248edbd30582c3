/**
 * C3 (HAWQ-V2). The average Hessian trace of a layer ranks its sensitivity to quantization: HAWQ-V2's
 * sensitivity Omega = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2 picks, on the Pareto frontier of model
 * size and Omega, bit-widths that beat the reverse allocation at no smaller model size (after a short
 * quantization-aware fine-tuning, as in the paper); and Hutchinson's estimate of each layer's trace is
 * within 5% of the exact trace.
 *
 * Method: per seed, train a small CNN on 14x14 (2x2-averaged) Fashion-MNIST: two 3x3 conv layers
 * (ReLU, 2x2 average pooling) and two dense layers, so the four weight tensors to quantize differ in
 * type and in size by orders of magnitude (36, 288, 2048 and 160 weights at full). Each layer's
 * exact Hessian trace (its block of the Hessian of the training loss on nHessian examples) is summed
 * from unit-vector Hessian-vector products; Hutchinson's (Rademacher) estimate is compared with it.
 * HAWQ-V2's allocation: every assignment of the bit-widths {2, 4, 8} to the four layers is scored by
 * its size (sum_i b_i n_i bits) and its Omega (from Hutchinson's traces, as HAWQ-V2 computes them);
 * at the budget of `budgetBits` bits per weight on average, HAWQ-V2 takes the Pareto point of least
 * Omega that fits. The reverse allocation is the assignment HAWQ-V2's measure ranks worst among
 * all those of no smaller size (it gets at least as many bits, and may exceed the budget: a cap at the
 * budget leaves no alternative when the choice fills it, e.g. uniform 4-bit). Both, and uniform `budgetBits`-bit quantization, are
 * fine-tuned from the float weights for a short quantization-aware run (straight-through estimator,
 * the same batches for each arm; techniques/quantization) and their test accuracy compared, paired
 * over seeds. Post-training accuracy (before fine-tuning) of every assignment is reported too.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, toTensors } from '../data/dataset.js';
import { avgPoolCnn } from '../models/avgpool-cnn.js';
import { snapshotParams, restoreParams, type Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { hessianOperator } from '../techniques/curvature/operator.js';
import { hutchinsonTrace } from '../techniques/curvature/spectrum.js';
import { exactTrace } from '../techniques/curvature/steps.js';
import { quantizeSymmetric } from '../techniques/quantization/quantize.js';
import { paretoChoice, paretoFrontier, scoreAssignments, worstWithin, type BitAssignment } from '../techniques/quantization/pareto.js';
import { quantizationAwareFineTune, quantizeModel, quantizeWithScale, type QuantizedLayer } from '../techniques/quantization/fake-quant.js';
import { mean } from '../stats/bootstrap.js';
import { spearman } from '../metrics/maps.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { barFigure, lineFigure, seedBar } from '../figures/plotly.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C3Params extends BaseParams, FmnistSize {
  /** input downsampling factor (2: 14x14 images) */
  pool: number;
  /** output channels of the two 3x3 conv layers */
  channels: number[];
  /** width of the hidden dense layer */
  hidden: number;
  epochs: number;
  lr: number;
  batchSize: number;
  /** examples the Hessian is taken over */
  nHessian: number;
  hutchinsonSamples: number;
  /** the bit-widths a layer may take */
  bits: number[];
  /** the model-size budget, in bits per quantized weight on average */
  budgetBits: number;
  /** quantization-aware fine-tuning: epochs and Adam learning rate */
  fineTuneEpochs: number;
  fineTuneLr: number;
  /** Hutchinson's allowed relative error against the exact trace */
  tolTrace: number;
}

/** One fine-tuned arm: the assignment and its test accuracy after quantization-aware fine-tuning. */
export interface C3Arm {
  bits: number[];
  size: number;
  omega: number;
  /** test accuracy after post-training quantization (before fine-tuning) */
  ptq: number;
  /** test accuracy after quantization-aware fine-tuning */
  acc: number;
  /** largest distance of a fine-tuned quantized weight from its grid (0: the model is exactly quantized) */
  offGrid: number;
}

export interface C3Seed {
  rows: ClaimResult['rows'];
  /** every assignment: size, Omega and post-training-quantization test accuracy */
  assignments: (BitAssignment & { ptq: number })[];
  /** signed relative error of Hutchinson's trace per layer */
  traceRelErr: number[];
  /** average Hessian trace (Hutchinson) per layer */
  avgTrace: number[];
  hawq: C3Arm;
  reverse: C3Arm;
  uniform: C3Arm;
  float: number;
  budget: number;
  /** HAWQ-V2's choice is on the brute-force Pareto frontier (no assignment is as small and as insensitive with a strict gain) */
  choiceDominated: number;
}

/** Test accuracy with the quantized layers at `bits` (post-training, symmetric per tensor); restores the weights. */
function ptqAccuracy(model: Model, test: Parameters<typeof evaluate>[1], layers: readonly number[], bits: readonly number[]): number {
  const saved = snapshotParams(model);
  try {
    quantizeModel(model, layers.map((index, k) => ({ index, bits: bits[k] })));
    return evaluate(model, test).accuracy;
  } finally {
    restoreParams(model, saved);
    tf.dispose(saved);
  }
}

export async function seedC3(p: C3Params, seed: number): Promise<C3Seed> {
  const splits = fmnistSplits(p);
  const trainSet = downsample(splits.train, p.pool);
  const test = downsample(splits.test, p.pool);
  const side = 28 / p.pool;
  const d = side * side;
  const rng = new Rng(seed);
  const model = avgPoolCnn({ inputShape: [side, side, 1], channels: p.channels, hidden: [p.hidden], numClasses: 10 }, rng.fork('init'));
  const hess = toTensors({ ...trainSet, x: trainSet.x.subarray(0, p.nHessian * d), y: trainSet.y.subarray(0, p.nHessian) });
  let floatParams: tf.Tensor[] = [];
  try {
    await train({ model, data: trainSet, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('train'), label: `C3 seed ${seed}` });
    const fullAcc = evaluate(model, test).accuracy;
    // the layers to quantize: every weight tensor (conv kernels and dense kernels); biases stay float
    const layers = model.params.flatMap((w, i) => (w.shape.length >= 2 ? [i] : []));
    const names = layers.map((i) => model.paramNames[i].replace('/kernel', ''));
    const loss = (ps: readonly tf.Tensor[]) => crossEntropy()(model.apply(hess.x, ps), hess.y);
    const rows: ClaimResult['rows'] = [];
    const avgTrace: number[] = [];
    const traceRelErr: number[] = [];
    const sizes: number[] = [];
    for (const [k, idx] of layers.entries()) {
      // the layer's block of the Hessian: the Hessian of the loss as a function of that layer's weights alone
      const op = hessianOperator((qs) => loss(model.params.map((w, i) => (i === idx ? qs[0] : w))), [model.params[idx]]);
      const exact = exactTrace(op);
      const h = hutchinsonTrace(op, { samples: p.hutchinsonSamples, rng: rng.fork(`hutchinson-${k}`) });
      avgTrace.push(h.mean / op.dim);
      // (a block that is exactly zero, as in a network whose ReLUs all died, has Hutchinson's estimate exactly zero too)
      traceRelErr.push(exact === 0 && h.mean === 0 ? 0 : (h.mean - exact) / Math.abs(exact));
      sizes.push(op.dim);
      rows.push({
        seed, kind: 'trace', layer: names[k], params: op.dim, exactTrace: exact, hutchinson: h.mean, avgTrace: h.mean / op.dim,
        relErr: Math.abs(traceRelErr[k]), z: h.mean === exact ? 0 : Math.abs(h.mean - exact) / h.stderr,
      });
    }
    // HAWQ-V2: Omega(b) = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2 for every assignment; the Pareto choice at the budget
    const weights = layers.map((idx) => model.params[idx].dataSync());
    const pert = (layer: number, bits: number) => { const q = quantizeSymmetric(weights[layer], bits); let s = 0; for (let j = 0; j < q.length; j++) s += (q[j] - weights[layer][j]) ** 2; return s; };
    const budget = p.budgetBits * sizes.reduce((a, b) => a + b, 0);
    const scored = scoreAssignments(sizes, p.bits, avgTrace, pert);
    const assignments = scored.map((q) => ({ ...q, ptq: ptqAccuracy(model, test, layers, q.bits) }));
    const hawqPick = paretoChoice(scored, budget);
    const reversePick = worstWithin(scored, hawqPick.size, Infinity);
    const uniformPick = scored.find((q) => q.bits.every((b) => b === p.budgetBits))!;
    const choiceDominated = scored.filter((r) => r.size <= hawqPick.size && r.omega <= hawqPick.omega && (r.size < hawqPick.size || r.omega < hawqPick.omega)).length;
    // short quantization-aware fine-tuning of each arm from the float weights, on the same batches
    floatParams = snapshotParams(model);
    const ftRng = rng.fork('finetune');
    const arm = async (pick: BitAssignment, name: string): Promise<C3Arm> => {
      restoreParams(model, floatParams);
      const qLayers: QuantizedLayer[] = layers.map((index, k) => ({ index, bits: pick.bits[k] }));
      const { scales } = await quantizationAwareFineTune({ model, data: trainSet, layers: qLayers, transform: adam(p.fineTuneLr), batchSize: p.batchSize, epochs: p.fineTuneEpochs, rng: ftRng, label: `C3 seed ${seed} fine-tune ${name}`, progress: 'silent' });
      let offGrid = 0;
      qLayers.forEach((l, k) => { const w = model.params[l.index].dataSync(); const q = quantizeWithScale(w, l.bits, scales[k]); for (let j = 0; j < w.length; j++) offGrid = Math.max(offGrid, Math.abs(q[j] - w[j])); });
      const ptq = assignments.find((q) => q.bits.join() === pick.bits.join())!.ptq;
      return { bits: pick.bits, size: pick.size, omega: pick.omega, ptq, acc: evaluate(model, test).accuracy, offGrid };
    };
    const hawq = await arm(hawqPick, 'hawq');
    const reverse = await arm(reversePick, 'reverse');
    const uniform = await arm(uniformPick, 'uniform');
    for (const [name, a] of [['HAWQ-V2', hawq], ['reverse', reverse], [`uniform ${p.budgetBits}-bit`, uniform]] as const) {
      rows.push({ seed, kind: 'arm', arm: name, bits: a.bits.join('/'), sizeOverBudget: a.size / budget, omega: a.omega, ptq: a.ptq, fineTuned: a.acc, float: fullAcc });
    }
    return { rows, assignments, traceRelErr, avgTrace, hawq, reverse, uniform, float: fullAcc, budget, choiceDominated };
  } finally {
    tf.dispose(floatParams);
    model.dispose();
    tf.dispose([hess.x, hess.y]);
  }
}

export function summarizeC3(p: C3Params, perSeed: C3Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const traces = rows.filter((r) => r.kind === 'trace');
  const nLayers = perSeed[0].avgTrace.length;
  const acc = (k: 'hawq' | 'reverse' | 'uniform') => perSeed.map((s) => s[k].acc);
  const ptq = (k: 'hawq' | 'reverse' | 'uniform') => perSeed.map((s) => s[k].ptq);
  const v = verdict({
    headline: 'accuracyGap',
    effects: [
      // 0.01: one point of test accuracy, the size of the gaps HAWQ-V2 reports between allocations
      paired('accuracyGap', 'test accuracy after quantization-aware fine-tuning, HAWQ-V2 (Pareto choice, least Omega) - reverse (most Omega of no smaller size)', acc('hawq'), acc('reverse'), { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', part: 'sensitivity ranks layers' }),
      // the claim's 5%: Hutchinson's layer traces unbiased within +-5% of the exact trace (layers x seeds)
      meanOf('traceRelErr', `Hutchinson layer trace / exact - 1 (${nLayers} layers x seeds)`, perSeed.flatMap((s) => s.traceRelErr), { kind: 'equivalence', margin: p.tolTrace }, { unit: 'relative', part: 'Hutchinson matches the exact trace' }),
      paired('ptqGap', 'test accuracy after post-training quantization (no fine-tuning), HAWQ-V2 - reverse', ptq('hawq'), ptq('reverse'), { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', decides: false }),
      paired('hawqMinusUniform', `test accuracy after fine-tuning, HAWQ-V2 - uniform ${p.budgetBits}-bit (the budget's size)`, acc('hawq'), acc('uniform'), { kind: 'non-inferiority', sign: 1, margin: 0.01 }, { unit: 'accuracy', decides: false }),
      meanOf('omegaRankCorrelation', 'Spearman correlation of -Omega with post-training test accuracy over all assignments (per seed)', perSeed.map((s) => spearman(s.assignments.map((q) => -q.omega), s.assignments.map((q) => q.ptq)) || 0), { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'correlation', decides: false }),
    ],
    premise: [
      // the network has learned the task (chance is 0.1), so quantization has something to lose
      premise('floatAccuracy', 'float test accuracy before quantization (mean over seeds)', mean(perSeed.map((s) => s.float)), { atLeast: 0.6 }, { digits: 3 }),
      // a ranking needs layers that differ: largest / smallest average trace across the layers
      premise('traceSpread', 'largest / smallest average Hessian trace across the layers (mean over seeds)', mean(perSeed.map((s) => Math.max(...s.avgTrace) / Math.min(...s.avgTrace))), { atLeast: 1.5 }, { digits: 2 }),
      // and a budget that leaves a choice that matters by HAWQ-V2's own measure
      premise('omegaRatio', 'Omega of the reverse / HAWQ-V2 assignment (geometric mean over seeds)', Math.exp(mean(perSeed.map((s) => Math.log(s.reverse.omega / s.hawq.omega)))), { atLeast: 2 }, { digits: 2 }),
    ],
    checks: [
      check('withinBudget', 'HAWQ-V2 choices over the size budget, or reverses smaller than the choice (count over seeds)', perSeed.reduce((n, s) => n + Number(s.hawq.size > s.budget) + Number(s.reverse.size < s.hawq.size), 0), 0, 0),
      check('onFrontier', 'assignments that dominate HAWQ-V2\'s choice in (size, Omega), brute force (count over seeds)', perSeed.reduce((n, s) => n + s.choiceDominated, 0), 0, 0),
      check('onGrid', 'largest distance of a fine-tuned weight from its quantization grid', Math.max(...perSeed.flatMap((s) => [s.hawq.offGrid, s.reverse.offGrid, s.uniform.offGrid])), 0, 0),
    ],
    numbers: {
      seeds: perSeed.length, accHawq: mean(acc('hawq')), accReverse: mean(acc('reverse')), accUniform: mean(acc('uniform')), accFloat: mean(perSeed.map((s) => s.float)),
      ptqHawq: mean(ptq('hawq')), ptqReverse: mean(ptq('reverse')),
      worstTraceRelErr: Math.max(...traces.map((r) => Number(r.relErr))), worstTraceZ: Math.max(...traces.map((r) => Number(r.z))),
      hawqSizeOverBudget: mean(perSeed.map((s) => s.hawq.size / s.budget)), reverseSizeOverBudget: mean(perSeed.map((s) => s.reverse.size / s.budget)),
    },
  });
  const first = perSeed[0];
  const frontier = paretoFrontier(first.assignments);
  return {
    rows,
    verdict: v,
    figures: [
      barFigure('C3: test accuracy after quantization-aware fine-tuning (mean over seeds, 95% t interval)', 'accuracy',
        [seedBar('float', perSeed.map((s) => s.float)), seedBar('HAWQ-V2', acc('hawq')), seedBar(`uniform ${p.budgetBits}-bit`, acc('uniform')), seedBar('reverse', acc('reverse'))]),
      lineFigure(`C3: every assignment's size and HAWQ-V2 sensitivity Omega (seed ${p.seeds[0]}); budget ${p.budgetBits} bits per weight`, 'model size / budget', 'Omega', [
        { name: 'assignments', x: first.assignments.map((q) => q.size / first.budget), y: first.assignments.map((q) => q.omega), mode: 'markers' },
        { name: 'Pareto frontier', x: frontier.map((q) => q.size / first.budget), y: frontier.map((q) => q.omega), mode: 'lines+markers' },
        { name: 'HAWQ-V2, reverse', x: [first.hawq.size / first.budget, first.reverse.size / first.budget], y: [first.hawq.omega, first.reverse.omega], mode: 'markers' },
      ], { logY: true }),
      barFigure(`C3: average Hessian trace per layer (seed ${p.seeds[0]}, Hutchinson)`, 'trace / parameters',
        traces.filter((r) => r.seed === p.seeds[0]).map((r) => ({ name: `${r.layer} (${r.params})`, value: Number(r.avgTrace) }))),
    ],
  };
}

const common = { source: 'subset' as const, pool: 2, lr: 0.003, batchSize: 64, bits: [2, 4, 8], budgetBits: 4, fineTuneLr: 0.001, tolTrace: 0.05 };

export const claim = defineClaim<C3Params, C3Seed>({
  id: 'C3',
  slug: 'hessian-aware-bits',
  paper: 'HAWQ-V2: Hessian Aware trace-Weighted Quantization of Neural Networks (Dong et al. 2020)',
  claim: 'the average Hessian trace ranks layer sensitivity; bits allocated by it beat the reverse allocation at the same model size',
  setting: 'small CNN on 14x14 Fashion-MNIST (two 3x3 conv layers with ReLU and 2x2 average pooling, two dense layers); all four weight tensors quantized, symmetric per tensor, to 2, 4 or 8 bits (81 assignments), biases float; ' +
    'HAWQ-V2 sensitivity Omega = sum_i (Hutchinson trace_i / n_i) ||Q(W_i) - W_i||^2; HAWQ-V2 takes the least-Omega Pareto point within a budget of 4 bits per weight on average, the reverse the most-Omega assignment of no smaller size; ' +
    'each arm (and uniform 4-bit) then gets a short quantization-aware fine-tuning (straight-through estimator, frozen scales, Adam, the same batches). Exact layer traces from unit-vector HVPs on the layer\'s Hessian block. ' +
    'Shrunk from the paper: a 4-layer CNN of ~2.5k weights instead of ResNets / Inception, weights only (no activation quantization), one epoch of fine-tuning',
  rule: 'sensitivity ranks layers: test accuracy after fine-tuning of HAWQ-V2\'s Pareto choice - the reverse > 0 and not wholly short of 0.01 (paired 95% t interval); ' +
    'Hutchinson matches: mean signed relative error of the layer traces within +-0.05 (TOST); premises: float test accuracy >= 0.6, largest / smallest average layer trace >= 1.5, Omega(reverse) / Omega(HAWQ-V2) >= 2; ' +
    'checks: HAWQ-V2\'s choice within the budget and the reverse no smaller, HAWQ-V2\'s choice on the brute-force Pareto frontier, fine-tuned weights exactly on the grid',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 300, nTest: 200, ...common, pool: 4, channels: [2, 2], hidden: 4, epochs: 1, nHessian: 20, hutchinsonSamples: 5, fineTuneEpochs: 1 },
    // ci: width, rate and epochs from the pilot (scripts/c3-pilot.ts, seeds 1001-1010, float network only): a 4-wide hidden layer
    // died (constant predictions) on 1-2 of 10 seeds at rates >= 0.01; 8 wide at 0.02 for 5 epochs: median float accuracy
    // 0.536, none dead (0.226 at the full scale's 0.003). Fine-tuning at a third of the rate, as at full.
    ci: { seeds: [1, 2, 3], nTrain: 1000, nTest: 300, ...common, pool: 4, channels: [2, 4], hidden: 8, epochs: 5, lr: 0.02, nHessian: 50, hutchinsonSamples: 10, fineTuneEpochs: 1, fineTuneLr: 0.02 / 3 },
    // full: ~15 min on 2 free cores (a pilot seed, 1001, timed at 177 CPU s: 2.5 x 10^3 exact + 1200 Hutchinson block HVPs at
    // 22-180 ms each on 1000 examples, 1560 training steps at ~6 ms, 81 post-training evaluations, 3 fine-tuning epochs;
    // x 10 seeds / 2 workers = ~890 s), up to ~30 min when the cores are shared
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], nTrain: 5000, nTest: 1000, ...common, channels: [4, 8], hidden: 16, epochs: 20, nHessian: 1000, hutchinsonSamples: 300, fineTuneEpochs: 1 },
  },
  seed: seedC3,
  summarize: summarizeC3,
});
