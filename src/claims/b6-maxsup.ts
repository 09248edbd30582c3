/**
 * B6. MaxSup (Zhou et al. 2025): label smoothing is cross-entropy plus eps (z_true - mean z), whose
 * part on misclassified examples pushes the wrong prediction further and collapses the feature
 * space; penalising the top-1 logit instead, eps (z_max - mean z), keeps intra-class variation
 * without costing accuracy.
 *
 * Setting: the label-smoothing family's MLP and subset (B4), arms CE, LS and MaxSup at the same eps,
 * same initialisation and batches per seed. Feature geometry of the penultimate layer by cosine
 * distance (Kornblith et al. 2021, as the MaxSup paper measures it): intra-class variation
 * d_within and class separation R^2 = 1 - d_within / d_total, on the training images (where LS's
 * collapse is described) and on held-out ones.
 */
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { cosineSpread } from '../metrics/representation.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { crossEntropy, maxSuppression, type LossFn } from '../train/losses.js';
import { evaluate, fmnistSplits } from './shared/fmnist.js';
import { FAMILY_SCALES, trainArm, type SmoothingFamilyParams } from './shared/smoothing-family.js';
import { defineClaim, type ClaimResult } from './types.js';

export type B6Params = SmoothingFamilyParams;

export const ARMS = ['CE', 'LS', 'MaxSup'] as const;
export type Arm = (typeof ARMS)[number];

interface ArmResult { accuracy: number; trainAccuracy: number; withinTrain: number; separationTrain: number; withinTest: number; separationTest: number }

export interface B6Seed {
  rows: ClaimResult['rows'];
  arms: Record<Arm, ArmResult>;
}

const lossFor = (arm: Arm, eps: number): LossFn => (arm === 'CE' ? crossEntropy() : arm === 'LS' ? crossEntropy({ smoothing: eps }) : maxSuppression(eps));

export async function seedB6(p: B6Params, seed: number): Promise<B6Seed> {
  const { train: trainSet, test } = fmnistSplits(p);
  const out: B6Seed = { rows: [], arms: {} as B6Seed['arms'] };
  for (const arm of ARMS) {
    const { model } = await trainArm(p, trainSet, seed, lossFor(arm, p.smoothing), `B6 ${arm} seed ${seed}`);
    try {
      const [tr, te] = [evaluate(model, trainSet, true), evaluate(model, test, true)];
      const sTrain = cosineSpread(tr.features!, tr.featureDim!, trainSet.y, 10);
      const sTest = cosineSpread(te.features!, te.featureDim!, test.y, 10);
      out.arms[arm] = { accuracy: te.accuracy, trainAccuracy: tr.accuracy, withinTrain: sTrain.within, separationTrain: sTrain.separation, withinTest: sTest.within, separationTest: sTest.separation };
      out.rows.push({ seed, arm, testAccuracy: te.accuracy, ...Object.fromEntries(Object.entries(out.arms[arm]).filter(([k]) => k !== 'accuracy')) });
    } finally {
      model.dispose();
    }
  }
  return out;
}

