/**
 * C9. HAWQ (Dong et al. 2019) and its inter-layer extension ("Augmenting Hessians with Inter-Layer
 * Dependencies for Mixed-Precision Post-Training Quantization"): the Hessian predicts how much the loss
 * grows when each layer is quantized to its own bit-width, so it ranks mixed-precision configurations
 * as exhaustive evaluation does and picks a good one at a given model size; keeping the cross-layer
 * Hessian blocks improves the ranking.
 *
 * Method: per seed, train a 4-layer MLP (49-h-h-h-10, ReLU) on a 7x7 (4x4-averaged) Fashion-MNIST
 * subset. Each of the four weight matrices is quantized (symmetric, per tensor, biases in float) to 2, 4
 * or 8 bits: 3^4 = 81 configurations, each evaluated exactly (training loss of the quantized network
 * minus the float one). The second-order prediction 1/2 dq^T H dq, dq the quantization perturbation,
 * comes from one Hessian-vector product per (layer, bit-width) (techniques/mixed-precision): layer-wise
 * (HAWQ: the diagonal blocks H_ll only) and with the cross-layer blocks H_lm. Both, and a Hessian-free
 * baseline sum_l ||dq_l||^2, are compared with the measured loss by Kendall's tau over the 81
 * configurations; at each model size the configurations take, the one with the least predicted increase
 * among those of at most that size is placed among them by its measured loss.
 */
import * as tf from '@tensorflow/tfjs';
import { downsample, featureSize, toTensors } from '../data/dataset.js';
import { barFigure, lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { hessianOperator } from '../techniques/curvature/operator.js';
import { lanczosEigenvalues } from '../techniques/curvature/spectrum.js';
import { quantizeSymmetric } from '../techniques/quantization/quantize.js';
import { configurations, kendallTau, predictLossChange, secondOrderTable } from '../techniques/mixed-precision/index.js';
import { mean } from '../stats/bootstrap.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C9Params extends BaseParams, FmnistSize {
  hidden: number;
  epochs: number;
  lr: number;
  batchSize: number;
  /** bit-widths per layer */
  bits: number[];
  /** Lanczos steps for each diagonal block's top eigenvalue (HAWQ's eigenvalue sensitivity, reported) */
  lanczosSteps: number;
}

export interface C9Config {
  bits: number[];
  /** model size in weight bits */
  size: number;
  measured: number;
  layerwise: number;
  cross: number;
  /** Hessian-free baseline: 1/2 sum_l ||dq_l||^2 */
  norm: number;
  /** HAWQ's eigenvalue form: 1/2 sum_l lambda_max(H_ll) ||dq_l||^2 */
  eigen: number;
  /** gradient term sum_l g_l^T dq_l (dropped by HAWQ) */
  first: number;
  /** the full second-order prediction: gradient term + all Hessian blocks (validates the Hessian products where the quadratic model holds) */
  full: number;
}

export interface C9Seed {
  configs: C9Config[];
  trainAccuracy: number;
  floatLoss: number;
  asymmetry: number;
  /** weights per quantized layer */
  sizes: number[];
}

/** Indices into model.params of the four weight matrices (params alternate kernel, bias). */
const LAYERS = [0, 2, 4, 6];

/** The training loss with the layers at `bits` (others untouched); restores the weights. */
function quantizedLoss(model: Model, loss: () => number, saved: Float32Array[], bits: number[]): number {
  try {
    LAYERS.forEach((idx, l) => tf.tidy(() => model.params[idx].assign(tf.tensor(quantizeSymmetric(saved[l], bits[l]), model.params[idx].shape))));
    return loss();
  } finally {
    LAYERS.forEach((idx, l) => tf.tidy(() => model.params[idx].assign(tf.tensor(saved[l], model.params[idx].shape))));
  }
}

