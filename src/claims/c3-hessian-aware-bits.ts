/**
 * C3 (HAWQ-V2). The average Hessian trace of a layer ranks its sensitivity to quantization: HAWQ-V2's
 * sensitivity Omega = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2 picks, on the Pareto frontier of model
 * size and Omega, mixed-precision bit-widths that beat (after a short quantization-aware fine-tuning, as
 * in the paper) the same procedure at the same model size when it does not know which layer has which
 * trace; and Hutchinson's estimate of each layer's trace is close to the exact trace.
 *
 * Method: per seed, train a small CNN on 14x14 (2x2-averaged) Fashion-MNIST: two 3x3 conv layers
 * (ReLU, 2x2 average pooling) and two dense layers, so the four weight tensors to quantize differ in
 * type and in size by orders of magnitude (36, 288, 2048 and 160 weights at full). Each layer's
 * exact Hessian trace (its block of the Hessian of the training loss on nHessian examples) is summed
 * from unit-vector Hessian-vector products; Hutchinson's (Rademacher) estimate is compared with it,
 * layer by layer, by its absolute relative error.
 * HAWQ-V2's allocation: every assignment of the bit-widths `bits` to the four layers is scored by its
 * size (sum_i b_i n_i bits) and its Omega (from Hutchinson's traces, as HAWQ-V2 computes them); at the
 * budget of `budgetBits` bits per weight on average (between the uniform levels, so that the budget
 * forces a trade-off; chosen on pilot seeds) HAWQ-V2 takes the Pareto point of least Omega that fits.
 * The control isolates the traces' ranking: the same Pareto procedure with the layer traces permuted
 * across the layers (each of the 23 non-identity permutations of four layers), restricted to the budget
 * and to HAWQ-V2's model size within `sizeTolerance`; its accuracy on a seed is the mean over the
 * permutations. Each distinct assignment is fine-tuned from the float weights for a short
 * quantization-aware run (straight-through estimator, the same batches for each; techniques/quantization)
 * and its test accuracy measured, paired over seeds. Reported too: the trace-free proxy (every layer the
 * same average trace, at the same size), the old reverse arm (most Omega of no smaller size) and the
 * post-training accuracies (before fine-tuning).
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
import { choiceNearSize, isUniform, paretoChoice, paretoFrontier, permutations, scoreAssignments, worstWithin, type BitAssignment } from '../techniques/quantization/pareto.js';
import { quantizationAwareFineTune, quantizeModel, quantizeWithScale, type QuantizedLayer } from '../techniques/quantization/fake-quant.js';
import { mean } from '../stats/bootstrap.js';
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
  /** the controls' model size may differ from HAWQ-V2's choice by at most this fraction of it */
  sizeTolerance: number;
  /** quantization-aware fine-tuning: epochs and Adam learning rate */
  fineTuneEpochs: number;
  fineTuneLr: number;
  /** Hutchinson's allowed absolute relative error: the worst layer of a seed, and the mean over layers */
  tolTraceWorst: number;
  tolTraceMean: number;
}

