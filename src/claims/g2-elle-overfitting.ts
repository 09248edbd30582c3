/**
 * G2. Efficient local linearity regularization to overcome catastrophic overfitting (Abad Rocamora et al.
 * 2024): single-step (FGSM) adversarial training catastrophically overfits at large eps (PGD accuracy
 * collapses while the FGSM accuracy it trains on keeps rising); ELLE, a penalty on the local linearity
 * error of the loss at random triples in the eps-ball, prevents it without double backpropagation, so at
 * lower cost than GradAlign.
 *
 * Setting: Fashion-MNIST, a ReLU MLP 784-H-H-10 (He init), Adam (lr 1e-3, batch 64), l-inf eps grid, arms
 * from the same initialisation and batches:
 * - FGSM-AT: CE at x + eps sign(grad_x CE) (zero init, step eps), clipped to [0, 1];
 * - ELLE: FGSM-AT + lambda E_lin, E_lin = (L(x_c) - alpha L(x_a) - (1 - alpha) L(x_b))^2 with x_a, x_b uniform in
 *   the eps-ball around the clean x, alpha ~ U[0, 1], x_c = alpha x_a + (1 - alpha) x_b (lambda fixed, not
 *   the paper's adaptive ELLE-A);
 * - GradAlign: FGSM-AT + lambda (1 - cos(grad_x L(x), grad_x L(x + eta))) (full scale only: its double
 *   backprop is the cost the paper avoids).
 * After every epoch: clean, FGSM and PGD (10 steps of 2.5 eps / 10 at full) accuracy on held-out test images.
 * Catastrophic overfitting (CO) in a run: PGD accuracy falls by more than 0.30 from one epoch's end to the
 * next (the catalogue's definition), or at some epoch's end FGSM accuracy exceeds PGD accuracy by more than
 * 0.30 (the single-step attack is fooled: CO that sets in during the first epoch, before any PGD accuracy was
 * there to lose; a model that is not robust at all has both near 0 and does not count).
 * A model that never learns never overfits: the catastrophic-overfitting part also needs ELLE's final clean
 * accuracy to be no worse than FGSM-AT's by more than 0.10 (paired over (seed, eps)), so a lambda that
 * freezes the model cannot pass it.
 * Cost: the matrix-product FLOPs of one training step (forward, backward and GradAlign's double backward,
 * counted from the kernels tfjs executes: deterministic, unlike wall time on a shared machine), ELLE
 * against GradAlign, at every scale; wall time per epoch is reported where the GradAlign arm trains.
 * Lambdas were picked on pilot seed 1000 (2000 images, 6-8 epochs): ELLE over {1, 10, 100} at eps 0.3 and
 * {1e3, 1e4} at eps 0.2 (none raised FGSM-AT's final PGD accuracy there; 1e3 keeps clean accuracy, 1e4 costs
 * 0.2 of it), GradAlign 1 (one value tried).
 */
