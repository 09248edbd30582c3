/**
 * C2 (Sagun et al.). The Hessian's spectrum at the end of training is a bulk near zero plus outliers;
 * the number of outliers tracks the number of classes k, and adding parameters leaves the outliers
 * where they are (it only adds to the bulk).
 *
 * Method: per seed and k, a k-class Gaussian mixture in `dim` dimensions (class means at distance
 * `radius` from the origin in random directions, within-class std `std`) and a dim-width-k ReLU MLP
 * trained full-batch (Adam with L2 `l2`) to the regularised minimum, where the Hessian of
 * (cross-entropy + l2/2 |theta|^2) is taken. Its top eigenvalues come from Lanczos (C1). The outlier
 * count is the position of the largest gap lambda_i / lambda_(i+1) for 2 <= i <= 2k+1; the gap after
 * lambda_1 is left out because one eigenvalue always stands above the others (the mean of the class
 * outliers, Papyan 2019), which would make every count 1. Then, at k = kWidth, the same data and
 * training at several widths: the top-k eigenvalues should not move.
 */
import * as tf from '@tensorflow/tfjs';
import { toTensors } from '../data/dataset.js';
import { gaussianMixture } from '../data/toy2d.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam, addDecayedWeights, chain } from '../train/transforms.js';
import { hessianOperator } from '../techniques/curvature/operator.js';
import { lanczosEigenvalues } from '../techniques/curvature/spectrum.js';
import { mean } from '../stats/bootstrap.js';
import { barFigure, lineFigure } from '../figures/plotly.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C2Params extends BaseParams {
  ks: number[];
  dim: number;
  radius: number;
  std: number;
  perClass: number;
  width: number;
  widths: number[];
  kWidth: number;
  l2: number;
  steps: number;
  lanczosSteps: number;
  /** fraction of seeds on which every k's count must be k or k-1 */
  minAgreement: number;
  /** largest relative change of the top-k eigenvalues across widths */
  maxOutlierShift: number;
}

export interface C2Seed {
  rows: ClaimResult['rows'];
  spectra: { k: number; width: number; top: number[] }[];
}

/** Top eigenvalues of the regularised loss's Hessian after training a dim-width-k MLP on a k-class mixture. */
async function topSpectrum(p: C2Params, seed: number, k: number, width: number): Promise<number[]> {
  const rng = new Rng(seed).fork(`k${k}`);
  const dirs = rng.fork('means');
  const means = Array.from({ length: k }, () => {
    const v = Array.from({ length: p.dim }, () => dirs.normal());
    const n = Math.hypot(...v);
    return v.map((x) => (p.radius * x) / n);
  });
  const data = gaussianMixture(p.perClass * k, { means, std: p.std }, rng.fork('data'));
  const model = mlp({ sizes: [p.dim, width, k] }, rng.fork(`init-${width}`));
  const { x, y } = toTensors(data);
  try {
    await train({ model, data, transform: chain(addDecayedWeights(p.l2), adam(0.01)), batchSize: data.y.length, steps: p.steps, rng: rng.fork('train'), label: `C2 k=${k} width ${width} seed ${seed}` });
    const loss = (ps: tf.Tensor[]) => tf.add(crossEntropy()(model.apply(x, ps), y), tf.mul(p.l2 / 2, tf.addN(ps.map((q) => tf.sum(tf.square(q)))))) as tf.Scalar;
    return lanczosEigenvalues(hessianOperator(loss, model.params), { k: 2 * k + 2, steps: p.lanczosSteps, rng: rng.fork('lanczos') });
  } finally {
    model.dispose();
    tf.dispose([x, y]);
  }
}

/** Position of the largest relative gap lambda_i / lambda_(i+1), 2 <= i <= 2k+1 (1-based). */
export function outlierCount(top: number[], k: number): number {
  let best = 2;
  for (let i = 2; i <= Math.min(2 * k + 1, top.length - 1); i++) if (top[i - 1] / top[i] > top[best - 1] / top[best]) best = i;
  return best;
}

export async function seedC2(p: C2Params, seed: number): Promise<C2Seed> {
  const rows: ClaimResult['rows'] = [];
  const spectra: C2Seed['spectra'] = [];
  for (const k of p.ks) {
    const top = await topSpectrum(p, seed, k, p.width);
    const count = outlierCount(top, k);
    spectra.push({ k, width: p.width, top });
    rows.push({ seed, part: 'classes', k, width: p.width, outliers: count, agrees: count === k || count === k - 1, gap: top[count - 1] / top[count], lambda1: top[0], lambdaK: top[k - 1], lambdaNext: top[k] });
  }
  const ref = spectra.find((s) => s.k === p.kWidth && s.width === p.width);
  const base = ref?.top ?? (await topSpectrum(p, seed, p.kWidth, p.width));
  for (const width of p.widths) {
    const top = width === p.width ? base : await topSpectrum(p, seed, p.kWidth, width);
    if (width !== p.width) spectra.push({ k: p.kWidth, width, top });
    const shift = Math.max(...base.slice(0, p.kWidth).map((b, i) => Math.abs(top[i] - b) / b));
    rows.push({ seed, part: 'width', k: p.kWidth, width, outliers: outlierCount(top, p.kWidth), outlierShift: shift, outlierMean: mean(top.slice(0, p.kWidth)), bulkEdge: top[p.kWidth] });
  }
  return { rows, spectra };
}

