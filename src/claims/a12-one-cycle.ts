/**
 * A12. A disciplined approach to neural network hyper-parameters, part 1 (Smith 2018): the LR range
 * test finds the largest usable learning rate, and a one-cycle schedule peaking there reaches a target
 * accuracy in fewer epochs than training at a constant rate.
 *
 * Setting, shrunk from ResNets on CIFAR-10 to a [196, 128, 128, 10] ReLU MLP on Fashion-MNIST at 14x14,
 * SGD with momentum 0.9 for both arms (Smith also cycles the momentum; not here). Per seed: a range
 * test from the initialisation gives maxLr. One-cycle runs with each budget of a list of epoch counts
 * (the cycle spans the budget); its epochs-to-target is the smallest budget whose final test accuracy
 * reaches the target. The constant arm gets the best of three rates, maxLr x {1/10, 1/3, 1}, with its
 * epochs-to-target the first epoch its test accuracy reaches the target. A run that never reaches it
 * counts as the largest budget + 1.
 */
import { downsample } from '../data/dataset.js';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { lrRangeTest, oneCycle } from '../techniques/lr-schedules/index.js';
import { train } from '../train/loop.js';
import { momentum, type Schedule } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A12Params extends BaseParams, FmnistSize {
  hidden: number;
  batchSize: number;
  target: number;
  /** one-cycle budgets in epochs, increasing; the constant arm trains for the largest */
  budgets: number[];
  /** the constant arm's rates, as fractions of the range test's maxLr */
  constantFractions: number[];
  rangeTest: { minLr: number; maxLr: number; steps: number };
}

type Row = ClaimResult['rows'][number];

export interface A12Seed {
  rows: Row[];
  maxLr: number;
  epochsOneCycle: number;
  epochsConstant: number;
  range: { lrs: number[]; smoothed: number[] };
  /** test accuracy per epoch for the best constant rate, and the final accuracy per one-cycle budget */
  constantCurve: number[];
  oneCycleFinal: number[];
}

export async function seedA12(p: A12Params, seed: number): Promise<A12Seed> {
  const rng = new Rng(seed);
  const splits = fmnistSplits(p);
  const [data, test] = [downsample(splits.train, 2), downsample(splits.test, 2)];
  const features = data.featureShape.reduce((a, b) => a * b, 1);
  const fresh = (): Model => mlp({ sizes: [features, p.hidden, p.hidden, 10] }, rng.fork('init'));
  const stepsPerEpoch = Math.floor(data.y.length / p.batchSize);
  const never = p.budgets.at(-1)! + 1;
  const rows: Row[] = [];
  const run = async (lr: Schedule, epochs: number, onEpoch?: (acc: number) => void): Promise<number> => {
    const model = fresh();
    try {
      const r = await train({
        model, data, transform: momentum(lr, 0.9), batchSize: p.batchSize, epochs, rng: rng.fork('order'), progress: 'silent', logEvery: stepsPerEpoch,
        onLog: onEpoch ? () => { onEpoch(evaluate(model, test).accuracy); } : undefined,
      });
      return r.status === 'ok' ? evaluate(model, test).accuracy : NaN;
    } finally {
      model.dispose();
    }
  };

  const probe = fresh();
  const range = await lrRangeTest(probe, data, { optimizer: (lr) => momentum(lr, 0.9), ...p.rangeTest, batchSize: p.batchSize, rng: rng.fork('range') }).finally(() => probe.dispose());
  const maxLr = range.suggested;

  const oneCycleFinal: number[] = [];
  for (const epochs of p.budgets) {
    const acc = await run(oneCycle({ maxLr, totalSteps: epochs * stepsPerEpoch }), epochs);
    oneCycleFinal.push(acc);
    rows.push({ seed, arm: 'one-cycle', lr: maxLr, epochs, testAccuracy: acc });
  }
  const hit = p.budgets.findIndex((_, i) => oneCycleFinal[i] >= p.target);
  const epochsOneCycle = hit >= 0 ? p.budgets[hit] : never;

  let best = { epochs: Infinity, curve: [] as number[] };
  for (const f of p.constantFractions) {
    const curve: number[] = [];
    await run(f * maxLr, p.budgets.at(-1)!, (acc) => curve.push(acc));
    const first = curve.findIndex((a) => a >= p.target);
    const epochs = first >= 0 ? first + 1 : never;
    curve.forEach((acc, e) => rows.push({ seed, arm: 'constant', lr: f * maxLr, epochs: e + 1, testAccuracy: acc }));
    if (epochs < best.epochs || (epochs === best.epochs && (curve.at(-1) ?? 0) > (best.curve.at(-1) ?? 0))) best = { epochs, curve };
  }
  return { rows, maxLr, epochsOneCycle, epochsConstant: best.epochs, range: { lrs: range.lrs, smoothed: range.smoothed }, constantCurve: best.curve, oneCycleFinal };
}