import { barFigure, seedBar, seedLinesFigure, type Figure } from '../figures/plotly.js';
import type { Dataset } from '../data/dataset.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { catastrophicDrop, linearityErrors, stepFlops, trainSingleStep, type SingleStepMethod } from '../techniques/local-linearity/index.js';
import * as tf from '@tensorflow/tfjs';
import { fmnistSplits } from './shared/fmnist.js';
import { check, meanOf, paired, premise, signs, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface G2Params extends BaseParams {
  trainImages: number;
  evalImages: number;
  hidden: number;
  epochs: number;
  batch: number;
  lr: number;
  eps: number[];
  pgdSteps: number;
  /** arms run, with their lambda ('fgsm' and 'elle' are needed by the rule) */
  arms: Partial<Record<SingleStepMethod, number>>;
}

/** the catalogue's collapse: 30 points of PGD accuracy */
const CO_DROP = 0.3;
/** smallest claimed gain in final PGD accuracy at the largest eps, ELLE - FGSM-AT */
const PGD_GAIN = 0.05;
/** non-inferiority margin of ELLE's final clean accuracy against FGSM-AT's (a robust model may give up some clean accuracy) */
const CLEAN_MARGIN = 0.1;
const METHODS: SingleStepMethod[] = ['fgsm', 'elle', 'gradAlign'];
const NAMES: Record<SingleStepMethod, string> = { fgsm: 'FGSM-AT', elle: 'ELLE', gradAlign: 'GradAlign' };

export interface G2Run {
  method: SingleStepMethod;
  eps: number;
  pgd: number[];
  fgsm: number[];
  clean: number[];
  /** training seconds per epoch (mean) */
  secondsPerEpoch: number;
  drop: number;
  gap: number;
  overfit: boolean;
}

/** catastrophic overfitting by its two triggers: PGD accuracy falling > 0.30 between epochs, or FGSM accuracy > PGD accuracy + 0.30 */
const byDrop = (r: G2Run | undefined) => (r !== undefined && r.drop > CO_DROP ? 1 : 0);
const byGap = (r: G2Run | undefined) => (r !== undefined && r.gap > CO_DROP ? 1 : 0);

export interface G2Seed {
  runs: G2Run[];
  /** matrix-product FLOPs of one training step of each method (lambda of the claim; every method, whether or not its arm trains) */
  flops: Record<SingleStepMethod, number>;
  /** ELLE on an affine loss at dyadic points: the error (exactly 0 expected) */
  affineError: number;
  /** ELLE on a random quadratic against alpha^2 (1 - alpha)^2 ((a - b)^T A (a - b))^2: worst relative error */
  quadraticRelErr: number;
}

function exactChecks(rng: Rng): { affine: number; quadratic: number } {
  return tf.tidy(() => {
    const w = tf.tensor1d([3, -2, 5, 1]);
    const affine = (x: tf.Tensor) => tf.add(tf.sum(tf.mul(x, w), 1), 0.5) as tf.Tensor1D;
    const dy = (k: number) => Float32Array.from({ length: k }, () => Math.round(rng.uniform() * 16) / 16);
    const d = { xa: tf.tensor2d(dy(16), [4, 4]), xb: tf.tensor2d(dy(16), [4, 4]), alpha: tf.tensor1d([0.5, 0.25, 0.75, 0.125]) };
    const aff = Math.max(...linearityErrors(affine, d).dataSync());
    // random symmetric A (3 x 3), points and alphas; host value in float64
    const m = Array.from({ length: 9 }, () => rng.normal());
    const a = m.map((_, q) => 0.5 * (m[q] + m[(q % 3) * 3 + Math.floor(q / 3)]));
    const xa = Array.from({ length: 15 }, () => rng.normal()), xb = Array.from({ length: 15 }, () => rng.normal());
    const alpha = Array.from({ length: 5 }, () => rng.uniform());
    const at = tf.tensor2d(a, [3, 3]);
    const quad = (x: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, at), x), 1) as tf.Tensor1D;
    const got = linearityErrors(quad, { xa: tf.tensor2d(xa, [5, 3]), xb: tf.tensor2d(xb, [5, 3]), alpha: tf.tensor1d(alpha) }).dataSync();
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      const dlt = [0, 1, 2].map((j) => xa[i * 3 + j] - xb[i * 3 + j]);
      let form = 0;
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) form += dlt[r] * a[r * 3 + c] * dlt[c];
      const want = (alpha[i] * (1 - alpha[i]) * form) ** 2;
      worst = Math.max(worst, Math.abs(got[i] - want) / Math.max(want, 1e-3));
    }
    return { affine: aff, quadratic: worst };
  });
}