export function summarizeB6(p: B6Params, perSeed: B6Seed[]): ClaimResult {
  const v = (arm: Arm, k: keyof ArmResult) => perSeed.map((s) => s.arms[arm][k]);
  const within = pairedT(v('MaxSup', 'withinTrain'), v('LS', 'withinTrain'));
  const withinTest = pairedT(v('MaxSup', 'withinTest'), v('LS', 'withinTest'));
  const acc = pairedT(v('MaxSup', 'accuracy'), v('LS', 'accuracy'));
  const lsCollapse = pairedT(v('LS', 'withinTrain'), v('CE', 'withinTrain'));
  const m = (arm: Arm, k: keyof ArmResult) => mean(v(arm, k));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      // accuracy >= LS: the paired interval of MaxSup - LS is not entirely below 0
      status: within.lo > 0 && acc.hi >= 0 ? 'reproduced' : 'not reproduced',
      summary: `intra-class cosine distance of training features: CE ${m('CE', 'withinTrain').toFixed(3)}, LS ${m('LS', 'withinTrain').toFixed(3)} (LS - CE ${formatInterval(lsCollapse, 3)}), ` +
        `MaxSup ${m('MaxSup', 'withinTrain').toFixed(3)} (MaxSup - LS ${formatInterval(within, 3)}; on test images ${formatInterval(withinTest, 3)}); ` +
        `class separation R^2 CE ${m('CE', 'separationTrain').toFixed(3)}, LS ${m('LS', 'separationTrain').toFixed(3)}, MaxSup ${m('MaxSup', 'separationTrain').toFixed(3)}; ` +
        `test accuracy MaxSup ${m('MaxSup', 'accuracy').toFixed(3)} vs LS ${m('LS', 'accuracy').toFixed(3)}, difference ${formatInterval(acc, 3)}; ` +
        `training accuracy LS ${m('LS', 'trainAccuracy').toFixed(3)}, MaxSup ${m('MaxSup', 'trainAccuracy').toFixed(3)} (the two losses differ only on misclassified examples)`,
      numbers: {
        seeds: perSeed.length, withinCe: m('CE', 'withinTrain'), withinLs: m('LS', 'withinTrain'), withinMaxSup: m('MaxSup', 'withinTrain'),
        withinDiff: within.mean, withinDiffLo: within.lo, withinDiffHi: within.hi, withinTestDiff: withinTest.mean, withinTestDiffLo: withinTest.lo, withinTestDiffHi: withinTest.hi,
        lsCollapse: lsCollapse.mean, lsCollapseLo: lsCollapse.lo, lsCollapseHi: lsCollapse.hi,
        sepCe: m('CE', 'separationTrain'), sepLs: m('LS', 'separationTrain'), sepMaxSup: m('MaxSup', 'separationTrain'),
        accLs: m('LS', 'accuracy'), trainAccLs: m('LS', 'trainAccuracy'), trainAccMaxSup: m('MaxSup', 'trainAccuracy'), accMaxSup: m('MaxSup', 'accuracy'), accCe: m('CE', 'accuracy'), accDiff: acc.mean, accDiffLo: acc.lo, accDiffHi: acc.hi,
      },
    },
    figures: figuresB6(perSeed),
  };
}

function figuresB6(perSeed: B6Seed[]): Figure[] {
  const bars = (k: keyof ArmResult) => ARMS.map((a) => seedBar(a, perSeed.map((s) => s.arms[a][k])));
  return [
    barFigure('Intra-class variation of penultimate features, training images (mean cosine distance within a class; mean over seeds, min-max)', 'd_within', bars('withinTrain')),
    barFigure('Class separation R^2 = 1 - d_within / d_total, training images', 'R^2', bars('separationTrain')),
    barFigure('Test accuracy (mean over seeds, min-max)', 'accuracy', bars('accuracy')),
  ];
}

export const claim = defineClaim<B6Params, B6Seed>({
  id: 'B6',
  slug: 'maxsup',
  paper: 'MaxSup: Overcoming Representation Collapse in Label Smoothing (Zhou et al. 2025)',
  claim: 'penalizing the max logit instead of the true-class logit avoids label smoothing\'s representation collapse without losing accuracy',
  setting: 'B4\'s MLP and data: [784, 128, 128, 10] ReLU MLP on 1500 Fashion-MNIST images, Adam 1e-3, 50 epochs; CE, LS 0.1 and MaxSup 0.1 (CE + 0.1 (z_max - mean z)), ' +
    'same init and batches per seed; cosine-distance geometry of the penultimate features',
  rule: 'intra-class variation (mean within-class cosine distance of training features) MaxSup > LS, 95% paired t-interval above 0; test accuracy MaxSup >= LS (paired interval not entirely below 0)',
  scales: FAMILY_SCALES,
  seed: seedB6,
  summarize: summarizeB6,
});
