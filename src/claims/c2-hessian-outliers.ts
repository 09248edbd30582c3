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
import { meanOf, premise, proportion, slopeOf, verdict } from './kit/verdict.js';
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
  /** "tracks the classes": the share of (seed, k) cells whose count is k or k-1 exceeds the no-structure null by at least this */
  countExcess: number;
  /** "outliers stay": equivalence margin on ln(mean top-k eigenvalue, widest / narrowest network) */
  outlierMargin: number;
}

export interface C2Seed {
  rows: ClaimResult['rows'];
  spectra: { k: number; width: number; top: number[] }[];
  /** outlier count at k = kWidth with the labels randomly permuted (the null) */
  nullCount: number;
}

/** Top eigenvalues of the regularised loss's Hessian after training a dim-width-k MLP on a k-class mixture. */
async function topSpectrum(p: C2Params, seed: number, k: number, width: number, randomLabels = false): Promise<number[]> {
  const rng = new Rng(seed).fork(`k${k}`);
  const dirs = rng.fork('means');
  const means = Array.from({ length: k }, () => {
    const v = Array.from({ length: p.dim }, () => dirs.normal());
    const n = Math.hypot(...v);
    return v.map((x) => (p.radius * x) / n);
  });
  const data = gaussianMixture(p.perClass * k, { means, std: p.std }, rng.fork('data'));
  if (randomLabels) {
    // the null: the same inputs with their labels shuffled (Fisher-Yates), so the classes carry no structure
    const shuffle = rng.fork('random-labels');
    const y = data.y;
    for (let i = y.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle.uniform() * (i + 1));
      [y[i], y[j]] = [y[j], y[i]];
    }
  }
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

/** Parameters of a dim-width-k MLP. */
const paramCount = (p: C2Params, k: number, width: number) => (p.dim + 1) * width + (width + 1) * k;

/**
 * The chance that the count lands on k or k-1 when the spectrum has no structure: the count is then
 * equally likely at each of its 2k candidate positions 2..2k+1, of which k-1 (when >= 2) and k agree.
 */
export function nullAgreement(k: number): number {
  return ((k - 1 >= 2 ? 1 : 0) + 1) / (2 * k);
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
    rows.push({ seed, part: 'width', k: p.kWidth, width, params: paramCount(p, p.kWidth, width), outliers: outlierCount(top, p.kWidth), outlierShift: shift, outlierMean: mean(top.slice(0, p.kWidth)), bulkEdge: top[p.kWidth] });
  }
  const nullTop = await topSpectrum(p, seed, p.kWidth, p.width, true);
  const nullCount = outlierCount(nullTop, p.kWidth);
  rows.push({ seed, part: 'random labels', k: p.kWidth, width: p.width, outliers: nullCount, agrees: nullCount === p.kWidth || nullCount === p.kWidth - 1, lambda1: nullTop[0], lambdaK: nullTop[p.kWidth - 1], lambdaNext: nullTop[p.kWidth] });
  return { rows, spectra, nullCount };
}

