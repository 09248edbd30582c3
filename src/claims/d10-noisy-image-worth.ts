/**
 * D10. How much is a noisy image worth? Data Scaling Laws for Ambient Diffusion (Daras, Cherapanamjeri &
 * Daskalakis 2025): in the paper's theoretical model, learning a Gaussian mixture from samples with
 * heterogeneous noise, the marginal utility of a noisy sample decays exponentially with its noise level,
 * and a small clean set (10%) plus many highly noisy samples reaches the performance of an all-clean set.
 *
 * Setting: 1-D data from three equally weighted Gaussians N(mu_k, 1), mu = (-2, 0, 2) (two standard
 * deviations apart, so they overlap), observed as y_i = x_i + sigma_i z_i with sigma_i known; the means
 * are learned by EM with the weights and component variance known, each sample's E-step variance being
 * 1 + sigma_i^2 and its M-step weight its precision (src/techniques/ambient), started from the data's
 * quantiles; errors are root-mean-square over the three means after the best relabelling, and over
 * replicate data sets within a seed.
 * - Worth: the target is the error of nRef clean samples; at each noise variance sigma^2 the error of
 *   noisy-only sets is measured at sizes nRef 2^(j/2), j = -2, -1, ..., until it reaches the target, and
 *   the size N*(sigma^2) that matches it is interpolated (log error linear in log size between the bracketing sizes). A
 *   noisy sample is worth nRef / N* clean ones; "exponentially worse" reads as ln N* growing linearly in
 *   sigma^2, so the per-seed slope of ln(N* / nRef) on sigma^2 (sigma^2 = 0 included, where N* = nRef) is
 *   the effect. Reported beside it: whether the slope holds up over the grid (upper-range slope - lower-range
 *   slope; an exponential law gives 0, any fixed power of (1 + sigma^2) a negative value), and the exact
 *   large-sample prediction tr(I_sigma^-1)/tr(I_0^-1) from the Fisher information by quadrature.
 * - Mixing: from one set of draws per replicate, all N clean; the first 10% clean and the rest noisy
 *   (sigma^2 on a grid; the verdict at sigma^2 = 4, "highly noisy": noise twice a component's standard
 *   deviation, where all-noisy data cannot match, as a premise checks); the 10% clean alone; and all N noisy. N is fixed by the Fisher information before any run: the size at which
 *   dropping 90% of the clean data is predicted to cost twice the margin, so the margin can tell a set
 *   that matches from one that does not (the premise checks it did).
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { asymptoticNoisyPerClean, initMeans, matchedMeanError, meanFisherInformation1d, noisyGmmEm, samplesToMatch, traceInverse } from '../techniques/ambient/index.js';
import { meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface D10Params extends BaseParams {
  /** clean samples whose error the noisy sets must match */
  nRef: number;
  /** noise variances sigma^2 of the noisy-only curves (the component variance is 1) */
  noiseLevels: number[];
  /** replicate data sets per seed, for every error */
  reps: number;
  /** the largest noisy-only size tried, as a multiple of nRef (beyond it N* is extrapolated at rate n^-1/2 and flagged) */
  maxFactor: number;
  /** noise variances of the mixed (10% clean) sets; the verdict is read at 4 */
  mixLevels: number[];
  /** EM: stop when no mean moves more than tol, or after maxIter iterations */
  em: { tol: number; maxIter: number };
}

export const MEANS = [-2, 0, 2];
export const WEIGHTS = [1 / 3, 1 / 3, 1 / 3];
export const VARIANCE = 1;
const TRUTH = MEANS.map((m) => [m]);
/** The yardstick: an RMS error of 0.05 on the means (5% of a component's standard deviation) counts. */
export const MARGIN = 0.05;
export const CLEAN_FRACTION = 0.1;
/**
 * the noise variance at which the mixed set's verdict is read: noise twice a component's standard deviation,
 * as wide as the gaps between the means, where noisy data alone cannot match clean data (a premise checks it)
 */
export const MIX_DECIDES = 4;

/**
 * The mixed sets' total size, fixed by the Fisher information before any run: EM's large-sample RMS error
 * with n clean samples is sqrt(tr(I_0^-1)/(K n)), so dropping 90% of them costs (sqrt(10) - 1) times that,
 * which equals 2 MARGIN at N = (sqrt(10) - 1)^2 tr(I_0^-1) / (K 4 MARGIN^2) (about 3360 here; rounded up to 3500).
 */
