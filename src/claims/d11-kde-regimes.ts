/**
 * D11. Kernel Density Estimators in Large Dimensions (Biroli & Mezard 2024): with n = e^(alpha d) points in d
 * dimensions, a Gaussian-kernel density estimate at a test point leaves the central-limit regime below a bandwidth
 * h_CLT(alpha) (its fluctuations become heavy-tailed, alpha-stable), is dominated by the few nearest points
 * (extreme-value statistics) below h_G(alpha), and the KL-optimal bandwidth lies in the non-CLT regime.
 *
 * Theory (src/techniques/kde-regimes/theory.ts): for N(0, I) data and x ~ N(0, I), the estimate is a random-energy-
 * model sum of X_i = exp(-|x - y_i|^2 / (2h^2)) over e^(alpha d) energies u_i = |x - y_i|^2 / d with scaled CGF
 * Lambda(s) = -ln(1 - 2s)/2 + s/(1 - 2s). With phi(s) = s Lambda'(s) - Lambda(s): h_CLT = 1/sqrt(-s*) and
 * h_G = h_CLT / sqrt(2), where phi(s*) = alpha (the variance sum X_i^2 is the first-moment sum at h / sqrt(2)).
 * Measured at each test point, normalised by the exact Gaussian-integral means:
 * - m2 = (1/d) ln[(1/n) sum X_i^2 / E(X^2 | x)], whose limit g2(h) is 0 above h_CLT (the estimate's variance is
 *   carried by points present in the sample: Lindeberg, CLT) and negative below (carried by absent, rarer points);
 * - the participation ratio sum X_i^2 / (sum X_i)^2, whose limit is max(0, 1 - (h / h_G)^2) (a few points carry the
 *   estimate below h_G);
 * - ln rho(x) - ln rho_h(x), averaged over test points: KL(rho || rho_h).
 *
 * Finite size: at d <= 32 a fitted tail index does not cross 2 near h_CLT (an earlier session's exploratory runs, not
 * this claim's verdict seeds, put the crossing at 0.82-0.98 against a predicted 0.69 at d 8-16), and m2 and the
 * participation ratio below h_G approach their limits like 1/d. So per seed these are measured on a grid of d at fixed
 * alpha and extrapolated to d -> infinity by a least-squares line in 1/d; the intercepts are compared with the limits
 * deep in each regime (m2 at 0.5 and 1.5 h_CLT, the ratio at 0.5 h_CLT) and, for m2, inside the window
 * h_G < h < h_CLT (0.8 h_CLT), with a margin of half the limit there, so that a breakdown at h_G (limit 0) fails.
 * Above h_G the participation ratio is not 1/d-corrected: in the stable regime it falls like n^(2/mu - 2),
 * exponentially in d, so it is compared directly at the largest d, one-sided. The KL-optimal bandwidth is tested per
 * seed as a paired difference of the grid's KL minima below and at or above h_CLT, with an interior argmin as premise.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import {
  edgeEnergy, kdeStatistics, kernelMeanRatios, klPerDimension, momentGaps, participationLimit, rate, tailIndex, thresholds,
} from '../techniques/kde-regimes/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface D11Params extends BaseParams {
  /** log n / d */
  alphas: number[];
  /** dimensions per alpha (n = round(e^(alpha d))) */
  dims: number[][];
  /** bandwidths as fractions of h_CLT(alpha) */
  fractions: number[];
  testPoints: number;
}

/** equivalence margin for an extrapolated statistic against its limit deep in a regime (per-dimension log for m2, a share for the ratio) */
const MARGIN = 0.1;
/** upper bound on the participation ratio at h_CLT (limit 0) at the largest d, one-sided */
const PR_ABOVE_BOUND = 0.1;
const DEEP = 0.5;
const ABOVE_M2 = 1.5;
const ABOVE_PR = 1;
/** inside the heavy-tailed window h_G < h < h_CLT: m2 within half its limit of the limit (deciding) */
const WINDOW = 0.8;
/** reported: just below h_G */
const NEAR_G = 0.7;