export async function seedG2(p: G2Params, seed: number): Promise<G2Seed> {
  const rng = new Rng(seed);
  const { train, test } = fmnistSplits({ nTrain: p.trainImages, nTest: p.evalImages, source: 'subset' });
  const ex = exactChecks(rng.fork('exact'));
  const flops = await costs(p, train as Dataset, rng.fork('cost'));
  const runs: G2Run[] = [];
  for (const eps of p.eps) {
    for (const [method, lambda] of Object.entries(p.arms) as [SingleStepMethod, number][]) {
      // same init and batch order in every arm at this eps
      const model = mlp({ sizes: [784, p.hidden, p.hidden, 10] }, rng.fork(`init-${eps}`));
      try {
        const r = await trainSingleStep({ model, train: train as Dataset, evalSet: test, method, eps, lambda, epochs: p.epochs, batch: p.batch, lr: p.lr, pgdSteps: p.pgdSteps, rng: rng.fork(`train-${eps}`) });
        const pgd = r.epochs.map((e) => e.pgd), fgsm = r.epochs.map((e) => e.fgsm);
        const { drop } = catastrophicDrop(pgd, CO_DROP);
        const gap = Math.max(...fgsm.map((f, i) => f - pgd[i]));
        runs.push({
          method, eps, pgd, fgsm, clean: r.epochs.map((e) => e.clean), secondsPerEpoch: mean(r.epochs.map((e) => e.seconds)),
          drop, gap, overfit: drop > CO_DROP || gap > CO_DROP,
        });
      } finally {
        model.dispose();
      }
    }
  }
  return { runs, flops, affineError: ex.affine, quadraticRelErr: ex.quadratic };
}

