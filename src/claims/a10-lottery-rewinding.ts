/**
 * A10. Stabilizing the lottery ticket hypothesis (Frankle, Dziugaite, Roy & Carbin 2019): iterative
 * magnitude pruning (IMP) that rewinds the surviving weights to their values at an early iteration
 * k > 0 finds sparse subnetworks that train to the dense network's accuracy, where rewinding to
 * iteration 0 (the original lottery ticket procedure) does worse.
 *
 * Setting: LeNet-300-100 ([784, 300, 100, 10] ReLU MLP) on a Fashion-MNIST subset, Adam, a fixed
 * number of steps per training run. Per seed one initialisation theta_0 and one batch order; the dense
 * run also records theta_k. Two IMP lineages, one rewinding to theta_k (then training the remaining
 * T - k steps), one to theta_0 (training T steps): each round prunes `rate` of the kernel weights
 * still alive per layer (half that rate for the output layer, as Frankle & Carbin do; biases are kept)
 * by magnitude after training, rewinds, and retrains with the mask.
 */
import * as tf from '@tensorflow/tfjs';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { snapshotParams } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { maskUpdates, pruneMask, sparsity } from '../techniques/pruning/index.js';
import { train } from '../train/loop.js';
import { adam, chain } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A10Params extends BaseParams, FmnistSize {
  hidden: [number, number];
  lr: number;
  batchSize: number;
  /** training steps of a full run (T) */
  steps: number;
  /** rewind iteration k */
  rewindStep: number;
  rounds: number;
  /** share of the alive kernel weights pruned per round (the output layer: half) */
  rate: number;
  /** non-inferiority margins for the verdict */
  margin: number;
}

export const ARMS = ['rewind-k', 'rewind-0'] as const;
type Arm = (typeof ARMS)[number];
type Row = ClaimResult['rows'][number];

export interface A10Seed {
  rows: Row[];
  dense: number;
  /** test accuracy after each round, per arm */
  accuracy: Record<Arm, number[]>;
  /** kernel sparsity after each round */
  sparsity: number[];
}

export async function seedA10(p: A10Params, seed: number): Promise<A10Seed> {
  const rng = new Rng(seed);
  const { train: data, test } = fmnistSplits(p);
  const model = mlp({ sizes: [784, ...p.hidden, 10] }, rng.fork('init'));
  const kernels = model.paramNames.map((n) => n.endsWith('/kernel'));
  const last = kernels.lastIndexOf(true);
  const theta0 = snapshotParams(model);
  const held: tf.Tensor[] = [...theta0];
  const rows: Row[] = [];
  const fit = async (steps: number, masks: (tf.Tensor | null)[] | null, label: string) => {
    const transform = masks ? chain(adam(p.lr), maskUpdates(masks)) : adam(p.lr);
    const r = await train({ model, data, transform, batchSize: p.batchSize, steps, rng: rng.fork('order'), progress: 'silent', label });
    if (r.status !== 'ok') throw new Error(`A10 seed ${seed}: ${label} diverged`);
  };
  try {
    // the dense run is split at k to record the rewind point; its second part starts the batch order afresh, as every retraining does
    await fit(p.rewindStep, null, 'dense to k');
    const thetaK = snapshotParams(model);
    held.push(...thetaK);
    await fit(p.steps - p.rewindStep, null, 'dense');
    const dense = evaluate(model, test).accuracy;
    const trained = snapshotParams(model);
    held.push(...trained);
    rows.push({ seed, arm: 'dense', round: 0, sparsity: 0, testAccuracy: dense });
    const accuracy = { 'rewind-k': [], 'rewind-0': [] } as Record<Arm, number[]>;
    const sparsities: number[] = [];
    for (const arm of ARMS) {
      let weights = trained;
      let masks: (tf.Tensor | null)[] = model.params.map(() => null);
      for (let round = 1; round <= p.rounds; round++) {
        const next = weights.map((w, i) => (kernels[i] ? pruneMask(w, i === last ? p.rate / 2 : p.rate, masks[i] ?? undefined) : null));
        tf.dispose(masks.filter((m): m is tf.Tensor => m !== null));
        masks = next;
        const start = arm === 'rewind-k' ? thetaK : theta0;
        tf.tidy(() => model.params.forEach((q, i) => q.assign(masks[i] ? tf.mul(start[i], masks[i]!) : start[i])));
        await fit(arm === 'rewind-k' ? p.steps - p.rewindStep : p.steps, masks, `${arm} round ${round}`);
        const acc = evaluate(model, test).accuracy;
        const s = sparsity(masks);
        accuracy[arm].push(acc);
        if (arm === ARMS[0]) sparsities.push(s);
        rows.push({ seed, arm, round, sparsity: s, testAccuracy: acc });
        if (weights !== trained) tf.dispose(weights);
        weights = snapshotParams(model);
      }
      if (weights !== trained) tf.dispose(weights);
      tf.dispose(masks.filter((m): m is tf.Tensor => m !== null));
    }
    return { rows, dense, accuracy, sparsity: sparsities };
  } finally {
    tf.dispose(held);
    model.dispose();
  }
}