export interface D11Seed {
  rows: ClaimResult['rows'];
  /** [alpha][d][fraction]: median m1, m2 over test points; mean participation ratio, largest share, KL / d */
  m1: number[][][];
  m2: number[][][];
  participation: number[][][];
  maxShare: number[][][];
  kl: number[][][];
  /** [alpha]: mean of (1/n) sum X / E(X | x) over independent (data set, test point) pairs at the largest h and smallest d, and its standard error */
  unbiased: { mean: number; se: number }[];
}

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]); };

export function seedD11(p: D11Params, seed: number): D11Seed {
  const rng = new Rng(seed);
  const out: D11Seed = { rows: [], m1: [], m2: [], participation: [], maxShare: [], kl: [], unbiased: [] };
  p.alphas.forEach((alpha, a) => {
    const { hClt } = thresholds(alpha);
    const hs = p.fractions.map((f) => f * hClt);
    for (const key of ['m1', 'm2', 'participation', 'maxShare', 'kl'] as const) out[key].push([]);
    p.dims[a].forEach((d, k) => {
      const n = Math.round(Math.exp(alpha * d));
      const s = kdeStatistics(d, n, hs, p.testPoints, rng.fork(`alpha${a}-d${d}`));
      out.m1[a].push(s.m1.map(median));
      out.m2[a].push(s.m2.map(median));
      out.participation[a].push(s.participation.map(mean));
      out.maxShare[a].push(s.maxShare.map(mean));
      out.kl[a].push(s.logRatio.map((v) => mean(v) / d));
      if (k === 0) {
        const r = kernelMeanRatios(d, n, hs[hs.length - 1], p.testPoints, rng.fork(`alpha${a}-unbiased`));
        const mu = mean(r);
        out.unbiased.push({ mean: mu, se: Math.sqrt(r.reduce((t, v) => t + (v - mu) ** 2, 0) / (r.length - 1) / r.length) });
      }
      p.fractions.forEach((f, b) => out.rows.push({
        seed, alpha, d, n, hOverHclt: f, m2: out.m2[a][k][b], m1: out.m1[a][k][b], participation: out.participation[a][k][b], maxShare: out.maxShare[a][k][b], klPerDim: out.kl[a][k][b],
      }));
    });
  });
  return out;
}

/** Per seed: intercept at d -> infinity of a statistic at one bandwidth fraction, from a line in 1/d. */
function extrapolated(p: D11Params, perSeed: D11Seed[], stat: 'm2' | 'participation', a: number, fraction: number): number[] {
  const b = p.fractions.indexOf(fraction);
  if (b < 0) throw new Error(`D11: bandwidth fraction ${fraction} is not on the grid`);
  return perSeed.map((s) => fitLine(p.dims[a].map((d) => 1 / d), s[stat][a].map((row) => row[b])).intercept);
}

function klArgmin(p: D11Params, s: D11Seed, a: number): number {
  const last = s.kl[a][s.kl[a].length - 1];
  return p.fractions[last.indexOf(Math.min(...last))];
}

/** At the largest d: the smallest KL / d on the grid below h_CLT and at or above it. */
function klMinima(p: D11Params, s: D11Seed, a: number): { below: number; above: number } {
  const last = s.kl[a][s.kl[a].length - 1];
  const min = (keep: (f: number) => boolean) => Math.min(...last.filter((_, b) => keep(p.fractions[b])));
  return { below: min((f) => f < 1), above: min((f) => f >= 1) };
}

/** Per seed: the participation ratio at one bandwidth fraction at the largest d. */
function atLargestD(p: D11Params, perSeed: D11Seed[], a: number, fraction: number): number[] {
  const b = p.fractions.indexOf(fraction);
  if (b < 0) throw new Error(`D11: bandwidth fraction ${fraction} is not on the grid`);
  return perSeed.map((s) => s.participation[a][s.participation[a].length - 1][b]);
}

