/**
 * A1. Adding gradient noise (Neelakantan et al. 2015): annealed Gaussian noise with variance
 * eta / (1 + t)^0.55 added to every gradient lets a 20-layer, 50-unit ReLU network train with plain
 * SGD from a poor initialisation, where noiseless SGD stays stuck.
 *
 * Setting (the paper's section 4.1, on Fashion-MNIST instead of MNIST): weights ~ N(0, 0.1^2) ("simple
 * init"), zero biases. At that scale the signal shrinks by about half per layer, so noiseless SGD
 * sits on the chance plateau (loss ln 10). Each seed trains two networks from the same init and batch
 * order, with and without noise (lr and eta from the paper's grids). A run "succeeds" when it ends
 * without diverging and with train accuracy above `successAcc`; a run "leaves the plateau" when its
 * training loss first drops below `plateauLoss`. Measured here: noise lets every seed leave the plateau
 * (steps ~2800-4000) where noiseless SGD never does, but plain SGD at lr 0.1 can diverge afterwards,
 * which the catalogue's final-loss rule counts against noise.
 */
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { train, type TrainRecord } from '../train/loop.js';
import { addNoise, chain, sgd } from '../train/transforms.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { lineFigure } from '../figures/plotly.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';

export interface A1Params extends BaseParams, FmnistSize {
  depth: number;
  width: number;
  initStd: number;
  lr: number;
  eta: number;
  gamma: number;
  steps: number;
  batchSize: number;
  successAcc: number;
  /** a batch loss below this means the run has left the chance plateau (ln 10 = 2.303) */
  plateauLoss: number;
}

type Arm = 'none' | 'noise';
type Row = ClaimResult['rows'][number];

export interface A1Seed {
  rows: Row[];
  /** training-loss curve of each arm */
  curves: Record<Arm, TrainRecord[]>;
}

/** One seed: the same initial network and batch order trained with and without gradient noise. */
export async function seedA1(p: A1Params, seed: number): Promise<A1Seed> {
  const { train: trainSet, test } = fmnistSplits(p);
  const out: A1Seed = { rows: [], curves: { none: [], noise: [] } };
  for (const arm of ['none', 'noise'] as const) {
    const rng = new Rng(seed);
    const model = mlp({ sizes: [784, ...Array(p.depth).fill(p.width), 10], init: { std: p.initStd } }, rng.fork('init'));
    try {
      const transform = arm === 'noise' ? chain(addNoise(p.eta, p.gamma), sgd(p.lr)) : sgd(p.lr);
      const r = await train({ model, data: trainSet, transform, batchSize: p.batchSize, steps: p.steps, rng: rng.fork('train'), label: `A1 ${arm} seed ${seed}` });
      out.curves[arm] = r.history;
      const ok = r.status === 'ok';
      const trainAcc = ok ? evaluate(model, trainSet).accuracy : NaN;
      const testAcc = ok ? evaluate(model, test).accuracy : NaN;
      // a diverged run counts as a failure with the plateau loss ln 10 as its final loss
      const finalLoss = ok ? meanTail(r.history) : Math.log(10);
      const escape = r.history.find((h) => h.loss < p.plateauLoss);
      out.rows.push({ seed, arm, status: r.status, escapeStep: escape?.step ?? null, finalLoss, trainAcc, testAcc, success: ok && trainAcc > p.successAcc });
    } finally {
      model.dispose();
    }
  }
  return out;
}