export async function seedC9(p: C9Params, seed: number): Promise<C9Seed> {
  const data = downsample(fmnistSplits(p).train, 4);
  const rng = new Rng(seed);
  const model = mlp({ sizes: [featureSize(data), p.hidden, p.hidden, p.hidden, 10] }, rng.fork('init'));
  const { x, y } = toTensors(data);
  try {
    await train({ model, data, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('train'), progress: 'silent' });
    const lossFn = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
    const lossNow = () => tf.tidy(() => lossFn(model.params).dataSync()[0]);
    const floatLoss = lossNow();
    const trainAccuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.apply(x), 1), y), 'float32')).dataSync()[0]);
    const table = secondOrderTable(lossFn, model.params, LAYERS, p.bits, quantizeSymmetric);
    const topEig = LAYERS.map((idx, l) => lanczosEigenvalues(hessianOperator(lossFn, model.params, [idx]), { k: 1, steps: p.lanczosSteps, rng: rng.fork(`lanczos-${l}`) })[0]);
    const saved = LAYERS.map((idx) => Float32Array.from(model.params[idx].dataSync()));
    const sizes = saved.map((w) => w.length);
    const configs = configurations(LAYERS.length, p.bits.length).map((c) => {
      const bits = c.map((k) => p.bits[k]);
      return {
        bits, size: bits.reduce((s, b, l) => s + b * sizes[l], 0),
        measured: quantizedLoss(model, lossNow, saved, bits) - floatLoss,
        layerwise: predictLossChange(table, c), cross: predictLossChange(table, c, { crossLayer: true }),
        norm: 0.5 * c.reduce((s, k, l) => s + table.normSq[l][k], 0),
        eigen: 0.5 * c.reduce((s, k, l) => s + topEig[l] * table.normSq[l][k], 0),
        first: c.reduce((s, k, l) => s + table.first[l][k], 0),
        full: predictLossChange(table, c, { crossLayer: true, firstOrder: true }),
      };
    });
    return { configs, trainAccuracy, floatLoss, asymmetry: table.asymmetry, sizes };
  } finally {
    model.dispose();
    tf.dispose([x, y]);
  }
}

type Predictor = 'layerwise' | 'cross' | 'norm' | 'eigen';
const PREDICTOR_LABEL: Record<Predictor, string> = { layerwise: 'layer-wise Hessian', cross: 'with cross-layer blocks', norm: 'Hessian-free sum ||dq_l||^2', eigen: 'HAWQ top-eigenvalue sensitivity' };
const medianOf = (v: number[]) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** Where the configuration a predictor picks (least predicted increase among those of at most `budget` bits) falls by measured loss: the share of those configurations that measure strictly better (0: the best). */
export function pickPercentile(configs: C9Config[], budget: number, by: Predictor): { share: number; bits: number[]; feasible: number } {
  const feasible = configs.filter((c) => c.size <= budget);
  const pick = feasible.reduce((best, c) => (c[by] < best[by] ? c : best));
  return { share: feasible.filter((c) => c.measured < pick.measured).length / feasible.length, bits: pick.bits, feasible: feasible.length };
}

/** The size of the uniform configuration at the middle bit-width (4 of {2, 4, 8}): the budget of the figure's pick. */
const budgetOf = (p: C9Params, s: C9Seed) => p.bits[Math.floor(p.bits.length / 2)] * s.sizes.reduce((a, b) => a + b, 0);

/**
 * The picks at every model size the configurations take, except the smallest and the largest (one configuration fits the
 * smallest; all fit the largest): the mean over those budgets of the share of equal-or-smaller configurations measuring better.
 */
export function meanPickShare(configs: C9Config[], by: Predictor): number {
  const budgets = [...new Set(configs.map((c) => c.size))].sort((a, b) => a - b).slice(1, -1);
  return mean(budgets.map((b) => pickPercentile(configs, b, by).share));
}

/** Exact check: on a quadratic loss over four parameter blocks, gradient + all Hessian blocks predict every configuration's loss change (float32). */
export function quadraticIdentity(bits: number[]): number {
  const rng = new Rng(5);
  const sizes = [6, 4, 3, 5], d = 18;
  const a = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) { const v = rng.normal() / 3; a[i * d + j] = v; a[j * d + i] = v; }
  const p0 = Float32Array.from({ length: d }, () => rng.normal());
  const lossOf = (q: ArrayLike<number>) => { let s = 0; for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += 0.5 * q[i] * a[i * d + j] * q[j]; return s; };
  const offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((s, v) => s + v, 0));
  const aT = tf.tensor2d(a, [d, d]);
  const params = sizes.map((n, k) => tf.tensor1d(p0.subarray(offsets[k], offsets[k] + n)));
  try {
    const loss = (ps: tf.Tensor[]) => tf.tidy(() => { const q = tf.concat(ps); return tf.mul(0.5, tf.sum(tf.mul(q, tf.matMul(aT, q.reshape([d, 1])).reshape([d])))) as tf.Scalar; });
    const t = secondOrderTable(loss, params, [0, 1, 2, 3], bits, quantizeSymmetric);
    let worst = 0;
    for (const c of configurations(4, bits.length)) {
      const q = new Float64Array(d);
      c.forEach((k, l) => q.set(quantizeSymmetric(p0.subarray(offsets[l], offsets[l] + sizes[l]), bits[k]), offsets[l]));
      const exact = lossOf(q) - lossOf(p0);
      worst = Math.max(worst, Math.abs(predictLossChange(t, c, { crossLayer: true, firstOrder: true }) - exact) / (1 + Math.abs(exact)));
    }
    return worst;
  } finally {
    tf.dispose([aT, ...params]);
  }
}