/** |I'(u_alpha)| by a central difference of the rate function: the route to the tail index independent of the tilt. */
function edgeSlope(alpha: number): number {
  const u = edgeEnergy(alpha), du = 1e-5;
  return Math.abs((rate(u + du) - rate(u - du)) / (2 * du));
}

export function summarizeD11(p: D11Params, perSeed: D11Seed[]): ClaimResult {
  const effects = p.alphas.flatMap((alpha, a) => {
    const { hClt } = thresholds(alpha);
    const tag = `alpha ${alpha}, d ${p.dims[a].join('/')}`;
    const vs = (stat: 'm2' | 'participation', f: number, limit: number) => extrapolated(p, perSeed, stat, a, f).map((v) => v - limit);
    const dMax = p.dims[a][p.dims[a].length - 1];
    const m2Part = 'the CLT holds well above h_CLT (1.5 h_CLT) and fails deep below it (0.5 h_CLT): the variance is carried by absent points';
    const windowPart = 'the CLT breaks at h_CLT, not at h_G: inside the window (0.8 h_CLT) m2 is at its limit, away from 0';
    const prPart = 'below h_G a few points dominate (extreme-value regime)';
    const gWindow = momentGaps(WINDOW * hClt, alpha).m2;
    return [
      meanOf(`m2Deep${a}`, `m2 extrapolated to d = inf - its limit ${momentGaps(DEEP * hClt, alpha).m2.toFixed(3)}, h = ${DEEP} h_CLT (${tag})`, vs('m2', DEEP, momentGaps(DEEP * hClt, alpha).m2),
        { kind: 'equivalence', margin: MARGIN }, { unit: 'per-dimension log', part: m2Part }),
      meanOf(`m2Above${a}`, `m2 extrapolated to d = inf - its limit 0, h = ${ABOVE_M2} h_CLT (${tag})`, vs('m2', ABOVE_M2, 0),
        { kind: 'equivalence', margin: MARGIN }, { unit: 'per-dimension log', part: m2Part }),
      meanOf(`prDeep${a}`, `participation ratio extrapolated to d = inf - its limit ${participationLimit(DEEP * hClt, alpha).toFixed(3)}, h = ${DEEP} h_CLT (${tag})`, vs('participation', DEEP, participationLimit(DEEP * hClt, alpha)),
        { kind: 'equivalence', margin: MARGIN }, { unit: 'share', part: prPart }),
      meanOf(`prAbove${a}`, `participation ratio at the largest d (${dMax}, n = ${Math.round(Math.exp(alpha * dMax))}), h = ${ABOVE_PR} h_CLT (limit 0; falls like n^(2/mu - 2)) (alpha ${alpha})`, atLargestD(p, perSeed, a, ABOVE_PR),
        { kind: 'non-inferiority', margin: PR_ABOVE_BOUND, sign: -1 }, { unit: 'share', part: prPart }),
      meanOf(`m2Window${a}`, `m2 extrapolated - its limit ${gWindow.toFixed(3)}, h = ${WINDOW} h_CLT, inside the heavy-tailed window (margin half the limit: a breakdown at h_G fails) (${tag})`, vs('m2', WINDOW, gWindow),
        { kind: 'equivalence', margin: Math.abs(gWindow) / 2 }, { unit: 'per-dimension log', part: windowPart }),
      meanOf(`prNearG${a}`, `participation ratio extrapolated - its limit ${participationLimit(NEAR_G * hClt, alpha).toFixed(3)}, h = ${NEAR_G} h_CLT, just below h_G (${tag})`, vs('participation', NEAR_G, participationLimit(NEAR_G * hClt, alpha)),
        { kind: 'equivalence', margin: MARGIN }, { unit: 'share', decides: false }),
    ];
  });
  p.alphas.forEach((alpha, a) => {
    const m = perSeed.map((s) => klMinima(p, s, a));
    effects.push(paired(`klBelow${a}`, `KL / d at the largest d (${p.dims[a][p.dims[a].length - 1]}): grid minimum below h_CLT - grid minimum at or above h_CLT (alpha ${alpha})`, m.map((v) => v.below), m.map((v) => v.above),
      { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'nats per dimension', part: 'the KL-optimal bandwidth lies in the non-CLT regime', digits: 4 }));
  });
  const runs = perSeed.flatMap((s) => p.alphas.map((_, a) => klArgmin(p, s, a)));
  // the tail index at h_CLT two ways: from the tilt (tailIndex) and from the rate function's slope at the edge (finite difference)
  const theoryErr = Math.max(...p.alphas.map((alpha) => {
    const { hClt } = thresholds(alpha);
    return Math.max(Math.abs(2 * hClt * hClt * edgeSlope(alpha) - tailIndex(hClt, alpha)), Math.abs(rate(edgeEnergy(alpha)) - alpha));
  }));
  const z = Math.max(...perSeed.flatMap((s) => s.unbiased.map((u) => Math.abs(u.mean - 1) / u.se)));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'm2Deep0',
      effects,
      premise: [
        premise('klInterior', `(seed, alpha) runs whose KL-optimal grid bandwidth at the largest d sits at the grid's lower edge (${Math.min(...p.fractions)} h_CLT; a monotone KL would put it there)`, runs.filter((f) => f === Math.min(...p.fractions)).length, { atMost: 0 }, { unit: 'runs', digits: 0 }),
      ],
      checks: [
        check('theory', 'largest |2 h_CLT^2 |I\'(u_alpha)| (finite difference of the rate function) - tail index at h_CLT (from the tilt)| and |I(u_alpha) - alpha| over alphas', theoryErr, 0, 1e-6),
        check('unbiased', `largest |mean of (1/n) sum X / E(X | x) - 1| / s.e. at h = ${Math.max(...p.fractions)} h_CLT and the smallest d, independent data sets (the exact Gaussian-integral mean; tolerance 5)`, z, 0, 5),
      ],
      numbers: {
        seeds: perSeed.length, testPoints: p.testPoints,
        ...Object.fromEntries(p.alphas.flatMap((alpha, a) => [[`hClt${a}`, thresholds(alpha).hClt], [`hG${a}`, thresholds(alpha).hG], [`klArgminMean${a}`, mean(perSeed.map((s) => klArgmin(p, s, a)))],
          [`klBelowSeeds${a}`, perSeed.filter((s) => { const m = klMinima(p, s, a); return m.below < m.above; }).length],
          [`klTheoryArgmin${a}`, theoryKlArgmin(alpha)]])),
      },
    }),
    figures: figuresD11(p, perSeed),
  };
}