export function summarizeA1(p: A1Params, perSeed: A1Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const col = (arm: Arm, key: string) => rows.filter((r) => r.arm === arm).map((r) => Number(r[key]));
  const wins = (arm: Arm) => rows.filter((r) => r.arm === arm && r.success).length;
  const escaped = (arm: Arm) => rows.filter((r) => r.arm === arm && r.escapeStep !== null).length;
  const diverged = (arm: Arm) => rows.filter((r) => r.arm === arm && r.status === 'diverged').length;
  const dLoss = pairedT(col('noise', 'finalLoss'), col('none', 'finalLoss'));
  const reproduced = wins('noise') > wins('none') && dLoss.hi < 0;
  const n = p.seeds.length;
  const finite = (v: number[]) => v.filter(Number.isFinite);
  return {
    rows,
    verdict: {
      status: reproduced ? 'reproduced' : 'not reproduced',
      summary: `left the plateau: noise ${escaped('noise')}/${n}, no noise ${escaped('none')}/${n}; diverged afterwards: noise ${diverged('noise')}/${n}; ` +
        `successes (train acc > ${p.successAcc}): noise ${wins('noise')}/${n}, no noise ${wins('none')}/${n}; ` +
        `final train loss noise - none = ${formatInterval(dLoss)} (paired t, 95%); mean test acc noise ${mean(finite(col('noise', 'testAcc'))).toFixed(3)} vs ${mean(finite(col('none', 'testAcc'))).toFixed(3)}`,
      numbers: {
        successNoise: wins('noise'), successNone: wins('none'), seeds: n,
        escapedNoise: escaped('noise'), escapedNone: escaped('none'), divergedNoise: diverged('noise'), divergedNone: diverged('none'),
        lossDiff: dLoss.mean, lossDiffLo: dLoss.lo, lossDiffHi: dLoss.hi,
      },
    },
    figures: [lineFigure(`Training loss, ${p.depth} x ${p.width} ReLU MLP, init N(0, ${p.initStd}^2)`, 'step', 'train loss (batch)',
      (['none', 'noise'] as const).flatMap((arm) => perSeed.map((s, i) => ({
        name: `${arm === 'noise' ? `noise eta=${p.eta}` : 'no noise'} seed ${p.seeds[i]}`, x: s.curves[arm].map((r) => r.step), y: s.curves[arm].map((r) => r.loss),
      }))))],
  };
}

/** Mean of the last 10% of the recorded batch losses (a single batch loss is noisy). */
function meanTail(h: TrainRecord[]): number {
  const k = Math.max(1, Math.floor(h.length / 10));
  return mean(h.slice(-k).map((r) => r.loss));
}

export const claim = defineClaim<A1Params, A1Seed>({
  id: 'A1',
  slug: 'gradient-noise',
  paper: 'Adding Gradient Noise Improves Learning for Very Deep Networks (Neelakantan et al. 2015)',
  claim: 'annealed Gaussian gradient noise (variance eta/(1+t)^0.55) lets a 20-layer plain MLP train with SGD from a poor init where noiseless SGD fails',
  setting: '20 x 50 ReLU MLP, init N(0, 0.1^2), SGD lr 0.1, eta 0.01, batch 128, Fashion-MNIST; same init and batches with and without noise',
  rule: 'more seeds succeed with noise, and mean final train loss lower with noise (paired, >= 5 seeds)',
  scales: {
    smoke: { seeds: [1, 2], source: 'subset', nTrain: 500, nTest: 100, depth: 20, width: 50, initStd: 0.1, lr: 0.1, eta: 0.01, gamma: 0.55, steps: 20, batchSize: 64, successAcc: 0.5, plateauLoss: 2 },
    ci: { seeds: [1, 2, 3, 4, 5], source: 'subset', nTrain: 5000, nTest: 1000, depth: 20, width: 50, initStd: 0.1, lr: 0.1, eta: 0.01, gamma: 0.55, steps: 6000, batchSize: 128, successAcc: 0.5, plateauLoss: 2 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], source: 'auto', nTrain: 60000, nTest: 10000, depth: 20, width: 50, initStd: 0.1, lr: 0.1, eta: 0.01, gamma: 0.55, steps: 20000, batchSize: 128, successAcc: 0.5, plateauLoss: 2 },
  },
  seed: seedA1,
  summarize: summarizeA1,
});
