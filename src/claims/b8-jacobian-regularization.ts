/**
 * B8. Robust learning with Jacobian regularization (Hoffman, Roberts & Yaida 2019): penalising the
 * input-output Jacobian, (lambda / 2) ||J||_F^2 estimated from one random projection per example,
 * lowers ||J|| and makes the classifier more robust to random input corruption, at little cost on
 * clean data; the projection estimate is unbiased.
 *
 * Setting, shrunk from LeNet on MNIST to an MLP on a Fashion-MNIST subset: per seed one
 * initialisation and batch order, trained with cross-entropy alone and with the paper's lambda
 * (0.01, one projection). Measured on held-out images: the exact ||J||_F (C backward passes), test
 * accuracy under additive Gaussian noise of several scales (the same noise for both models), and,
 * on the regularised model, the projection estimate against the exact norm.
 */
import * as tf from '@tensorflow/tfjs';
import { head, size, toTensors, type Dataset } from '../data/dataset.js';
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { accuracy, argmaxRows } from '../metrics/classification.js';
import { mlp } from '../models/mlp.js';
import type { Model } from '../models/model.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { meanOf, paired, premise, verdict } from './kit/verdict.js';
import { jacobianFrobeniusSq, jacobianPenalty, jacobianProjection } from '../techniques/jacobian/index.js';
import { predictBatched, train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B8Params extends BaseParams, FmnistSize {
  hidden: number[];
  epochs: number;
  lambda: number;
  /** standard deviations of the Gaussian input noise (pixels in [0, 1]) */
  noise: number[];
  /** test images whose exact Jacobian norm is computed, and draws of the estimator on them */
  jacobianImages: number;
  estimatorDraws: number;
}

export const ARMS = ['cross-entropy', 'Jacobian regularization'] as const;
type Arm = (typeof ARMS)[number];

export interface B8Seed {
  rows: ClaimResult['rows'];
  /** mean over images of ||J(x)||_F */
  jacobian: Record<Arm, number>;
  /** test accuracy at each noise level */
  noisyAccuracy: Record<Arm, number[]>;
  /** per image of the regularised model: (mean estimate - exact) / standard error */
  estimatorZ: number[];
}

/** Accuracy on `test` with N(0, sigma^2) added to every pixel (not clipped), the noise drawn from `rng`. */
function noisyAccuracy(model: Model, test: Dataset, sigma: number, rng: Rng): number {
  const x = Float32Array.from(test.x, (v) => v + sigma * rng.normal());
  const logits = predictBatched((xb) => model.apply(xb), { ...test, x });
  const pred = argmaxRows(logits.dataSync(), logits.shape[1]!);
  logits.dispose();
  return accuracy(pred, test.y);
}

export async function seedB8(p: B8Params, seed: number): Promise<B8Seed> {
  const rng = new Rng(seed);
  const { train: data, test } = fmnistSplits(p);
  const probe = head(test, p.jacobianImages);
  const out: B8Seed = { rows: [], jacobian: {} as Record<Arm, number>, noisyAccuracy: {} as Record<Arm, number[]>, estimatorZ: [] };
  const xProbe = tf.tidy(() => toTensors(probe).x.reshape([size(probe), -1]));
  try {
    for (const arm of ARMS) {
      const model = mlp({ sizes: [784, ...p.hidden, 10] }, rng.fork('init'));
      try {
        const penalty = arm === 'Jacobian regularization' ? jacobianPenalty({ model, lambda: p.lambda, rng: rng.fork('projections') }) : undefined;
        await train({ model, data, transform: adam(1e-3), batchSize: 64, epochs: p.epochs, rng: rng.fork('order'), penalty, progress: 'silent', label: `B8 ${arm} seed ${seed}` });
        const exact = jacobianFrobeniusSq(model, xProbe);
        out.jacobian[arm] = mean(Array.from(exact, Math.sqrt));
        out.noisyAccuracy[arm] = p.noise.map((sigma) => noisyAccuracy(model, test, sigma, rng.fork(`noise ${sigma}`)));
        p.noise.forEach((sigma, k) => out.rows.push({ seed, arm, noise: sigma, testAccuracy: out.noisyAccuracy[arm][k], meanJacobianNorm: out.jacobian[arm] }));
        if (arm === 'Jacobian regularization') {
          const estimatorRng = rng.fork('estimator');
          const draws = Array.from({ length: p.estimatorDraws }, () => tf.tidy(() => Array.from(jacobianProjection(model, xProbe, estimatorRng).dataSync())));
          out.estimatorZ = Array.from(exact, (e, i) => {
            const d = draws.map((r) => r[i]);
            const se = Math.sqrt(d.reduce((s, v) => s + (v - mean(d)) ** 2, 0) / (d.length - 1) / d.length);
            return (mean(d) - e) / se;
          });
        }
      } finally {
        model.dispose();
      }
    }
  } finally {
    xProbe.dispose();
  }
  return out;
}

export function summarizeB8(p: B8Params, perSeed: B8Seed[]): ClaimResult {
  const [ce, jr] = ARMS;
  const noisyLevels = p.noise.map((sigma, k) => [sigma, k] as const).filter(([sigma]) => sigma > 0);
  // robustness: accuracy averaged over the noisy levels (sigma > 0)
  const robust = (s: B8Seed, a: Arm) => mean(noisyLevels.map(([, k]) => s.noisyAccuracy[a][k]));
  const clean = p.noise.indexOf(0);
  if (clean < 0) throw new Error('B8: the noise levels must include 0 (clean accuracy)');
  const z = perSeed.flatMap((s) => s.estimatorZ);
  const effects = [
    // robustness to random corruption: at least one point of accuracy averaged over the noise levels
    paired('noisyGain', 'test accuracy under Gaussian input noise (mean over sigma > 0), JR - CE', perSeed.map((s) => robust(s, jr)), perSeed.map((s) => robust(s, ce)),
      { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', part: 'more robust to input noise' }),
    // the norm: a reduction of at least 10% (the paper reports reductions by large factors)
    meanOf('logNormRatio', 'log(||J||_F JR / ||J||_F CE), mean over test images', perSeed.map((s) => Math.log(s.jacobian[jr] / s.jacobian[ce])),
      { kind: 'direction', sign: -1, smallest: -Math.log(0.9) }, { unit: 'log ratio', part: 'lowers ||J||' }),
    // the estimator is unbiased: its per-seed mean z against the exact ||J||_F^2 within half a Monte Carlo standard error of 0
    meanOf('estimatorBias', `projection estimate of ||J||_F^2: mean z against the exact value (${p.estimatorDraws} draws)`, perSeed.map((s) => mean(s.estimatorZ)),
      { kind: 'equivalence', target: 0, margin: 0.5 }, { unit: 'Monte Carlo standard errors', part: 'estimator unbiased', digits: 2 }),
    // "without severely degrading generalization on clean data": within 3 points (reported)
    paired('cleanDiff', 'clean test accuracy, JR - CE', perSeed.map((s) => s.noisyAccuracy[jr][clean]), perSeed.map((s) => s.noisyAccuracy[ce][clean]),
      { kind: 'non-inferiority', sign: 1, margin: 0.03 }, { unit: 'accuracy', decides: false }),
    ...noisyLevels.map(([sigma, k]) => paired(`noisyGainSigma${Math.round(sigma * 100)}`, `test accuracy at noise sigma ${sigma}, JR - CE`,
      perSeed.map((s) => s.noisyAccuracy[jr][k]), perSeed.map((s) => s.noisyAccuracy[ce][k]), { kind: 'direction', sign: 1, smallest: 0.01 }, { unit: 'accuracy', decides: false })),
  ];
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects,
      headline: 'noisyGain',
      premise: [premise('cleanAccCe', 'clean test accuracy of the CE model (chance 0.1)', mean(perSeed.map((s) => s.noisyAccuracy[ce][clean])), { atLeast: 0.5 })],
      numbers: {
        seeds: perSeed.length, normCe: mean(perSeed.map((s) => s.jacobian[ce])), normJr: mean(perSeed.map((s) => s.jacobian[jr])),
        estimatorWithin3: z.filter((v) => Math.abs(v) < 3).length / z.length, estimatorImages: z.length, estimatorMeanAbsZ: mean(z.map(Math.abs)),
      },
    }),
    figures: figuresB8(p, perSeed),
  };
}