/** The bandwidth (fraction of h_CLT) minimising the limit KL / d, on a fine grid. */
function theoryKlArgmin(alpha: number): number {
  const { hClt } = thresholds(alpha);
  let best = 0, arg = 0;
  for (let f = 0.3; f <= 2; f += 0.001) {
    const v = klPerDimension(f * hClt, alpha);
    if (arg === 0 || v < best) { best = v; arg = f; }
  }
  return arg;
}

function figuresD11(p: D11Params, perSeed: D11Seed[]): Figure[] {
  const fine = Array.from({ length: 121 }, (_, i) => 0.3 + (i * 1.5) / 120);
  return p.alphas.flatMap((alpha, a) => {
    const { hClt } = thresholds(alpha);
    const measured = (stat: 'm2' | 'participation' | 'kl') => p.dims[a].map((d, k) => ({
      name: `d = ${d} (n = ${Math.round(Math.exp(alpha * d))})`, x: p.fractions, y: p.fractions.map((_, b) => mean(perSeed.map((s) => s[stat][a][k][b]))), mode: 'lines+markers' as const,
    }));
    return [
      lineFigure(`alpha = ${alpha}: m2 = (1/d) ln[(1/n) sum X^2 / E X^2] (median over test points, mean over seeds) and its d -> inf limit (kink at h_CLT)`, 'h / h_CLT', 'm2', [
        ...measured('m2'), { name: 'limit', x: fine, y: fine.map((f) => momentGaps(f * hClt, alpha).m2) },
      ]),
      lineFigure(`alpha = ${alpha}: participation ratio sum X^2 / (sum X)^2 and its limit max(0, 1 - (h / h_G)^2)`, 'h / h_CLT', 'participation ratio', [
        ...measured('participation'), { name: 'limit', x: fine, y: fine.map((f) => participationLimit(f * hClt, alpha)) },
      ]),
      lineFigure(`alpha = ${alpha}: KL(rho || rho_h) / d (mean over test points and seeds) and its limit`, 'h / h_CLT', 'KL / d', [
        ...measured('kl'), { name: 'limit', x: fine, y: fine.map((f) => klPerDimension(f * hClt, alpha)) },
      ]),
    ];
  });
}