/** One fine-tuned arm: the assignment and its test accuracy after quantization-aware fine-tuning. */
export interface C3Arm {
  bits: number[];
  size: number;
  /** Omega with the true (Hutchinson) layer traces */
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
  /** every assignment: size and Omega (true traces) */
  assignments: BitAssignment[];
  /** signed relative error of Hutchinson's trace per layer (tr_hutchinson - tr_exact) / tr_exact */
  traceRelErr: number[];
  /** average Hessian trace (Hutchinson) per layer */
  avgTrace: number[];
  hawq: C3Arm;
  /** the shuffled-trace control's arm for each non-identity permutation of the layer traces */
  control: C3Arm[];
  /** the trace-free proxy (every layer the same average trace) at HAWQ-V2's size */
  proxy: C3Arm;
  /** the most-Omega assignment of no smaller size than HAWQ-V2's choice (the earlier rule's comparison) */
  reverse: C3Arm;
  float: number;
  budget: number;
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
    const omegaOf = new Map(scored.map((q) => [q.bits.join('/'), q.omega]));
    const hawqPick = paretoChoice(scored, budget);
    // the control: the same procedure with the traces permuted across the layers, at HAWQ-V2's size (within the tolerance)
    const perms = permutations(layers.length).slice(1);
    const controlPicks = perms.map((pm) => choiceNearSize(scoreAssignments(sizes, p.bits, pm.map((j) => avgTrace[j]), pert), budget, hawqPick.size, p.sizeTolerance));
    // the trace-free proxy: every layer the same average trace (Omega is the total squared perturbation), at the same size
    const proxyPick = choiceNearSize(scoreAssignments(sizes, p.bits, avgTrace.map(() => 1), pert), budget, hawqPick.size, p.sizeTolerance);
    const reversePick = worstWithin(scored, hawqPick.size, Infinity);
    // short quantization-aware fine-tuning of each distinct assignment from the float weights, on the same batches
    floatParams = snapshotParams(model);
    const ftRng = rng.fork('finetune');
    const done = new Map<string, C3Arm>();
    const arm = async (pick: BitAssignment): Promise<C3Arm> => {
      const key = pick.bits.join('/');
      const cached = done.get(key);
      if (cached) return cached;
      restoreParams(model, floatParams);
      const ptq = ptqAccuracy(model, test, layers, pick.bits);
      const qLayers: QuantizedLayer[] = layers.map((index, k) => ({ index, bits: pick.bits[k] }));
      const { scales } = await quantizationAwareFineTune({ model, data: trainSet, layers: qLayers, transform: adam(p.fineTuneLr), batchSize: p.batchSize, epochs: p.fineTuneEpochs, rng: ftRng, label: `C3 seed ${seed} fine-tune ${key}`, progress: 'silent' });
      let offGrid = 0;
      qLayers.forEach((l, k) => { const w = model.params[l.index].dataSync(); const q = quantizeWithScale(w, l.bits, scales[k]); for (let j = 0; j < w.length; j++) offGrid = Math.max(offGrid, Math.abs(q[j] - w[j])); });
      const out: C3Arm = { bits: pick.bits, size: pick.size, omega: omegaOf.get(key)!, ptq, acc: evaluate(model, test).accuracy, offGrid };
      done.set(key, out);
      return out;
    };
    const hawq = await arm(hawqPick);
    const control: C3Arm[] = [];
    for (const c of controlPicks) control.push(await arm(c));
    const proxy = await arm(proxyPick);
    const reverse = await arm(reversePick);
    const armRow = (name: string, a: C3Arm, extra: Record<string, number> = {}) =>
      rows.push({ seed, kind: 'arm', arm: name, bits: a.bits.join('/'), sizeOverBudget: a.size / budget, sizeOverHawq: a.size / hawq.size, omega: a.omega, ptq: a.ptq, fineTuned: a.acc, float: fullAcc, ...extra });
    armRow('HAWQ-V2', hawq);
    // one row per distinct control assignment, with the number of permutations that chose it
    for (const key of [...new Set(control.map((a) => a.bits.join('/')))]) armRow('shuffled-trace control', control.find((a) => a.bits.join('/') === key)!, { permutations: control.filter((a) => a.bits.join('/') === key).length });
    armRow('trace-free proxy', proxy);
    armRow('reverse', reverse);
    return { rows, assignments: scored, traceRelErr, avgTrace, hawq, control, proxy, reverse, float: fullAcc, budget };
  } finally {
    tf.dispose(floatParams);
    model.dispose();
    tf.dispose([hess.x, hess.y]);
  }
}

/** The shuffled-trace control's accuracy on a seed: the mean over the permutations (after fine-tuning, or post-training). */
function controlMean(s: C3Seed, k: 'acc' | 'ptq'): number {
  return mean(s.control.map((a) => a[k]));
}