export function summarizeC2(p: C2Params, perSeed: C2Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const classes = rows.filter((r) => r.part === 'classes');
  const widths = rows.filter((r) => r.part === 'width');
  const agreementByK = p.ks.map((k) => mean(classes.filter((r) => r.k === k).map((r) => (r.agrees ? 1 : 0))));
  const worstShift = Math.max(...widths.map((r) => Number(r.outlierShift)));
  const numbers: Record<string, number> = { worstAgreement: Math.min(...agreementByK), worstOutlierShift: worstShift, seeds: p.seeds.length };
  p.ks.forEach((k, i) => {
    numbers[`agreementK${k}`] = agreementByK[i];
    numbers[`meanCountK${k}`] = mean(classes.filter((r) => r.k === k).map((r) => Number(r.outliers)));
  });
  const ok = numbers.worstAgreement >= p.minAgreement && worstShift <= p.maxOutlierShift;
  const s0 = perSeed[0];
  return {
    rows,
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `outlier count (largest eigen-gap) is k or k-1 on ${p.ks.map((k, i) => `${Math.round(agreementByK[i] * p.seeds.length)}/${p.seeds.length} seeds for k=${k} (mean ${numbers[`meanCountK${k}`].toFixed(1)})`).join(', ')}; ` +
        `widths ${p.widths.join('/')} at k=${p.kWidth} move the top-${p.kWidth} eigenvalues by at most ${(100 * worstShift).toFixed(1)}% (rule: k or k-1 on >= ${100 * p.minAgreement}% of seeds for every k; outliers move <= ${100 * p.maxOutlierShift}%)`,
      numbers,
    },
    figures: [
      lineFigure('C2: top Hessian eigenvalues by rank, one curve per number of classes k (first seed)', 'rank', 'eigenvalue',
        s0.spectra.filter((s) => s.width === p.width).map((s) => ({ name: `k=${s.k}`, x: s.top.map((_, i) => i + 1), y: s.top, mode: 'lines+markers' as const })), { logY: true }),
      lineFigure(`C2: top eigenvalues at k=${p.kWidth} for each width (first seed)`, 'rank', 'eigenvalue',
        s0.spectra.filter((s) => s.k === p.kWidth).map((s) => ({ name: `width ${s.width}`, x: s.top.map((_, i) => i + 1), y: s.top, mode: 'lines+markers' as const })), { logY: true }),
      barFigure('C2: mean outlier count vs k', 'outliers', p.ks.map((k) => ({ name: `k=${k}`, value: numbers[`meanCountK${k}`] }))),
    ],
  };
}

const common = { dim: 10, radius: 3, std: 0.3, l2: 0.01, kWidth: 4, minAgreement: 0.8, maxOutlierShift: 0.25 };

export const claim = defineClaim<C2Params, C2Seed>({
  id: 'C2',
  slug: 'hessian-outliers',
  paper: 'Empirical Analysis of the Hessian of Over-Parametrized Neural Networks (Sagun et al. 2017)',
  claim: 'the Hessian spectrum is a bulk near zero plus outliers; the number of outliers tracks the number of classes, and more parameters only scale the bulk',
  setting: 'dim-width-k ReLU MLP on k-class Gaussian mixtures in 10-D (means at radius 3, std 0.3), trained full-batch with L2 0.01 to the regularised minimum; top eigenvalues by Lanczos; outliers = position of the largest eigen-gap after the first',
  rule: 'outlier count is k or k-1 for every k (on >= 80% of seeds); the top-k eigenvalues move by <= 25% as the width grows',
  scales: {
    smoke: { seeds: [1, 2], ks: [2, 3], perClass: 20, width: 8, widths: [8, 16], steps: 100, lanczosSteps: 20, ...common },
    ci: { seeds: [1, 2, 3, 4, 5], ks: [2, 4, 6, 8, 10], perClass: 50, width: 32, widths: [16, 32, 64], steps: 1500, lanczosSteps: 60, ...common },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ks: [2, 3, 4, 5, 6, 7, 8, 9, 10], perClass: 100, width: 64, widths: [16, 32, 64, 128, 256], steps: 3000, lanczosSteps: 100, ...common },
  },
  seed: seedC2,
  summarize: summarizeC2,
});