export function mixSizeRule(): number {
  const perMean = traceInverse(meanFisherInformation1d(MEANS, WEIGHTS, VARIANCE, 0)) / MEANS.length;
  return ((Math.sqrt(1 / CLEAN_FRACTION) - 1) ** 2 * perMean) / (4 * MARGIN * MARGIN);
}
export const MIX_SIZE = 3500;

/** RMS error of the EM means (quantile start) over the three components after the best relabelling. */
export function emError(y: Float64Array, noiseVar: Float64Array | number, em: D10Params['em']): number {
  const fit = noisyGmmEm(y, 1, noiseVar, { weights: WEIGHTS, variance: VARIANCE, init: initMeans(y, 1, MEANS.length, 'quantiles'), ...em });
  return matchedMeanError(fit.means, TRUTH);
}

/** n draws of the clean data and n standard normals for their noise, from one stream. */
function draws(n: number, rng: Rng): { x: Float64Array; z: Float64Array } {
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  const sd = Math.sqrt(VARIANCE);
  for (let i = 0; i < n; i++) {
    x[i] = MEANS[rng.int(MEANS.length)] + sd * rng.normal();
    z[i] = rng.normal();
  }
  return { x, z };
}

const noisy = (x: Float64Array, z: Float64Array, s2: number, from = 0) => Float64Array.from(x, (v, i) => (i >= from ? v + Math.sqrt(s2) * z[i] : v));
const rms = (errors: number[]) => Math.sqrt(mean(errors.map((e) => e * e)));

export interface D10Seed {
  rows: ClaimResult['rows'];
  /** RMS error of nRef clean samples (the target) */
  target: number;
  /** per noise level: sizes tried, RMS errors there, and the matching size N* */
  curves: { s2: number; sizes: number[]; errors: number[]; nStar: number; extrapolated: boolean }[];
  /** RMS errors of the mixing arms: 'clean', 'tenPercent', 'mixed <s2>', 'noisy <s2>' */
  mix: Record<string, number>;
}

/**
 * nRef 2^(j/2), rounded, j = -2, -1, 0, ... up to nRef maxFactor: it starts below nRef so that a noisy curve
 * that happens to reach the target early is interpolated rather than clamped at nRef.
 */
export function sizeGrid(nRef: number, maxFactor: number): number[] {
  const out: number[] = [];
  for (let j = -2; 2 ** (j / 2) <= maxFactor * (1 + 1e-9); j++) out.push(Math.round(nRef * 2 ** (j / 2)));
  return out;
}

export async function seedD10(p: D10Params, seed: number): Promise<D10Seed> {
  const rng = new Rng(seed);
  const sizes = sizeGrid(p.nRef, p.maxFactor);
  const maxN = sizes[sizes.length - 1];
  // one set of draws per replicate serves every noise level and size (prefixes), so levels differ only by sigma
  const reps = Array.from({ length: p.reps }, (_, r) => draws(maxN, rng.fork(`curve ${r}`)));
  const errorAt = (n: number, s2: number) => rms(reps.map(({ x, z }) => emError(noisy(x.subarray(0, n), z, s2), s2, p.em)));
  const out: D10Seed = { rows: [], target: errorAt(p.nRef, 0), curves: [], mix: {} };
  out.rows.push({ seed, part: 'worth', noiseVar: 0, n: p.nRef, rmsError: out.target });
  for (const s2 of p.noiseLevels) {
    const tried: number[] = [];
    const errors: number[] = [];
    // sizes in order until the error reaches the target: larger sets are not needed to place N*
    for (const n of sizes) {
      tried.push(n);
      errors.push(errorAt(n, s2));
      out.rows.push({ seed, part: 'worth', noiseVar: s2, n, rmsError: errors[errors.length - 1] });
      if (errors[errors.length - 1] <= out.target) break;
    }
    const m = samplesToMatch(tried, errors, out.target);
    out.curves.push({ s2, sizes: tried, errors, nStar: m.n, extrapolated: m.extrapolated });
  }
  // mixing: all clean, 10% clean + 90% noisy, 10% clean alone, all noisy, from the same draws per replicate
  const mixReps = Array.from({ length: p.reps }, (_, r) => draws(MIX_SIZE, rng.fork(`mix ${r}`)));
  const nClean = Math.round(CLEAN_FRACTION * MIX_SIZE);
  const arm = (name: string, make: (d: { x: Float64Array; z: Float64Array }) => [Float64Array, Float64Array | number]) => {
    out.mix[name] = rms(mixReps.map((d) => emError(...make(d), p.em)));
    out.rows.push({ seed, part: 'mixing', arm: name, n: name === 'tenPercent' ? nClean : MIX_SIZE, rmsError: out.mix[name] });
  };
  arm('clean', ({ x }) => [x, 0]);
  arm('tenPercent', ({ x }) => [x.slice(0, nClean), 0]);
  for (const s2 of p.mixLevels) {
    const noiseVar = Float64Array.from({ length: MIX_SIZE }, (_, i) => (i < nClean ? 0 : s2));
    arm(`mixed ${s2}`, ({ x, z }) => [noisy(x, z, s2, nClean), noiseVar]);
    arm(`noisy ${s2}`, ({ x, z }) => [noisy(x, z, s2), s2]);
  }
  return out;
}