export function summarizeC9(p: C9Params, perSeed: C9Seed[]): ClaimResult {
  const tau = (s: C9Seed, by: Predictor) => kendallTau(s.configs.map((c) => c[by]), s.configs.map((c) => c.measured));
  const taus = (by: Predictor) => perSeed.map((s) => tau(s, by));
  const picks = (by: Predictor) => perSeed.map((s) => meanPickShare(s.configs, by));
  const [tLayer, tCross, tNorm, tEigen] = (['layerwise', 'cross', 'norm', 'eigen'] as const).map(taus);
  const pickLayer = picks('layerwise'), pickCross = picks('cross'), pickNorm = picks('norm');
  const pickAt4 = perSeed.map((s) => pickPercentile(s.configs, budgetOf(p, s), 'layerwise'));
  // HAWQ drops the gradient term: how large it is next to the measured change (median over configurations, mean over seeds),
  // over all configurations and per bit class (the smallest bit-width in the configuration)
  const firstShareOf = (keep: (c: C9Config) => boolean) => mean(perSeed.map((s) => medianOf(s.configs.filter(keep).map((c) => Math.abs(c.first) / Math.max(Math.abs(c.measured), 1e-12)))));
  const firstShare = firstShareOf(() => true);
  const firstShareByClass = Object.fromEntries(p.bits.map((b) => [`firstOrderShareMin${b}Bits`, firstShareOf((c) => Math.min(...c.bits) === b)]));
  // the Hessian products on the trained network: where the quadratic model should hold (every layer at the widest bit-width),
  // gradient term + all Hessian blocks must predict the measured change (a symmetric error in the products passes hvpSymmetry)
  const widest = Math.max(...p.bits);
  const atWidest = perSeed.map((s) => s.configs.find((c) => c.bits.every((b) => b === widest))!);
  const fullError = Math.max(...atWidest.map((c) => Math.abs(c.full - c.measured) / Math.abs(c.measured)));
  // the Hessian blocks' own part there (measured - gradient term vs all blocks): reported, the gradient term dominates at 8 bits
  const hessianPartError = Math.max(...atWidest.map((c) => Math.abs(c.full - c.measured) / Math.abs(c.measured - c.first)));
  // HAWQ drops the gradient term: at the uniform middle bit-width (4 of {2, 4, 8}) it must be small next to the measured change
  const middle = p.bits[Math.floor(p.bits.length / 2)];
  const firstAtMiddle = mean(perSeed.map((s) => { const c = s.configs.find((q) => q.bits.every((b) => b === middle))!; return Math.abs(c.first) / Math.abs(c.measured); }));
  // the ranking among the configurations without the narrowest bit-width (16 of 81 at {2, 4, 8}), nearer the quadratic regime: reported
  const narrowest = Math.min(...p.bits);
  const tauWide = (by: Predictor) => perSeed.map((s) => { const cs = s.configs.filter((c) => !c.bits.includes(narrowest)); return kendallTau(cs.map((c) => c[by]), cs.map((c) => c.measured)); });
  const rows = perSeed.flatMap((s, k) => s.configs.map((c) => ({
    seed: p.seeds[k], bits: c.bits.join('/'), sizeBits: c.size, measured: c.measured, layerwise: c.layerwise, cross: c.cross, norm: c.norm, eigen: c.eigen, first: c.first, full: c.full,
  })));
  return {
    rows,
    verdict: verdict({
      headline: 'tauLayerwise',
      effects: [
        // "ranks as exhaustive search does": strong agreement; 0.5 = three in four pairs of configurations ordered alike
        meanOf('tauLayerwise', 'Kendall tau, layer-wise Hessian prediction vs measured loss change (81 configurations, per seed)', tLayer,
          { kind: 'direction', sign: 1, smallest: 0.5 }, { unit: 'tau', part: 'the Hessian ranks configurations' }),
        // a ranking any perturbation-size rule gets (fewer bits, more loss) is not the Hessian's merit: it must beat sum ||dq||^2
        paired('tauLayerwiseMinusNorm', 'Kendall tau, layer-wise Hessian - Hessian-free sum ||dq_l||^2', tLayer, tNorm,
          { kind: 'direction', sign: 1, smallest: 0.02 }, { unit: 'tau', part: 'the Hessian ranks configurations' }),
        paired('tauCrossMinusLayerwise', 'Kendall tau, with cross-layer blocks - layer-wise', tCross, tLayer,
          { kind: 'direction', sign: 1, smallest: 0.02 }, { unit: 'tau', part: 'cross-layer terms improve the ranking' }),
        // "within the top 10% of exhaustive": at every model size (budget) the configurations take, the share of equal-or-smaller
        // configurations that measure better than the pick; its mean over the budgets below 0.1
        meanOf('pickShare', 'share of configurations of at most the budget\'s size measuring better than the layer-wise Hessian pick (mean over budgets)', pickLayer,
          { kind: 'direction', sign: -1, reference: 0.1, smallest: 0 }, { unit: 'share', part: 'the Hessian pick is near the best at equal size' }),
        // a pick the Hessian-free ||dq||^2 makes as well is not the Hessian's doing: the Hessian's pick must measure better (any margin)
        paired('pickShareMinusNorm', 'pick share, layer-wise Hessian - Hessian-free sum ||dq_l||^2 (mean over budgets)', pickLayer, pickNorm,
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'share', part: 'the Hessian pick is near the best at equal size' }),
        meanOf('pickShareAt4Bits', 'share of configurations of at most uniform-4-bit size measuring better than the layer-wise pick', pickAt4.map((q) => q.share),
          { kind: 'direction', sign: -1, reference: 0.1, smallest: 0 }, { unit: 'share', decides: false }),
        meanOf('tauCross', 'Kendall tau, Hessian prediction with cross-layer blocks vs measured', tCross, { kind: 'direction', sign: 1, smallest: 0.5 }, { unit: 'tau', decides: false }),
        meanOf('tauNorm', 'Kendall tau, Hessian-free sum ||dq_l||^2 vs measured', tNorm, { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'tau', decides: false }),
        meanOf('tauEigen', 'Kendall tau, HAWQ top-eigenvalue sensitivity sum lambda_max(H_ll) ||dq_l||^2 vs measured', tEigen, { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'tau', decides: false }),
        meanOf('pickShareCross', 'share measuring better than the cross-layer pick (mean over budgets)', pickCross, { kind: 'direction', sign: -1, reference: 0.1, smallest: 0 }, { unit: 'share', decides: false }),
        meanOf('pickShareNorm', 'share measuring better than the Hessian-free pick (mean over budgets)', pickNorm, { kind: 'direction', sign: -1, reference: 0.1, smallest: 0 }, { unit: 'share', decides: false }),
        ...(['layerwise', 'cross', 'norm', 'eigen'] as const).map((by) => meanOf(`tauNo${narrowest}Bits${by[0].toUpperCase()}${by.slice(1)}`,
          `Kendall tau, ${PREDICTOR_LABEL[by]} vs measured, configurations without ${narrowest} bits`, tauWide(by), { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'tau', decides: false })),
      ],
      // HAWQ quantizes a trained model
      premise: [
        premise('trainAccuracy', 'training accuracy of the float model (mean over seeds)', mean(perSeed.map((s) => s.trainAccuracy)), { atLeast: 0.7 }, { digits: 3 }),
        premise('firstOrderAtMiddle', `|gradient term| / measured loss change with every layer at ${middle} bits (mean over seeds): HAWQ's dropped term is small`, firstAtMiddle, { atMost: 0.25 }, { digits: 3 }),
      ],
      checks: [
        check('quadraticIdentity', 'quadratic loss: gradient + all Hessian blocks vs exact loss change, worst relative error over 81 configurations (float32)', quadraticIdentity(p.bits), 0, 1e-4),
        check('hvpSymmetry', 'dq_l^T (H dq_m) vs dq_m^T (H dq_l) on the trained nets, worst relative difference (float32)', Math.max(...perSeed.map((s) => s.asymmetry)), 0, 1e-2),
        check('secondOrderAtWidest', `trained nets, all layers at ${widest} bits: gradient term + all Hessian blocks vs the measured loss change, worst relative error over seeds`, fullError, 0, 0.05),
      ],
      numbers: {
        seeds: perSeed.length, configurations: perSeed[0].configs.length, feasibleAt4Bits: pickAt4[0].feasible, firstOrderShare: firstShare, ...firstShareByClass, hessianPartErrorAtWidest: hessianPartError,
        floatLoss: mean(perSeed.map((s) => s.floatLoss)), worstMeasured: mean(perSeed.map((s) => Math.max(...s.configs.map((c) => c.measured)))),
      },
    }),
    figures: figuresC9(p, perSeed, { tLayer, tCross, tNorm, tEigen }),
  };
}