export function summarizeC3(p: C3Params, perSeed: C3Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const traces = rows.filter((r) => r.kind === 'trace');
  const nLayers = perSeed[0].avgTrace.length;
  const acc = (k: 'hawq' | 'proxy' | 'reverse') => perSeed.map((s) => s[k].acc);
  const accControl = perSeed.map((s) => controlMean(s, 'acc'));
  const ptqControl = perSeed.map((s) => controlMean(s, 'ptq'));
  const absErr = perSeed.map((s) => s.traceRelErr.map(Math.abs));
  const mixed = perSeed.filter((s) => !isUniform(s.hawq.bits)).length;
  const pairs = perSeed.reduce((n, s) => n + s.control.length, 0);
  const differs = perSeed.reduce((n, s) => n + s.control.filter((a) => a.bits.join() !== s.hawq.bits.join()).length, 0);
  const sizeRatios = perSeed.flatMap((s) => [...s.control, s.proxy].map((a) => a.size / s.hawq.size));
  const v = verdict({
    headline: 'accuracyGap',
    effects: [
      // 0.01: one point of test accuracy, the size of the gaps HAWQ-V2 reports between allocation methods
      paired('accuracyGap', `test accuracy after quantization-aware fine-tuning, HAWQ-V2 (least Omega within the budget) - the same Pareto procedure with the layer traces permuted (mean over the ${pairs / perSeed.length} non-identity permutations; same size within ${p.sizeTolerance})`,
        acc('hawq'), accControl, { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', part: 'the Hessian ranking of layers matters' }),
      // Hutchinson per layer, by its absolute relative error: the worst of a seed's layers within 0.1, and the mean over layers within the claim's 5%
      meanOf('traceWorstRelErr', `Hutchinson's worst layer per seed, |trace - exact| / exact (max over ${nLayers} layers)`, absErr.map((e) => Math.max(...e)),
        { kind: 'non-inferiority', sign: -1, margin: p.tolTraceWorst }, { unit: 'relative', part: 'Hutchinson matches the exact trace' }),
      meanOf('traceMeanRelErr', `Hutchinson's mean layer error per seed, |trace - exact| / exact (mean over ${nLayers} layers)`, absErr.map((e) => mean(e)),
        { kind: 'non-inferiority', sign: -1, margin: p.tolTraceMean }, { unit: 'relative', part: 'Hutchinson matches the exact trace' }),
      paired('ptqGap', 'test accuracy after post-training quantization (no fine-tuning), HAWQ-V2 - shuffled-trace control', perSeed.map((s) => s.hawq.ptq), ptqControl, { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', decides: false }),
      paired('proxyGap', 'test accuracy after fine-tuning, HAWQ-V2 - trace-free proxy (every layer the same average trace, same size)', acc('hawq'), acc('proxy'), { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', decides: false }),
      paired('reverseGap', 'test accuracy after fine-tuning, HAWQ-V2 - reverse (most Omega of no smaller size; the earlier rule\'s comparison, confounded by bit-widths)', acc('hawq'), acc('reverse'), { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', decides: false }),
    ],
    premise: [
      // the network has learned the task (chance is 0.1), so quantization has something to lose
      premise('floatAccuracy', 'float test accuracy before quantization (mean over seeds)', mean(perSeed.map((s) => s.float)), { atLeast: 0.6 }, { digits: 3 }),
      // a ranking needs layers that differ: largest / smallest average trace across the layers
      premise('traceSpread', 'largest / smallest average Hessian trace across the layers (mean over seeds)', mean(perSeed.map((s) => (Math.min(...s.avgTrace) > 0 ? Math.max(...s.avgTrace) / Math.min(...s.avgTrace) : NaN))), { atLeast: 1.5 }, { digits: 2 }),
      // the traces' ranking changes the allocation: the control differs from HAWQ-V2's choice often enough for the gap to say something
      premise('controlDiffers', 'share of (seed, permutation) pairs whose shuffled-trace control differs from HAWQ-V2\'s choice', differs / pairs, { atLeast: 0.25 }, { digits: 2 }),
    ],
    checks: [
      // identities of the selection rules (they hold by construction; a failure is a bug in the instrument)
      check('sizeIdentity', 'identity: HAWQ-V2 choices over the budget, controls or proxies over the budget or outside the size tolerance of the choice, reverses smaller than the choice (count over seeds)',
        perSeed.reduce((n, s) => n + Number(s.hawq.size > s.budget) + [...s.control, s.proxy].filter((a) => a.size > s.budget || Math.abs(a.size - s.hawq.size) > p.sizeTolerance * s.hawq.size).length + Number(s.reverse.size < s.hawq.size), 0), 0, 0),
      check('onGrid', 'identity: largest distance of a fine-tuned weight from its quantization grid (fine-tuning ends by quantizing)', Math.max(...perSeed.flatMap((s) => [s.hawq, ...s.control, s.proxy, s.reverse].map((a) => a.offGrid))), 0, 0),
    ],
    numbers: {
      seeds: perSeed.length, accHawq: mean(acc('hawq')), accControl: mean(accControl), accProxy: mean(acc('proxy')), accReverse: mean(acc('reverse')), accFloat: mean(perSeed.map((s) => s.float)),
      ptqHawq: mean(perSeed.map((s) => s.hawq.ptq)), ptqControl: mean(ptqControl),
      mixedSeeds: mixed, controlPairs: pairs, controlDiffering: differs,
      proxyDiffering: perSeed.filter((s) => s.proxy.bits.join() !== s.hawq.bits.join()).length,
      worstTraceRelErr: Math.max(...traces.map((r) => Number(r.relErr))), worstTraceZ: Math.max(...traces.map((r) => Number(r.z))),
      hawqSizeOverBudget: mean(perSeed.map((s) => s.hawq.size / s.budget)), controlSizeOverHawqMin: Math.min(...sizeRatios), controlSizeOverHawqMean: mean(sizeRatios), controlSizeOverHawqMax: Math.max(...sizeRatios),
      reverseSizeOverBudget: mean(perSeed.map((s) => s.reverse.size / s.budget)),
    },
  });
  const first = perSeed[0];
  const frontier = paretoFrontier(first.assignments);
  const ctl = [...new Map(first.control.map((a) => [a.bits.join('/'), a])).values()];
  return {
    rows,
    verdict: v,
    figures: [
      barFigure('C3: test accuracy after quantization-aware fine-tuning (mean over seeds, 95% t interval)', 'accuracy',
        [seedBar('float', perSeed.map((s) => s.float)), seedBar('HAWQ-V2', acc('hawq')), seedBar('shuffled-trace control', accControl), seedBar('trace-free proxy', acc('proxy')), seedBar('reverse', acc('reverse'))]),
      lineFigure(`C3: every assignment's size and HAWQ-V2 sensitivity Omega (seed ${p.seeds[0]}); budget ${p.budgetBits} bits per weight`, 'model size / budget', 'Omega (true traces)', [
        { name: 'assignments', x: first.assignments.map((q) => q.size / first.budget), y: first.assignments.map((q) => q.omega), mode: 'markers' },
        { name: 'Pareto frontier', x: frontier.map((q) => q.size / first.budget), y: frontier.map((q) => q.omega), mode: 'lines+markers' },
        { name: 'HAWQ-V2', x: [first.hawq.size / first.budget], y: [first.hawq.omega], mode: 'markers' },
        { name: 'shuffled-trace controls', x: ctl.map((a) => a.size / first.budget), y: ctl.map((a) => a.omega), mode: 'markers' },
      ], { logY: true }),
      barFigure(`C3: average Hessian trace per layer (seed ${p.seeds[0]}, Hutchinson)`, 'trace / parameters',
        traces.filter((r) => r.seed === p.seeds[0]).map((r) => ({ name: `${r.layer} (${r.params})`, value: Number(r.avgTrace) }))),
    ],
  };
}

// bit set and budget from the pilot (scripts/c3-pilot.ts alloc, seeds 1001-1010, allocations only, no accuracy looked at): at
// {3, 4, 6, 8} and 3.5 bits per weight HAWQ-V2's choice was mixed (6/4/3/8) on 10 of 10 seeds, the shuffled-trace control
// differed from it in 151 of 230 (seed, permutation) pairs at 0.999 of its size, and the trace-free proxy on 10 of 10 seeds;
// {2, 4, 8} at 3 (the next) differed in 31 of 230 at the 5% size tolerance; budgets 3.5 and 5 with {2, 4, 8} force one assignment
const common = {
  source: 'subset' as const, pool: 2, lr: 0.003, batchSize: 64, bits: [3, 4, 6, 8], budgetBits: 3.5, sizeTolerance: 0.05, fineTuneLr: 0.001,
  tolTraceWorst: 0.1, tolTraceMean: 0.05,
};

export const claim = defineClaim<C3Params, C3Seed>({
  id: 'C3',
  slug: 'hessian-aware-bits',
  paper: 'HAWQ-V2: Hessian Aware trace-Weighted Quantization of Neural Networks (Dong et al. 2020)',
  claim: 'the average Hessian trace ranks layer sensitivity; bits allocated by it (Pareto choice of least trace-weighted perturbation within a size budget) beat the same allocation procedure blind to which layer has which trace, at the same model size',
  setting: 'small CNN on 14x14 Fashion-MNIST (two 3x3 conv layers with ReLU and 2x2 average pooling, two dense layers); all four weight tensors quantized, symmetric per tensor, to 3, 4, 6 or 8 bits (256 assignments), biases float; ' +
    'HAWQ-V2 sensitivity Omega = sum_i (Hutchinson trace_i / n_i) ||Q(W_i) - W_i||^2; HAWQ-V2 takes the least-Omega Pareto point within a budget of 3.5 bits per weight on average (between the uniform levels: a mixed-precision trade-off); ' +
    'the control takes the least Omega with the layer traces permuted across the layers (each non-identity permutation) within the budget and within 5% of HAWQ-V2\'s size; ' +
    'each distinct assignment gets a short quantization-aware fine-tuning (straight-through estimator, frozen scales, Adam, the same batches). Exact layer traces from unit-vector HVPs on the layer\'s Hessian block. ' +
    'Shrunk from the paper: a 4-layer CNN of ~2.5k weights instead of ResNets / Inception, weights only (no activation quantization), one epoch of fine-tuning',
  rule: 'the Hessian ranking of layers matters: test accuracy after fine-tuning of HAWQ-V2\'s Pareto choice - the shuffled-trace control (mean over permutations) > 0 and not wholly short of 0.01 (paired 95% t interval); ' +
    'Hutchinson matches: each seed\'s worst layer |trace - exact| / exact, averaged over seeds, below 0.1, and each seed\'s mean over layers, averaged over seeds, below 0.05 (non-inferiority, one-sided 95%; the largest single error is reported); ' +
    'premises: float test accuracy >= 0.6, largest / smallest average layer trace >= 1.5 (every layer\'s trace above 0), the control differs from HAWQ-V2\'s choice in >= 25% of (seed, permutation) pairs; ' +
    'identity checks: budgets and the size tolerance respected, fine-tuned weights exactly on the grid; reported only: the gap before fine-tuning, against the trace-free proxy and against the reverse, the share of seeds on which HAWQ-V2\'s choice is mixed precision',
  scales: {
    smoke: { seeds: [1, 2], nTrain: 300, nTest: 200, ...common, pool: 4, channels: [2, 2], hidden: 4, epochs: 1, nHessian: 20, hutchinsonSamples: 5, fineTuneEpochs: 1 },
    // ci: width, rate and epochs from the pilot (scripts/c3-pilot.ts, seeds 1001-1010, float network only): a 4-wide hidden layer
    // died (constant predictions) on 1-2 of 10 seeds at rates >= 0.01; 8 wide at 0.02 for 5 epochs: median float accuracy
    // 0.536, none dead (0.226 at the full scale's 0.003). Fine-tuning at a third of the rate, as at full.
    ci: { seeds: [1, 2, 3], nTrain: 1000, nTest: 300, ...common, pool: 4, channels: [2, 4], hidden: 8, epochs: 5, lr: 0.02, nHessian: 50, hutchinsonSamples: 10, fineTuneEpochs: 1, fineTuneLr: 0.02 / 3 },
    // full: ~15 min on 2 free cores (a pilot seed, 1001, timed at 177 CPU s: 2.5 x 10^3 exact + 1200 Hutchinson block HVPs at
    // 22-180 ms each on 1000 examples, 1560 training steps at ~6 ms, 81 post-training evaluations, 3 fine-tuning epochs;
    // x 10 seeds / 2 workers = ~890 s); the redesign adds a fine-tuning epoch (~79 steps) per distinct control assignment
    // (a handful a seed) and drops all but the arms' post-training evaluations: a few seconds a seed; the first full run took
    // 1320 s with the cores shared, so ~22-25 min now
    // seeds 11-20: the first full run (of the earlier rule) used 1-10, and this rule's Hutchinson part and premises were set
    // having seen its per-layer errors and float accuracies; the same code path would give those numbers again
    full: { seeds: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], nTrain: 5000, nTest: 1000, ...common, channels: [4, 8], hidden: 16, epochs: 20, nHessian: 1000, hutchinsonSamples: 300, fineTuneEpochs: 1 },
  },
  seed: seedC3,
  summarize: summarizeC3,
});