export function summarizeA12(p: A12Params, perSeed: A12Seed[]): ClaimResult {
  const diff = pairedT(perSeed.map((s) => s.epochsConstant), perSeed.map((s) => s.epochsOneCycle));
  const fewer = perSeed.filter((s) => s.epochsOneCycle < s.epochsConstant).length;
  const ties = perSeed.filter((s) => s.epochsOneCycle === s.epochsConstant).length;
  const never = p.budgets.at(-1)! + 1;
  const censored = perSeed.filter((s) => s.epochsOneCycle === never || s.epochsConstant === never).length;
  const certain = diff.lo > 0 || (diff.lo === diff.hi && diff.mean > 0);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: certain ? 'reproduced' : 'not reproduced',
      summary: `epochs to ${p.target} test accuracy: one-cycle ${mean(perSeed.map((s) => s.epochsOneCycle)).toFixed(1)} vs best constant rate ${mean(perSeed.map((s) => s.epochsConstant)).toFixed(1)}, ` +
        `constant minus one-cycle ${formatInterval(diff, 2)}; one-cycle faster on ${fewer}/${perSeed.length} seeds (${ties} ties, ${censored} with a run that never reached the target); ` +
        `range-test maxLr ${mean(perSeed.map((s) => s.maxLr)).toFixed(3)}`,
      numbers: {
        epochsOneCycle: mean(perSeed.map((s) => s.epochsOneCycle)), epochsConstant: mean(perSeed.map((s) => s.epochsConstant)),
        diff: diff.mean, diffLo: diff.lo, diffHi: diff.hi, fewer, ties, censored, maxLr: mean(perSeed.map((s) => s.maxLr)), seeds: perSeed.length,
      },
    },
    figures: figuresA12(p, perSeed),
  };
}

function figuresA12(p: A12Params, perSeed: A12Seed[]): Figure[] {
  const first = perSeed[0];
  const last = p.budgets.at(-1)!;
  return [
    lineFigure(`LR range test (seed ${first.rows[0].seed}): smoothed training loss while the rate grows; suggested maxLr ${first.maxLr.toPrecision(2)}`, 'learning rate', 'smoothed loss',
      [{ name: 'smoothed loss', x: first.range.lrs, y: first.range.smoothed }], { logX: true }),
    lineFigure(`Test accuracy vs epochs (mean over seeds); target ${p.target}`, 'epochs', 'test accuracy', [
      { name: 'best constant rate, after each epoch', x: Array.from({ length: last }, (_, i) => i + 1), y: Array.from({ length: last }, (_, i) => mean(perSeed.map((s) => s.constantCurve[i]))), mode: 'lines+markers' },
      { name: 'one-cycle, at the end of a cycle of that many epochs', x: p.budgets, y: p.budgets.map((_, i) => mean(perSeed.map((s) => s.oneCycleFinal[i]))), mode: 'lines+markers' },
      { name: 'target', x: [1, last], y: [p.target, p.target] },
    ]),
  ];
}

const common = {
  source: 'subset' as const, hidden: 128, batchSize: 128, constantFractions: [0.1, 1 / 3, 1], rangeTest: { minLr: 1e-4, maxLr: 10, steps: 100 },
};

export const claim = defineClaim<A12Params, A12Seed>({
  id: 'A12',
  slug: 'one-cycle',
  paper: 'A disciplined approach to neural network hyper-parameters: Part 1 (Smith 2018)',
  claim: 'the LR range test finds a usable max lr; one-cycle reaches a target accuracy in fewer epochs than a constant lr',
  setting: '[196, 128, 128, 10] ReLU MLP on 14x14 Fashion-MNIST, SGD momentum 0.9; range test 1e-4 to 10 over 100 steps, maxLr at the smoothed-loss minimum; ' +
    'one-cycle (linear up 45%, down 45%, anneal) at several epoch budgets vs the best of constant maxLr x {1/10, 1/3, 1}',
  rule: 'epochs-to-target(one-cycle) < epochs-to-target(best constant), paired over seeds (95% t-interval of constant minus one-cycle above 0)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 500, nTest: 200, target: 0.6, budgets: [1, 2], rangeTest: { minLr: 1e-4, maxLr: 10, steps: 30 } },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 5000, nTest: 1000, target: 0.82, budgets: [1, 2, 3, 4, 6, 8] },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'auto', nTrain: 20000, nTest: 5000, target: 0.86, budgets: [1, 2, 3, 4, 6, 8, 12, 16] },
  },
  seed: seedA12,
  summarize: summarizeA12,
});