function figuresC9(p: C9Params, perSeed: C9Seed[], t: Record<string, number[]>): Figure[] {
  const s = perSeed[0];
  const pickBits = pickPercentile(s.configs, budgetOf(p, s), 'layerwise').bits.join();
  const pick = s.configs.find((c) => c.bits.join() === pickBits)!;
  return [
    lineFigure(`Predicted vs measured loss change, all 81 configurations (seed ${p.seeds[0]})`, 'measured loss change', 'predicted 1/2 dq^T H dq', [
      { name: 'layer-wise (HAWQ)', x: s.configs.map((c) => c.measured), y: s.configs.map((c) => c.layerwise), mode: 'markers' as const },
      { name: 'with cross-layer blocks', x: s.configs.map((c) => c.measured), y: s.configs.map((c) => c.cross), mode: 'markers' as const },
    ], { logX: true, logY: true }),
    barFigure('Kendall tau with the measured loss change (mean over seeds)', 'tau', [
      { name: 'layer-wise Hessian', value: mean(t.tLayer) }, { name: 'with cross-layer blocks', value: mean(t.tCross) },
      { name: 'top eigenvalue (HAWQ)', value: mean(t.tEigen) }, { name: 'Hessian-free ||dq||^2', value: mean(t.tNorm) },
    ]),
    lineFigure(`Measured loss change against model size (seed ${p.seeds[0]}); the budget is uniform 4 bits`, 'model size (weight bits)', 'measured loss change', [
      { name: 'configurations', x: s.configs.map((c) => c.size), y: s.configs.map((c) => c.measured), mode: 'markers' as const },
      { name: 'layer-wise Hessian pick at uniform-4-bit size', x: [pick.size], y: [pick.measured], mode: 'markers' as const },
    ], { logY: true }),
  ];
}