export function summarizeA10(p: A10Params, perSeed: A10Seed[]): ClaimResult {
  const final = (arm: Arm) => perSeed.map((s) => s.accuracy[arm].at(-1)!);
  const diff = pairedT(final('rewind-k'), final('rewind-0'));
  const vsDense = pairedT(final('rewind-k'), perSeed.map((s) => s.dense));
  const zeroVsDense = pairedT(final('rewind-0'), perSeed.map((s) => s.dense));
  const sp = perSeed[0].sparsity.at(-1)!;
  const ok = diff.mean >= 0 && diff.lo > -p.margin && vsDense.lo > -p.margin;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `at ${(100 * sp).toFixed(1)}% kernel sparsity after ${p.rounds} IMP rounds: rewind to k=${p.rewindStep} ${mean(final('rewind-k')).toFixed(3)}, ` +
        `rewind to 0 ${mean(final('rewind-0')).toFixed(3)}, dense ${mean(perSeed.map((s) => s.dense)).toFixed(3)}; k minus 0 ${formatInterval(diff, 3)}, ` +
        `k minus dense ${formatInterval(vsDense, 3)}, 0 minus dense ${formatInterval(zeroVsDense, 3)} (margin ${p.margin})`,
      numbers: {
        sparsity: sp, rewindK: mean(final('rewind-k')), rewind0: mean(final('rewind-0')), dense: mean(perSeed.map((s) => s.dense)),
        diff: diff.mean, diffLo: diff.lo, diffHi: diff.hi, vsDense: vsDense.mean, vsDenseLo: vsDense.lo, vsDenseHi: vsDense.hi,
        zeroVsDense: zeroVsDense.mean, zeroVsDenseLo: zeroVsDense.lo, zeroVsDenseHi: zeroVsDense.hi, seeds: perSeed.length,
      },
    },
    figures: figuresA10(p, perSeed),
  };
}

function figuresA10(p: A10Params, perSeed: A10Seed[]): Figure[] {
  const x = [0, ...perSeed[0].sparsity.map((s) => 100 * s)];
  const dense = mean(perSeed.map((s) => s.dense));
  return [
    lineFigure('Test accuracy vs sparsity (mean over seeds, min-max)', 'kernel weights pruned (%)', 'test accuracy', [
      ...ARMS.map((arm) => {
        const at = (r: number) => perSeed.map((s) => (r === 0 ? s.dense : s.accuracy[arm][r - 1]));
        return {
          name: arm === 'rewind-k' ? `rewind to iteration ${p.rewindStep}` : 'rewind to iteration 0', x, y: x.map((_, r) => mean(at(r))), mode: 'lines+markers' as const,
          errorLow: x.map((_, r) => Math.min(...at(r))), errorHigh: x.map((_, r) => Math.max(...at(r))),
        };
      }),
      { name: 'dense', x: [x[0], x.at(-1)!], y: [dense, dense] },
    ]),
  ];
}

const common = { source: 'subset' as const, hidden: [300, 100] as [number, number], lr: 1.2e-3, batchSize: 128, rate: 0.5, margin: 0.01 };

export const claim = defineClaim<A10Params, A10Seed>({
  id: 'A10',
  slug: 'lottery-rewinding',
  paper: 'Stabilizing the Lottery Ticket Hypothesis (Frankle, Dziugaite, Roy & Carbin 2019)',
  claim: 'iterative magnitude pruning with rewinding to an early iteration k>0 finds sparse subnetworks matching dense accuracy, where rewinding to iteration 0 does worse',
  setting: 'LeNet-300-100 on a Fashion-MNIST subset, Adam 1.2e-3, batch 128; IMP pruning 50% of the alive kernel weights per layer and round (25% in the output layer), ' +
    'two lineages per seed: rewind to iteration k (one epoch) and to iteration 0',
  rule: 'at the final sparsity: accuracy(rewind k) >= accuracy(rewind 0) (paired mean difference >= 0, 95% CI above -0.01) and >= dense - 0.01 (paired CI above -0.01)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 256, nTest: 200, steps: 20, rewindStep: 4, rounds: 1 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 5000, nTest: 1000, steps: 312, rewindStep: 39, rounds: 3 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'auto', nTrain: 60000, nTest: 10000, steps: 5000, rewindStep: 470, rounds: 4 },
  },
  seed: seedA10,
  summarize: summarizeA10,
});