/** One training step's matrix-product FLOPs per method, on the first batch at the largest eps (they depend on shapes only). */
async function costs(p: G2Params, train: Dataset, rng: Rng): Promise<Record<SingleStepMethod, number>> {
  const model = mlp({ sizes: [784, p.hidden, p.hidden, 10] }, rng.fork('init'));
  const x = tf.tensor2d(train.x.subarray(0, p.batch * 784), [p.batch, 784]);
  const y = tf.tensor1d(train.y.subarray(0, p.batch), 'int32');
  try {
    const out = {} as Record<SingleStepMethod, number>;
    for (const m of METHODS) out[m] = await stepFlops(model, m, Math.max(...p.eps), m === 'fgsm' ? 0 : (p.arms[m] ?? lambdas[m]), x, y, rng.fork(`step ${m}`));
    return out;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

export function summarizeG2(p: G2Params, perSeed: G2Seed[]): ClaimResult {
  const largest = Math.max(...p.eps), smallest = Math.min(...p.eps);
  const run = (s: G2Seed, method: SingleStepMethod, eps: number) => s.runs.find((r) => r.method === method && r.eps === eps);
  const final = (method: SingleStepMethod, eps: number) => perSeed.map((s) => run(s, method, eps)?.pgd.at(-1) ?? NaN);
  const co = (method: SingleStepMethod): number[] => perSeed.flatMap((s) => p.eps.map((e) => (run(s, method, e)?.overfit ? 1 : 0)));
  const cleanFinal = (method: SingleStepMethod): number[] => perSeed.flatMap((s) => p.eps.map((e) => run(s, method, e)?.clean.at(-1) ?? NaN));
  const effects = [
    signs('coFgsmOverElle', `runs with catastrophic overfitting, FGSM-AT vs ELLE, matched by (seed, eps) over eps ${p.eps.join(', ')} (share of differing pairs where only FGSM-AT overfits)`, co('fgsm'), co('elle'),
      { sign: 1, smallest: 0 }, { part: 'ELLE prevents catastrophic overfitting' }),
    // a model that never learns has no catastrophic overfitting: ELLE must still learn (clean accuracy, same pairs)
    paired('cleanElleMinusFgsm', `final clean accuracy, ELLE - FGSM-AT, paired over (seed, eps) over eps ${p.eps.join(', ')}`, cleanFinal('elle'), cleanFinal('fgsm'),
      { kind: 'non-inferiority', sign: 1, margin: CLEAN_MARGIN }, { unit: 'accuracy', part: 'ELLE prevents catastrophic overfitting' }),
    paired('pgdElleMinusFgsm', `final PGD accuracy at eps ${largest}, ELLE - FGSM-AT`, final('elle', largest), final('fgsm', largest),
      { kind: 'direction', sign: 1, smallest: PGD_GAIN }, { unit: 'accuracy', part: 'ELLE ends more robust than FGSM-AT at the largest eps' }),
    // deterministic (shapes only): every seed gives the same value, the interval is a point
    meanOf('flopsElleOverGradAlign', 'ln(matrix-product FLOPs of one training step, ELLE / GradAlign), per seed', perSeed.map((s) => Math.log(s.flops.elle / s.flops.gradAlign)),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'ln ratio', part: 'at lower cost than GradAlign' }),
  ];
  if (p.arms.gradAlign !== undefined) {
    effects.push(paired('pgdGradAlignMinusFgsm', `final PGD accuracy at eps ${largest}, GradAlign - FGSM-AT`, final('gradAlign', largest), final('fgsm', largest),
      { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', decides: false }));
    effects.push(meanOf('timeElleOverGradAlign', 'ln(training seconds per epoch, ELLE / GradAlign), per seed over eps', perSeed.map((s) => mean(p.eps.map((e) => Math.log(run(s, 'elle', e)!.secondsPerEpoch / run(s, 'gradAlign', e)!.secondsPerEpoch)))),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'ln ratio', decides: false }));
  }
  const numbers: Record<string, number> = { seeds: perSeed.length };
  for (const m of METHODS) numbers[`${m}StepFlops`] = mean(perSeed.map((s) => s.flops[m]));
  for (const m of Object.keys(p.arms) as SingleStepMethod[]) {
    const runsOf = perSeed.flatMap((s) => p.eps.map((e) => run(s, m, e)));
    numbers[`${m}CoRuns`] = co(m).reduce((a, b) => a + b, 0);
    numbers[`${m}CoByDrop`] = runsOf.reduce((a, r) => a + byDrop(r), 0);
    numbers[`${m}CoByGap`] = runsOf.reduce((a, r) => a + byGap(r), 0);
    numbers[`${m}SecondsPerEpoch`] = mean(perSeed.flatMap((s) => s.runs.filter((r) => r.method === m).map((r) => r.secondsPerEpoch)));
    for (const e of p.eps) {
      numbers[`${m}FinalPgdEps${String(e).replace('.', '')}`] = mean(final(m, e));
      numbers[`${m}FinalCleanEps${String(e).replace('.', '')}`] = mean(perSeed.map((s) => run(s, m, e)?.clean.at(-1) ?? NaN));
    }
  }
  return {
    rows: perSeed.flatMap((s, i) => s.runs.flatMap((r) => r.pgd.map((pg, e) => ({
      seed: p.seeds[i], arm: NAMES[r.method], eps: r.eps, epoch: e + 1, clean: r.clean[e], fgsm: r.fgsm[e], pgd: pg, overfitRun: r.overfit,
    })))),
    verdict: verdict({
      headline: 'pgdElleMinusFgsm',
      effects,
      premise: [
        premise('fgsmCoShareLargest', `share of seeds on which FGSM-AT catastrophically overfits at eps ${largest}`, mean(perSeed.map((s) => (run(s, 'fgsm', largest)?.overfit ? 1 : 0))), { atLeast: 0.2 }),
        // where it does not overfit, FGSM-AT must learn robustness at all (else the attack or training is broken)
        premise('fgsmPgdSmallest', `FGSM-AT's mean final PGD accuracy at eps ${smallest}`, mean(final('fgsm', smallest)), { atLeast: 0.2 }),
      ],
      checks: [
        check('elleAffine', 'ELLE\'s error for an affine loss at dyadic points (exact arithmetic)', Math.max(...perSeed.map((s) => s.affineError)), 0, 0),
        check('elleQuadratic', 'worst relative error of ELLE\'s error on a random quadratic against (alpha (1 - alpha) (a - b)^T A (a - b))^2', Math.max(...perSeed.map((s) => s.quadraticRelErr)), 0, 1e-4),
      ],
      numbers,
    }),
    figures: figuresG2(p, perSeed),
  };
}

function figuresG2(p: G2Params, perSeed: G2Seed[]): Figure[] {
  const largest = Math.max(...p.eps);
  const arms = Object.keys(p.arms) as SingleStepMethod[];
  const x = Array.from({ length: p.epochs }, (_, e) => e + 1);
  return [
    seedLinesFigure(`PGD accuracy after each epoch at eps ${largest} (held-out images)`, 'epoch', 'PGD accuracy',
      arms.map((m) => ({ name: NAMES[m], seeds: perSeed.map((s) => ({ x, y: s.runs.find((r) => r.method === m && r.eps === largest)?.pgd ?? [] })) }))),
    seedLinesFigure(`FGSM accuracy after each epoch at eps ${largest}: far above PGD accuracy when the single-step attack is fooled`, 'epoch', 'FGSM accuracy',
      arms.map((m) => ({ name: NAMES[m], seeds: perSeed.map((s) => ({ x, y: s.runs.find((r) => r.method === m && r.eps === largest)?.fgsm ?? [] })) }))),
    barFigure('Final PGD accuracy per eps and method (mean over seeds, 95% t interval)', 'PGD accuracy',
      p.eps.flatMap((e) => arms.map((m) => seedBar(`${NAMES[m]}, eps ${e}`, perSeed.map((s) => s.runs.find((r) => r.method === m && r.eps === e)?.pgd.at(-1) ?? NaN))))),
  ];
}

const lambdas = { fgsm: 0, elle: 1000, gradAlign: 1 };

export const claim = defineClaim<G2Params, G2Seed>({
  id: 'G2',
  slug: 'elle-overfitting',
  paper: 'Efficient local linearity regularization to overcome catastrophic overfitting (Abad Rocamora et al. 2024)',
  claim: 'single-step (FGSM) adversarial training catastrophically overfits at large eps; the ELLE local-linearity penalty prevents it, at lower cost than GradAlign\'s double backprop',
  setting: 'Fashion-MNIST, ReLU MLP 784-H-H-10, Adam (lr 1e-3, batch 64), l-inf; FGSM-AT (zero init, step eps) vs + ELLE (lambda 1e3, fixed) vs + GradAlign (lambda 1), same init and batches; ' +
    'clean / FGSM / PGD accuracy on held-out images after every epoch; cost: matrix-product FLOPs of one training step of each method, counted from the kernels executed (deterministic); catastrophic overfitting = PGD accuracy falling > 0.30 between epochs, or FGSM accuracy > PGD accuracy + 0.30 at an epoch\'s end. ' +
    'full: 5 seeds, eps 0.1, 0.2, 0.3, H 256, 2000 training and 200 held-out images, 6 epochs, PGD-10; ci, cut to the CI budget: 3 seeds, eps 0.1 and 0.3, H 64, 256 / 100 images, 3 epochs, PGD-5, no GradAlign arm (its step cost is still counted). ' +
    'The paper trains CNNs (PreActResNet) on CIFAR/SVHN with long schedules and ELLE-A\'s adaptive lambda; lambdas here were picked on pilot seed 1000',
  rule: `runs with catastrophic overfitting over (seed, eps): FGSM-AT but not ELLE more often than the reverse (exact sign test, share of differing pairs > 0.5) and ELLE's final clean accuracy no worse than FGSM-AT's by ${CLEAN_MARGIN} (paired over (seed, eps), non-inferiority t); ` +
    `final PGD accuracy at the largest eps, ELLE - FGSM-AT, above 0 by >= ${PGD_GAIN} (paired t); ln(matrix-product FLOPs per training step, ELLE / GradAlign) < 0 (deterministic); three parts; ` +
    'premises: FGSM-AT overfits at the largest eps on >= 0.2 of seeds, and reaches mean final PGD accuracy >= 0.2 at the smallest eps; checks: ELLE is exactly 0 for an affine loss and matches the quadratic closed form to 1e-4; ' +
    'reported: CO runs by each trigger, GradAlign - FGSM-AT final PGD accuracy and ln(time per epoch ELLE / GradAlign) (full scale)',
  scales: {
    smoke: { seeds: [1, 2], trainImages: 128, evalImages: 50, hidden: 32, epochs: 2, batch: 64, lr: 1e-3, eps: [0.1, 0.3], pgdSteps: 3, arms: { fgsm: 0, elle: lambdas.elle } },
    ci: { seeds: [1, 2, 3], trainImages: 256, evalImages: 100, hidden: 64, epochs: 3, batch: 64, lr: 1e-3, eps: [0.1, 0.3], pgdSteps: 5, arms: { fgsm: 0, elle: lambdas.elle } },
    full: { seeds: [1, 2, 3, 4, 5], trainImages: 2000, evalImages: 200, hidden: 256, epochs: 6, batch: 64, lr: 1e-3, eps: [0.1, 0.2, 0.3], pgdSteps: 10, arms: lambdas },
  },
  seed: seedG2,
  summarize: summarizeG2,
});
