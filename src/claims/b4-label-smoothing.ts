/**
 * B4. Label smoothing (Szegedy et al. 2016; Mueller, Kornblith & Hinton 2019, "When does label
 * smoothing help?"): training against (1 - eps) one-hot + eps/K targets improves calibration and
 * tightens each class's cluster in the penultimate layer.
 *
 * Method: for each seed, two MLPs with identical initialisation and batch order, one trained with
 * plain cross-entropy and one with eps = 0.1, long enough to overfit the training subset (which is
 * when cross-entropy models become overconfident). Measured: ECE (15 bins) on held-out test images,
 * and the within/between-class spread ratio of the training examples' penultimate activations
 * projected onto the span of the class templates (last-layer weight columns): the paper's statement
 * ("representations of training examples from the same class group in tight clusters") and its own
 * projection method. The ratio on the raw penultimate activations is reported beside it.
 * Paired over seeds.
 */
import { crossEntropy } from '../train/losses.js';
import { ece, reliabilityBins } from '../metrics/classification.js';
import { clusterRatio, projectOntoColumns } from '../metrics/representation.js';
import type { Model } from '../models/model.js';
import { mean } from '../stats/bootstrap.js';
import { paired, premise, verdict } from './kit/verdict.js';
import { barFigure, reliabilityFigure, seedBar } from '../figures/plotly.js';
import { defineClaim, type ClaimResult } from './types.js';
import { evaluate, fmnistSplits } from './shared/fmnist.js';
import { FAMILY_SCALES, trainArm, type SmoothingFamilyParams } from './shared/smoothing-family.js';

export type B4Params = SmoothingFamilyParams;

type Arm = 'ce' | 'ls';
type Bins = ReturnType<typeof reliabilityBins>;

export interface B4Seed {
  rows: ClaimResult['rows'];
  /** test-set reliability bins of each arm */
  bins: Record<Arm, Bins>;
}

/** One seed: the same initial MLP and batch order trained with plain and with smoothed targets. */
export async function seedB4(p: B4Params, seed: number): Promise<B4Seed> {
  const { train: trainSet, test } = fmnistSplits(p);
  const out: B4Seed = { rows: [], bins: { ce: [], ls: [] } };
  for (const [arm, eps] of [['ce', 0], ['ls', p.smoothing]] as const) {
    const { model, result: r } = await trainArm(p, trainSet, seed, crossEntropy({ smoothing: eps }), `B4 ${arm} seed ${seed}`);
    try {
      const ev = evaluate(model, test, true);
      const evTrain = evaluate(model, trainSet, true);
      out.bins[arm] = reliabilityBins(ev.probs, 10, test.y);
      out.rows.push({
        seed, arm, smoothing: eps, status: r.status, trainLoss: r.finalLoss, trainAcc: evTrain.accuracy, testAcc: ev.accuracy,
        ece: ece(ev.probs, 10, test.y),
        clusterRatio: templateClusterRatio(model, evTrain.features!, evTrain.featureDim!, trainSet.y),
        rawClusterRatio: clusterRatio(evTrain.features!, evTrain.featureDim!, trainSet.y, 10),
      });
    } finally {
      model.dispose();
    }
  }
  return out;
}

export function summarizeB4(p: B4Params, perSeed: B4Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const col = (arm: Arm, key: string) => rows.filter((r) => r.arm === arm).map((r) => Number(r[key]));
  const effects = [
    // calibration: 0.01 of ECE is the resolution the calibration literature reports (Guo et al. 2017,
    // Mueller et al. 2019 give ECE in percent); LS must lower ECE by at least that
    paired('eceDiff', `ECE, LS ${p.smoothing} - CE`, col('ls', 'ece'), col('ce', 'ece'), { kind: 'direction', sign: -1, smallest: 0.01 }, { unit: 'ECE (15 bins)', part: 'better calibrated' }),
    // clusters: the within/between ratio in the template plane (the paper's projection) is unit-free;
    // no size is given, so any decrease counts
    paired('ratioDiff', 'within/between-class ratio of training features in the template plane, LS - CE', col('ls', 'clusterRatio'), col('ce', 'clusterRatio'),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'ratio', part: 'tighter clusters' }),
    paired('rawRatioDiff', 'within/between-class ratio of raw penultimate features, LS - CE', col('ls', 'rawClusterRatio'), col('ce', 'rawClusterRatio'),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'ratio', decides: false }),
    paired('accDiff', 'test accuracy, LS - CE', col('ls', 'testAcc'), col('ce', 'testAcc'), { kind: 'non-inferiority', sign: 1, margin: 0.02 }, { unit: 'accuracy', decides: false }),
  ];
  return {
    rows,
    verdict: verdict({
      effects,
      headline: 'eceDiff',
      // the papers' regime: trained to (near) zero training error, where CE becomes overconfident
      premise: [premise('trainAccMin', 'training accuracy, lowest arm and seed', Math.min(...rows.map((r) => Number(r.trainAcc))), { atLeast: 0.98 })],
      numbers: { seeds: perSeed.length, eceCe: mean(col('ce', 'ece')), eceLs: mean(col('ls', 'ece')), ratioCe: mean(col('ce', 'clusterRatio')), ratioLs: mean(col('ls', 'clusterRatio')) },
    }),
    figures: [reliabilityFigure('Reliability diagram (test set, mean over seeds)', [{ name: 'cross-entropy', bins: perSeed.map((s) => s.bins.ce) }, { name: 'label smoothing', bins: perSeed.map((s) => s.bins.ls) }]),
      barFigure('Expected calibration error (test)', 'ECE', (['ce', 'ls'] as const).map((arm) => {
        const v = col(arm, 'ece');
        return seedBar(arm === 'ce' ? 'cross-entropy' : `label smoothing ${p.smoothing}`, v);
      }))],
  };
}

/** Within/between-class ratio of features projected onto the span of the last layer's class templates. */
function templateClusterRatio(model: Model, features: Float32Array, d: number, labels: Int32Array): number {
  const W = model.params[model.params.length - 2];
  const { coords, rank } = projectOntoColumns(features, d, W.dataSync(), W.shape[1]!);
  return clusterRatio(coords, rank, labels, 10);
}

export const claim = defineClaim<B4Params, B4Seed>({
  id: 'B4',
  slug: 'label-smoothing',
  paper: 'When Does Label Smoothing Help? (Müller, Kornblith & Hinton 2019); Towards Understanding Label Smoothing (Xu et al. 2020)',
  claim: 'label smoothing improves calibration and tightens class clusters in the penultimate layer',
  setting: 'MLP on a Fashion-MNIST subset trained with Adam to ~100% train accuracy (where CE becomes overconfident), CE vs LS 0.1, same init and batch order per seed ' +
    '(ci, cut to the CI budget: [784, 32, 32, 10] on 256 images, batch 128, 16 epochs; full: [784, 256, 256, 10] on 20000 images, 30 epochs)',
  rule: 'paired over seeds (95% t): better calibrated: ECE(LS 0.1) - ECE(CE) < 0 by >= 0.01; tighter clusters: within/between-class ratio of training features in the template plane, LS - CE < 0; ' +
    'reported: the ratio on raw penultimate features, test accuracy LS - CE (non-inferiority 0.02); premise: every arm trained to >= 0.98 training accuracy',
  scales: FAMILY_SCALES,
  seed: seedB4,
  summarize: summarizeB4,
});