export function summarizeC2(p: C2Params, perSeed: C2Seed[]): ClaimResult {
  const rows = perSeed.flatMap((s) => s.rows);
  const classes = rows.filter((r) => r.part === 'classes');
  const widths = rows.filter((r) => r.part === 'width');
  const agreementByK = p.ks.map((k) => mean(classes.filter((r) => r.k === k).map((r) => (r.agrees ? 1 : 0))));
  const hits = classes.filter((r) => r.agrees).length;
  // the share of cells a structureless spectrum would put on k or k-1, averaged over the cells
  const nullShare = mean(classes.map((r) => nullAgreement(Number(r.k))));
  const nullHits = perSeed.filter((s) => s.nullCount === p.kWidth || s.nullCount === p.kWidth - 1).length / perSeed.length;
  const [narrow, wide] = [Math.min(...p.widths), Math.max(...p.widths)];
  const at = (seed: unknown, w: number) => widths.find((r) => r.seed === seed && r.width === w)!;
  const outlierMove = perSeed.map((s) => Math.log(Number(at(s.rows[0].seed, wide).outlierMean) / Number(at(s.rows[0].seed, narrow).outlierMean)));
  const numbers: Record<string, number> = { seeds: p.seeds.length, nullShare, hits, cells: classes.length };
  p.ks.forEach((k, i) => {
    numbers[`agreementK${k}`] = agreementByK[i];
    numbers[`meanCountK${k}`] = mean(classes.filter((r) => r.k === k).map((r) => Number(r.outliers)));
  });
  const tracks = 'outliers track the classes';
  const bulk = 'more parameters only scale the bulk';
  const v = verdict({
    headline: 'countAgreement',
    effects: [
      // "count = k (or k-1) for every k" as an exact binomial test over the (seed, k) cells, against the
      // share a spectrum without structure would give; "tracks" needs at least 0.5 above that share
      proportion('countAgreement', 'share of (seed, k) cells whose outlier count is k or k-1', hits, classes.length,
        { kind: 'direction', sign: 1, reference: nullShare, smallest: p.countExcess }, { unit: 'share of cells', part: tracks, digits: 2 }),
      // the outliers stay: mean top-k eigenvalue, widest / narrowest network, equal within +-ln 1.25
      meanOf('outlierMove', `ln(mean top-${p.kWidth} eigenvalue, width ${wide} / width ${narrow})`, outlierMove,
        { kind: 'equivalence', margin: p.outlierMargin }, { unit: 'ln ratio', part: bulk }),
      // the bulk scales: its edge (the (k+1)-th eigenvalue) against the parameter count, log-log over all seeds and widths
      slopeOf('bulkSlope', `slope of ln bulk edge (eigenvalue ${p.kWidth + 1}) on ln parameters, k = ${p.kWidth}`,
        widths.map((r) => Math.log(Number(r.params))), widths.map((r) => Math.log(Number(r.bulkEdge))),
        { kind: 'direction', sign: 1, smallest: 0 }, { part: bulk }),
    ],
    premise: [
      // the null: with random labels the instrument must not find the classes (else it counts something else)
      premise('nullAgreement', `share of seeds whose random-label count at k = ${p.kWidth} is k or k-1`, nullHits, { atMost: 0.6 }, { digits: 2 }),
    ],
    numbers,
  });
  const s0 = perSeed[0];
  return {
    rows,
    verdict: v,
    figures: [
      lineFigure('C2: top Hessian eigenvalues by rank, one curve per number of classes k (first seed)', 'rank', 'eigenvalue',
        s0.spectra.filter((s) => s.width === p.width).map((s) => ({ name: `k=${s.k}`, x: s.top.map((_, i) => i + 1), y: s.top, mode: 'lines+markers' as const })), { logY: true }),
      lineFigure(`C2: top eigenvalues at k=${p.kWidth} for each width (first seed)`, 'rank', 'eigenvalue',
        s0.spectra.filter((s) => s.k === p.kWidth).map((s) => ({ name: `width ${s.width}`, x: s.top.map((_, i) => i + 1), y: s.top, mode: 'lines+markers' as const })), { logY: true }),
      barFigure('C2: mean outlier count vs k', 'outliers', p.ks.map((k) => ({ name: `k=${k}`, value: numbers[`meanCountK${k}`] }))),
    ],
  };
}

const common = { dim: 10, radius: 3, std: 0.3, l2: 0.01, kWidth: 4, countExcess: 0.5, outlierMargin: Math.log(1.25) };

export const claim = defineClaim<C2Params, C2Seed>({
  id: 'C2',
  slug: 'hessian-outliers',
  paper: 'Empirical Analysis of the Hessian of Over-Parametrized Neural Networks (Sagun et al. 2017)',
  claim: 'the Hessian spectrum is a bulk near zero plus outliers; the number of outliers tracks the number of classes, and more parameters only scale the bulk',
  setting: 'dim-width-k ReLU MLP on k-class Gaussian mixtures in 10-D (means at radius 3, std 0.3), trained full-batch with L2 0.01 to the regularised minimum; top eigenvalues by Lanczos; outliers = position of the largest eigen-gap after the first',
  rule: 'tracks the classes: share of (seed, k) cells with count k or k-1 above the no-structure null share by >= 0.5 (exact binomial); ' +
    'only the bulk scales: ln(mean top-k eigenvalue, widest / narrowest) within +-ln 1.25 (TOST) and the bulk edge rising with ln parameters (slope t); ' +
    'premise: with random labels the count is k or k-1 on <= 60% of seeds',
  scales: {
    smoke: { seeds: [1, 2], ks: [2, 3], perClass: 20, width: 8, widths: [8, 16], steps: 30, lanczosSteps: 12, ...common },
    ci: { seeds: [1, 2, 3], ks: [2, 4], perClass: 30, width: 32, widths: [16, 32], steps: 60, lanczosSteps: 20, ...common },
    // full: ~16 min on 2 cores (a seed ~190 CPU s measured: 14 trainings x 3000 full-batch steps x 4.3 ms + ~11 s of Lanczos; x 10 seeds / 2 workers); not cut
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ks: [2, 3, 4, 5, 6, 7, 8, 9, 10], perClass: 100, width: 64, widths: [16, 32, 64, 128, 256], steps: 3000, lanczosSteps: 100, ...common },
  },
  seed: seedC2,
  summarize: summarizeC2,
});