const key = (prefix: string, s2: number) => `${prefix}${String(s2).replace('.', 'p')}`;

export function summarizeD10(p: D10Params, perSeed: D10Seed[]): ClaimResult {
  const levels = [0, ...p.noiseLevels];
  const lnWorth = (s: D10Seed) => [0, ...s.curves.map((c) => Math.log(c.nStar / p.nRef))];
  const slopes = perSeed.map((s) => slope(levels, lnWorth(s)));
  // the slope over the lower and the upper half of the grid (sharing the middle level)
  const mid = Math.floor((levels.length - 1) / 2);
  const [lower, upper] = [levels.slice(0, mid + 1), levels.slice(mid)];
  const curvature = perSeed.map((s) => { const l = lnWorth(s); return slope(upper, l.slice(mid)) - slope(lower, l.slice(0, mid + 1)); });
  const fisher = p.noiseLevels.map((s2) => Math.log(asymptoticNoisyPerClean(MEANS, WEIGHTS, VARIANCE, s2)));
  const fisherSlope = slope(levels, [0, ...fisher]);
  const extrapolated = perSeed.reduce((a, s) => a + s.curves.filter((c) => c.extrapolated).length, 0);
  const mixOf = (name: string) => perSeed.map((s) => s.mix[name]);
  const perMeanVar = traceInverse(meanFisherInformation1d(MEANS, WEIGHTS, VARIANCE, 0)) / MEANS.length;
  const numbers: Record<string, number> = { seeds: perSeed.length, mixSize: MIX_SIZE, mixSizeRule: mixSizeRule(), fisherSlope, extrapolatedCurves: extrapolated, target: mean(perSeed.map((s) => s.target)) };
  p.noiseLevels.forEach((s2, i) => {
    numbers[key('lnWorthS', s2)] = mean(perSeed.map((s) => lnWorth(s)[i + 1]));
    numbers[key('fisherLnWorthS', s2)] = fisher[i];
  });
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'worthSlope',
      effects: [
        meanOf('worthSlope', `slope of ln(N*/nRef) on sigma^2 (noisy samples needed to match ${p.nRef} clean ones), per seed`, slopes,
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'per unit sigma^2', part: 'a noisy sample\'s worth decays exponentially with its noise variance' }),
        meanOf('worthCurvature', `slope of ln N* on sigma^2 over sigma^2 in [${upper.join(', ')}] - over [${lower.join(', ')}] (0: log-linear; < 0: slower than exponential)`, curvature,
          { kind: 'non-inferiority', sign: 1, margin: 0.1 }, { unit: 'per unit sigma^2', part: 'a noisy sample\'s worth decays exponentially with its noise variance', decides: false }),
        paired('mixedVsClean', `RMS error of the means, ${100 * CLEAN_FRACTION}% clean + ${100 - 100 * CLEAN_FRACTION}% noisy (sigma^2 = ${MIX_DECIDES}) - all clean, N = ${MIX_SIZE}`,
          mixOf(`mixed ${MIX_DECIDES}`), mixOf('clean'), { kind: 'equivalence', margin: MARGIN }, { unit: 'data units', part: 'a small clean set plus many noisy samples matches an all-clean set' }),
        ...p.mixLevels.filter((s2) => s2 !== MIX_DECIDES).map((s2) => paired(key('mixedVsCleanS', s2), `RMS error, ${100 * CLEAN_FRACTION}% clean + noisy at sigma^2 = ${s2} - all clean`, mixOf(`mixed ${s2}`), mixOf('clean'),
          { kind: 'equivalence', margin: MARGIN }, { unit: 'data units', part: 'a small clean set plus many noisy samples matches an all-clean set', decides: false })),
        paired('mixedVsTenPercent', `RMS error, ${100 * CLEAN_FRACTION}% clean + noisy (sigma^2 = ${MIX_DECIDES}) - the ${100 * CLEAN_FRACTION}% clean alone`, mixOf(`mixed ${MIX_DECIDES}`), mixOf('tenPercent'),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'data units', part: 'a small clean set plus many noisy samples matches an all-clean set', decides: false }),
        ...p.mixLevels.map((s2) => paired(key('noisyOnlyVsCleanS', s2), `RMS error, all ${MIX_SIZE} noisy (sigma^2 = ${s2}) - all clean`, mixOf(`noisy ${s2}`), mixOf('clean'),
          { kind: 'direction', sign: 1, smallest: MARGIN }, { unit: 'data units', part: 'noisy data alone does not match clean data', decides: false })),
      ],
      premise: [
        // the margin must be able to tell matching from not: the 10% clean alone must miss it
        premise('tenPercentGap', `RMS error of the ${100 * CLEAN_FRACTION}% clean alone - all clean (mean over seeds)`, mean(mixOf('tenPercent')) - mean(mixOf('clean')), { atLeast: MARGIN }),
        // "highly noisy": at the verdict's noise level, noisy data alone must miss the margin too
        premise('noisyOnlyGap', `RMS error of all ${MIX_SIZE} noisy (sigma^2 = ${MIX_DECIDES}) - all clean (mean over seeds)`, mean(mixOf(`noisy ${MIX_DECIDES}`)) - mean(mixOf('clean')), { atLeast: MARGIN }),
        // EM must find the maximum-likelihood estimate: at N clean its error is the Fisher (Cramer-Rao) prediction
        premise('cleanVsFisher', `RMS error of all ${MIX_SIZE} clean / the Fisher prediction sqrt(tr(I^-1)/(K N)) (mean over seeds)`, mean(mixOf('clean')) / Math.sqrt(perMeanVar / MIX_SIZE), { atLeast: 0.8, atMost: 1.25 }),
        // N* must be interpolated, not extrapolated, for most curves
        premise('extrapolatedShare', 'share of noise levels x seeds whose N* lies past the largest size tried', extrapolated / (perSeed.length * p.noiseLevels.length), { atMost: 0.1 }),
      ],
      numbers,
    }),
    figures: figuresD10(p, perSeed, fisher),
  };
}