const common = { alphas: [0.35, 0.7], fractions: [0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.2, 1.5] };

export const claim = defineClaim<D11Params, D11Seed>({
  id: 'D11',
  slug: 'kde-regimes',
  paper: 'Kernel Density Estimators in Large Dimensions (Biroli & Mezard 2024)',
  claim: 'with n = e^(alpha d) points, a Gaussian KDE at a test point leaves the CLT regime below h_CLT(alpha) (heavy-tailed fluctuations), is dominated by a few points below h_G(alpha) = h_CLT / sqrt(2), and the KL-optimal bandwidth lies below h_CLT',
  setting: 'data and test points N(0, I_d), Gaussian kernel; alpha 0.35 (h_CLT 1.134, h_G 0.802) and 0.7 (h_CLT 0.727, h_G 0.514); h = h_CLT x {0.5, ..., 1.5}; ' +
    'statistics per test point normalised by the exact Gaussian-integral means, extrapolated per seed to d = inf by a line in 1/d. ' +
    'full: 10 seeds, d = 8, 16, 24, 32 (n up to 73130) at alpha 0.35 and d = 8, 10, 12, 14, 16 (n up to 73130) at alpha 0.7, 100 test points; ' +
    'ci, cut to the CI budget: 3 seeds, d = 8, 12, 16, 20, 24 (n up to 4447) and d = 6, 8, 10, 12 (n up to 4447), 60 test points',
  rule: 'for each alpha, TOST over seeds of the d -> inf extrapolated (line in 1/d) statistic against its limit: m2 at h = 0.5 h_CLT and 1.5 h_CLT within +-0.1 (the CLT holds well above h_CLT and fails deep below it); ' +
    'm2 at 0.8 h_CLT (between h_G and h_CLT) within half its limit (0.021 at alpha 0.35, 0.026 at 0.7), so a breakdown at h_G (limit 0) fails (the CLT breaks at h_CLT); ' +
    'the participation ratio at 0.5 h_CLT within +-0.1 of 0.5, and at h_CLT and the largest d below 0.1 (one-sided t, non-inferiority) (a few points dominate below h_G, not above); ' +
    'KL / d at the largest d: grid minimum below h_CLT - grid minimum at or above h_CLT < 0 (paired t over seeds) (the KL-optimal bandwidth is in the non-CLT regime); ' +
    'premise: no KL argmin at the grid\'s lower edge; checks: the tail index at h_CLT by the tilt and by a finite difference of the rate function, and I(u_alpha) = alpha, agree to 1e-6; the exact conditional mean is unbiased for the measured sums (5 s.e.); ' +
    'the participation ratio just below h_G (0.7 h_CLT) reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, dims: [[6, 8, 10], [4, 6, 8]], testPoints: 8 },
    ci: { seeds: [1, 2, 3], ...common, dims: [[8, 12, 16, 20, 24], [6, 8, 10, 12]], testPoints: 60 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, dims: [[8, 16, 24, 32], [8, 10, 12, 14, 16]], testPoints: 100 },
  },
  seed: seedD11,
  summarize: summarizeD11,
});