const common = { source: 'subset' as const, nTest: 10, bits: [2, 4, 8], lr: 0.01, batchSize: 64 };

export const claim = defineClaim<C9Params, C9Seed>({
  id: 'C9',
  slug: 'hawq-mixed-precision',
  paper: 'HAWQ: Hessian AWare Quantization of Neural Networks with Mixed-Precision (Dong et al. 2019); Augmenting Hessians with Inter-Layer Dependencies for Mixed-Precision Post-Training Quantization',
  claim: 'the layer-wise Hessian sensitivity ranks mixed-precision configurations as exhaustive evaluation does and picks a near-best one at equal size; adding the cross-layer Hessian blocks improves the ranking',
  setting: '49-h-h-h-10 ReLU MLP (four weight matrices) trained by Adam on a 7x7 Fashion-MNIST subset; each weight matrix quantized to 2, 4 or 8 bits (symmetric, per tensor, biases in float), ' +
    'all 81 configurations evaluated (training-loss change); prediction 1/2 dq^T H dq from one exact Hessian-vector product per (layer, bit-width), diagonal blocks only (layer-wise) or all blocks; ' +
    'Kendall tau over the configurations; picks at every model size the configurations take. Shrunk from the papers: a small MLP instead of ResNets, no fine-tuning',
  rule: 'ranking: Kendall tau (layer-wise prediction, measured) above 0 and not wholly short of 0.5 (t over seeds), and above the Hessian-free sum ||dq||^2\'s tau, not wholly short of 0.02 (paired t); ' +
    'cross-layer: tau(all blocks) - tau(layer-wise) above 0, not wholly short of 0.02 (paired t); pick: at every model size the configurations take (but the extremes), the share of configurations of at most that size ' +
    'that measure better than the layer-wise pick, its mean over sizes below 0.1 (t), and below the Hessian-free pick\'s (paired t); ' +
    'premise: float training accuracy >= 0.7, the gradient term at uniform 4 bits at most 0.25 of the measured change; checks: the full second-order prediction is exact on a quadratic loss and within 5% of the measured change on each trained net at uniform 8 bits, the Hessian products are symmetric',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 200, hidden: 8, epochs: 2, lanczosSteps: 4 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 500, hidden: 16, epochs: 30, lanczosSteps: 8 },
    // full: the shipped subset's 5000 images, h = 32 (3936 quantized weights), 30 epochs; timed on pilot seed 1001 at ~14 CPU s
    // per seed (training dominates; 12 Hessian-vector products + 4 x 20 Lanczos steps + 81 loss evaluations), ~2.5 CPU min in all
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, hidden: 32, epochs: 30, lanczosSteps: 20 },
  },
  seed: seedC9,
  summarize: summarizeC9,
});