function figuresD10(p: D10Params, perSeed: D10Seed[], fisher: number[]): Figure[] {
  const levels = [0, ...p.noiseLevels];
  const lnWorth = levels.map((_, i) => perSeed.map((s) => (i === 0 ? 0 : Math.log(s.curves[i - 1].nStar / p.nRef))));
  const m = lnWorth.map(mean);
  const sd = lnWorth.map((v, i) => Math.sqrt(v.reduce((a, x) => a + (x - m[i]) ** 2, 0) / Math.max(1, v.length - 1) / v.length));
  const s0 = perSeed[0];
  const mixNames = ['clean', ...p.mixLevels.map((s2) => `mixed ${s2}`), 'tenPercent', ...p.mixLevels.map((s2) => `noisy ${s2}`)];
  return [
    lineFigure(`Noisy samples needed to match the error of ${p.nRef} clean ones: ln(N*/nRef) against the noise variance (mean over seeds, +-1 s.e.), and the large-sample Fisher prediction`, 'noise variance sigma^2 (component variance 1)', 'ln(N* / nRef)', [
      { name: 'EM, measured', x: levels, y: m, errorLow: sd, errorHigh: sd, mode: 'lines+markers' },
      { name: 'Fisher information (n -> infinity)', x: levels, y: [0, ...fisher], mode: 'lines+markers' },
    ]),
    lineFigure(`Error curves of noisy-only sets, first seed of the run, each up to where it reaches the target (the error of ${p.nRef} clean samples)`, 'samples', 'RMS error of the means', [
      ...s0.curves.map((c) => ({ name: `sigma^2 = ${c.s2}`, x: c.sizes, y: c.errors, mode: 'lines+markers' as const })),
      { name: 'target', x: [p.nRef, p.nRef * p.maxFactor], y: [s0.target, s0.target], mode: 'lines' as const },
    ], { logX: true, logY: true }),
    barFigure(`RMS error of the means, N = ${MIX_SIZE} (mean over seeds, 95% t interval): all clean, ${100 * CLEAN_FRACTION}% clean + 90% noisy, the ${100 * CLEAN_FRACTION}% clean alone, all noisy`, 'RMS error',
      mixNames.map((n) => seedBar(mixLabel(n), perSeed.map((s) => s.mix[n])))),
  ];
}