function figuresB8(p: B8Params, perSeed: B8Seed[]): Figure[] {
  return [
    lineFigure('Test accuracy under Gaussian input noise (mean over seeds, min-max)', 'noise standard deviation (pixels in [0, 1])', 'test accuracy',
      ARMS.map((a) => {
        const v = p.noise.map((_, k) => perSeed.map((s) => s.noisyAccuracy[a][k]));
        return { name: a, mode: 'lines+markers' as const, x: p.noise, y: v.map(mean), errorLow: v.map((u) => Math.min(...u)), errorHigh: v.map((u) => Math.max(...u)) };
      })),
    barFigure('Mean Frobenius norm of the input-logit Jacobian on test images (exact; mean over seeds, 95% t interval)', '||J||_F', ARMS.map((a) => seedBar(a, perSeed.map((s) => s.jacobian[a])))),
  ];
}

const common = { source: 'subset' as const, hidden: [128, 128], lambda: 0.01, noise: [0, 0.1, 0.2, 0.3, 0.4] };

export const claim = defineClaim<B8Params, B8Seed>({
  id: 'B8',
  slug: 'jacobian-regularization',
  paper: 'Robust Learning with Jacobian Regularization (Hoffman, Roberts & Yaida 2019)',
  claim: 'penalizing the input-output Jacobian (random-projection estimate) lowers its norm and improves robustness to input noise',
  setting: '[784, 128, 128, 10] ReLU MLP on 5000 Fashion-MNIST images, Adam 1e-3, batch 64, 30 epochs (full), CE vs CE + (0.01/2) ||J||_F^2 (one projection per example, as the paper), ' +
    'same init and batches; test accuracy under N(0, sigma^2) pixel noise, sigma 0-0.4; exact ||J||_F on 200 test images (full); ' +
    'ci, cut to the CI budget: [784, 32, 32, 10] on 512 images for 3 epochs, 100 test images, exact ||J||_F on 10 with 40 estimator draws',
  rule: 'over seeds (95% t): headline, more robust: accuracy under noise averaged over sigma 0.1-0.4, JR - CE > 0 by >= 0.01 (paired); lowers ||J||: log(||J||_F JR / CE) < 0 by >= -log 0.9 (a 10% cut); ' +
    'estimator unbiased: per-seed mean z of the projection estimate against the exact ||J||_F^2 within +-0.5 standard errors (TOST); reported: clean accuracy JR - CE (non-inferiority 0.03), each sigma; premise: CE clean accuracy >= 0.5',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 200, nTest: 100, hidden: [32], epochs: 1, jacobianImages: 5, estimatorDraws: 20 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 512, nTest: 100, hidden: [32, 32], epochs: 3, jacobianImages: 10, estimatorDraws: 40 },
    // full: ~19 min on 2 cores, from step costs measured at full width (ci's tiny steps are overhead-bound): per seed 2350 steps x (35 ms CE + 53 ms JR)
    // + 1000 estimator draws x 15 ms + noisy evaluation ~3 s = 226 CPU s, x 10 seeds / 2 workers; nothing cut
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, nTrain: 5000, nTest: 1000, epochs: 30, jacobianImages: 200, estimatorDraws: 1000 },
  },
  seed: seedB8,
  summarize: summarizeB8,
});