function mixLabel(name: string): string {
  const [kind, s2] = name.split(' ');
  if (kind === 'clean') return `all ${MIX_SIZE} clean`;
  if (kind === 'tenPercent') return `${Math.round(CLEAN_FRACTION * MIX_SIZE)} clean alone`;
  return kind === 'mixed' ? `10% clean + 90% noisy, sigma^2 = ${s2}` : `all noisy, sigma^2 = ${s2}`;
}

const common = { nRef: 200, noiseLevels: [0.5, 1, 2, 4], maxFactor: 64, em: { tol: 1e-5, maxIter: 2000 } };

export const claim = defineClaim<D10Params, D10Seed>({
  id: 'D10',
  slug: 'noisy-image-worth',
  paper: 'How much is a noisy image worth? Data Scaling Laws for Ambient Diffusion (Daras, Cherapanamjeri & Daskalakis 2025)',
  claim: 'for Gaussian-mixture learning with heterogeneous noise, a noisy sample\'s marginal utility decays exponentially with its noise level, and a small clean set plus many noisy samples matches an all-clean set',
  setting: '1-D mixture of three equally weighted N(mu_k, 1), mu = (-2, 0, 2); observations x + sigma z with sigma known; means learned by EM with known weights and variance (per-sample E-step variance 1 + sigma_i^2, quantile start), ' +
    'RMS error over the means after the best relabelling and over replicate data sets; worth: noisy-only error curves at sizes 200 2^(j/2) (from 0.5x up to 64x) for sigma^2 in {0.5, 1, 2, 4}, N* interpolated where they reach the error of 200 clean samples; ' +
    `mixing at N = ${MIX_SIZE} (fixed by the Fisher information): all clean, 10% clean + 90% noisy, 10% clean alone, all noisy. Full: 10 seeds x 40 replicates, mixing at sigma^2 in {0.5, 1, 2, 4}; ci, cut to the CI budget: 5 seeds x 6 replicates, mixing at sigma^2 in {1, 4}`,
  rule: 'per-seed slope of ln(N*/200) on sigma^2 above 0 (t over seeds); 10% clean + 90% noisy (sigma^2 = 4) - all clean RMS error within +-0.05 (TOST, paired over seeds); ' +
    'premises: the 10% clean alone and all-noisy (sigma^2 = 4) each at least 0.05 worse than all clean (the margin discriminates; the noise is high), all-clean EM error within [0.8, 1.25] of the Fisher prediction, at most 10% of N* extrapolated; ' +
    'reported: the slope\'s change from the lower to the upper half of the grid (non-inferiority margin 0.1; an exponential law gives 0), the Fisher prediction of ln N*, mixing at the other noise levels, mixed vs 10% clean alone, noisy-only vs clean',
  scales: {
    smoke: { seeds: [1, 2], ...common, nRef: 100, noiseLevels: [1, 4], maxFactor: 32, reps: 2, mixLevels: [4] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, reps: 6, mixLevels: [1, 4] },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, reps: 40, mixLevels: [0.5, 1, 2, 4] },
  },
  seed: seedD10,
  summarize: summarizeD10,
});
