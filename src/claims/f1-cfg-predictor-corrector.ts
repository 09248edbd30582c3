/**
 * F1. Classifier-free guidance is a predictor-corrector (Bradley & Nakkiran 2024): CFG does not sample
 * the gamma-powered distribution p(x|c)^gamma p(x)^(1-gamma), DDPM and DDIM with CFG sample different
 * distributions, and in the SDE limit DDPM with CFG equals predictor-corrector guidance (PCG): a DDIM
 * predictor on the conditional model plus a Langevin corrector on the gamma' = 2 gamma - 1 power.
 *
 * Setting, on exact footing: 1-D data from two classes, p(x|c) = N(+-mu, v) with equal weights, so the
 * marginal p(x) is a two-Gaussian mixture and every noised conditional and unconditional score is
 * closed form (src/techniques/diffusion/gmm.ts); the target p(x|c=1)^gamma p(x)^(1-gamma) is normalised
 * by quadrature. The schedule is the VP SDE's (beta from 0.1/T to 20/T over T steps), run at T steps and
 * at 2T (the gaps must persist when the steps double, so they are not discretisation error). Per seed
 * all samplers start from the same prior draws, and PCG's corrector shares DDPM's noise (common random
 * numbers), so their difference is the samplers', not the draws'.
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { wasserstein2Sq1d } from '../stats/two-sample.js';
import {
  cfg, ddimSample, ddpmSample, gmm, gmmEps, linearBetas, noisedLogDensity, pcgSample, tiltedLogDensity1d, type DiscreteSchedule, type StepEps,
} from '../techniques/diffusion/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface F1Params extends BaseParams {
  /** chains per sampler and seed */
  chains: number;
  /** steps of the coarser grid; the finer has twice as many */
  steps: number;
  /** guidance strength (gamma = 1 + w) */
  gamma: number;
  /** class means +-mu, common variance v */
  mu: number;
  v: number;
}

/** Samplers compared with the target, per grid. */
export const SAMPLERS = ['DDPM-CFG', 'DDIM-CFG', 'PCG'] as const;
type Sampler = (typeof SAMPLERS)[number];

/** The quadrature grid for the target: wide enough that the density vanishes at its ends. */
const GRID = Float64Array.from({ length: 24001 }, (_, i) => -12 + i * 0.001);

/** 'difference' effects and the equivalence use one yardstick: a W2 or moment gap of 0.02 (data units, v = 1) counts. */
const MARGIN = 0.02;

export interface F1Seed {
  rows: ClaimResult['rows'];
  /** W2 to the target per grid ('T' and '2T') and sampler (PCG on 2T only) */
  w2: Record<string, number>;
  /** W2 between DDPM-CFG and DDIM-CFG samples per grid */
  ddpmVsDdim: Record<string, number>;
  /** |mean difference| + |variance difference| of PCG and DDPM-CFG, per grid */
  pcgGap: Record<string, number>;
  /** PCG - DDPM-CFG on the 2T grid: mean and variance */
  pcgMean: number;
  pcgVar: number;
  /** sampled moments per grid and sampler */
  moments: Record<string, { mean: number; variance: number }>;
  /** W2 of an exact draw from the target (the floor a sampler's W2 is read against) */
  floor: number;
  /** W2 to p(x|c) of DDPM and DDIM without guidance (gamma = 1) on the 2T grid */
  unguided: number;
  /** histogram of the first seed's samples, for the figure */
  hist?: Record<string, number[]>;
}

/** The target's density and quantile function on the grid. */
export interface Target { density: Float64Array; cdf: Float64Array; mean: number; variance: number }

export function target(p: F1Params, gamma = p.gamma): Target {
  const mix = gmm([0.5, 0.5], [[-p.mu], [p.mu]], p.v);
  const cond = gmm([1], [[p.mu]], p.v);
  const lc = noisedLogDensity(cond, GRID, 1, 0);
  const lu = noisedLogDensity(mix, GRID, 1, 0);
  const { logZ, mean: m, variance } = tiltedLogDensity1d(lc, lu, gamma, GRID);
  const density = Float64Array.from(GRID, (_, i) => Math.exp(gamma * lc[i] + (1 - gamma) * lu[i] - logZ));
  const cdf = new Float64Array(GRID.length);
  for (let i = 1; i < GRID.length; i++) cdf[i] = cdf[i - 1] + 0.5 * (GRID[i] - GRID[i - 1]) * (density[i] + density[i - 1]);
  for (let i = 0; i < cdf.length; i++) cdf[i] /= cdf[cdf.length - 1];
  return { density, cdf, mean: m, variance };
}

/** The target's quantile at u, by linear interpolation of its CDF on the grid. */
function quantile(t: Target, u: number): number {
  let [lo, hi] = [0, t.cdf.length - 1];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t.cdf[mid] < u) lo = mid; else hi = mid;
  }
  const f = (u - t.cdf[lo]) / Math.max(1e-300, t.cdf[hi] - t.cdf[lo]);
  return GRID[lo] + f * (GRID[hi] - GRID[lo]);
}

/** W2 between samples and the target: the samples' order statistics against the target's quantiles at (i + 1/2)/n. */
export function w2ToTarget(x: Float64Array, t: Target): number {
  const s = Float64Array.from(x).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += (s[i] - quantile(t, (i + 0.5) / s.length)) ** 2;
  return Math.sqrt(sum / s.length);
}

const moments = (x: Float64Array) => {
  const m = mean(Array.from(x));
  return { mean: m, variance: x.reduce((a, v) => a + (v - m) ** 2, 0) / (x.length - 1) };
};

/** The VP SDE's schedule on `steps` steps: beta from 0.1/T to 20/T (T = 1000 gives DDPM's 1e-4 to 0.02). */
const vpSchedule = (steps: number): DiscreteSchedule => linearBetas(steps, 0.1 / steps, 20 / steps);

export async function seedF1(p: F1Params, seed: number): Promise<F1Seed> {
  const rng = new Rng(seed);
  const mix = gmm([0.5, 0.5], [[-p.mu], [p.mu]], p.v);
  const cond = gmm([1], [[p.mu]], p.v);
  const tgt = target(p);
  const unguidedTarget = target(p, 1);
  const prior = rng.fork('prior');
  const z = Float64Array.from({ length: p.chains }, () => prior.normal());
  const rows: ClaimResult['rows'] = [];
  const out: F1Seed = { rows, w2: {}, ddpmVsDdim: {}, pcgGap: {}, pcgMean: NaN, pcgVar: NaN, moments: {}, floor: NaN, unguided: NaN };
  for (const [grid, steps] of [['T', p.steps], ['2T', 2 * p.steps]] as const) {
    const schedule = vpSchedule(steps);
    const xT = Float64Array.from(z, (v) => v * Math.sqrt(1 - schedule.alphaBar[steps - 1]));
    const [epsC, epsU] = [gmmEps(cond, schedule), gmmEps(mix, schedule)];
    const guided: StepEps = (x, t) => cfg(epsC(x, t), epsU(x, t), p.gamma);
    const noise = `ddpm noise ${grid}`;
    const samples: Partial<Record<Sampler, Float64Array>> = {
      'DDPM-CFG': ddpmSample(schedule, guided, xT, rng.fork(noise)),
      'DDIM-CFG': ddimSample(schedule, guided, xT),
    };
    // PCG is DDPM-CFG's SDE limit: on both grids, with DDPM's own noise (the equivalence is read on the
    // finer; that their gap shrinks from T to 2T is reported)
    samples.PCG = pcgSample(schedule, epsC, epsU, xT, { gamma: p.gamma, rng: rng.fork(noise) });
    for (const s of SAMPLERS) {
      const x = samples[s];
      if (!x) continue;
      const key = `${s} ${grid}`;
      out.w2[key] = w2ToTarget(x, tgt);
      out.moments[key] = moments(x);
      rows.push({ seed, grid, steps, sampler: s, w2ToTarget: out.w2[key], mean: out.moments[key].mean, variance: out.moments[key].variance, targetMean: tgt.mean, targetVariance: tgt.variance });
    }
    out.ddpmVsDdim[grid] = Math.sqrt(wasserstein2Sq1d(samples['DDPM-CFG']!, samples['DDIM-CFG']!));
    out.pcgGap[grid] = Math.abs(out.moments[`PCG ${grid}`].mean - out.moments[`DDPM-CFG ${grid}`].mean) + Math.abs(out.moments[`PCG ${grid}`].variance - out.moments[`DDPM-CFG ${grid}`].variance);
    if (grid === '2T') {
      out.pcgMean = out.moments['PCG 2T'].mean - out.moments['DDPM-CFG 2T'].mean;
      out.pcgVar = out.moments['PCG 2T'].variance - out.moments['DDPM-CFG 2T'].variance;
      // the instruments: without guidance both samplers should sample p(x|c) itself
      const plain = [ddpmSample(schedule, epsC, xT, rng.fork('unguided noise')), ddimSample(schedule, epsC, xT)];
      out.unguided = Math.max(...plain.map((x) => w2ToTarget(x, unguidedTarget)));
      rows.push({ seed, grid, steps, sampler: 'no guidance (worse of DDPM, DDIM) vs p(x|c)', w2ToTarget: out.unguided });
      if (seed === p.seeds[0]) out.hist = Object.fromEntries(SAMPLERS.map((s) => [s, histogram(samples[s]!)]));
    }
  }
  // the floor: an exact draw of the same size from the target, by its quantile function
  const u = rng.fork('floor');
  out.floor = w2ToTarget(Float64Array.from({ length: p.chains }, () => quantile(tgt, u.uniform())), tgt);
  rows.push({ seed, grid: '-', steps: 0, sampler: 'exact draw from the target (floor)', w2ToTarget: out.floor });
  return out;
}

const HIST_EDGES = Float64Array.from({ length: 121 }, (_, i) => -2 + i * 0.05);

function histogram(x: Float64Array): number[] {
  const counts = new Array<number>(HIST_EDGES.length - 1).fill(0);
  const w = HIST_EDGES[1] - HIST_EDGES[0];
  for (const v of x) {
    const k = Math.floor((v - HIST_EDGES[0]) / w);
    if (k >= 0 && k < counts.length) counts[k]++;
  }
  return counts.map((c) => c / (x.length * w));
}

/** Exact checks of the target: at gamma = 1 it is p(x|c) itself, N(mu, v). */
function targetCheck(p: F1Params): number {
  const t = target(p, 1);
  return Math.max(Math.abs(t.mean - p.mu), Math.abs(t.variance - p.v));
}

export function summarizeF1(p: F1Params, perSeed: F1Seed[]): ClaimResult {
  const w2 = (key: string) => perSeed.map((s) => s.w2[key]);
  const floor = mean(perSeed.map((s) => s.floor));
  const differs = { kind: 'difference', smallest: MARGIN } as const;
  // a W2 is >= 0 by construction: "differs" means its interval lies above the 0.02 that counts
  const above = { kind: 'direction', sign: 1, reference: MARGIN, smallest: 0 } as const;
  const neither = { unit: 'W2 (data units)', part: 'neither DDPM-CFG nor DDIM-CFG samples the gamma-powered distribution' };
  const apart = { unit: 'W2 (data units)', part: 'DDPM-CFG and DDIM-CFG sample different distributions' };
  const pc = { unit: 'data units', part: 'DDPM-CFG is predictor-corrector guidance (gamma\' = 2 gamma - 1)' };
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'ddimToTarget2T',
      effects: [
        meanOf('ddpmToTarget', `W2(DDPM-CFG samples, target), ${p.steps} steps`, w2('DDPM-CFG T'), above, neither),
        meanOf('ddimToTarget', `W2(DDIM-CFG samples, target), ${p.steps} steps`, w2('DDIM-CFG T'), above, neither),
        meanOf('ddpmToTarget2T', `W2(DDPM-CFG samples, target), ${2 * p.steps} steps`, w2('DDPM-CFG 2T'), above, neither),
        meanOf('ddimToTarget2T', `W2(DDIM-CFG samples, target), ${2 * p.steps} steps`, w2('DDIM-CFG 2T'), above, neither),
        meanOf('ddpmVsDdim', `W2(DDPM-CFG samples, DDIM-CFG samples), ${p.steps} steps`, perSeed.map((s) => s.ddpmVsDdim.T), above, apart),
        meanOf('ddpmVsDdim2T', `W2(DDPM-CFG samples, DDIM-CFG samples), ${2 * p.steps} steps`, perSeed.map((s) => s.ddpmVsDdim['2T']), above, apart),
        meanOf('pcgMean', `mean, PCG - DDPM-CFG, ${2 * p.steps} steps`, perSeed.map((s) => s.pcgMean), { kind: 'equivalence', margin: MARGIN }, pc),
        meanOf('pcgVariance', `variance, PCG - DDPM-CFG, ${2 * p.steps} steps`, perSeed.map((s) => s.pcgVar), { kind: 'equivalence', margin: MARGIN }, pc),
        // reported: which way the samplers miss (the sign the paper's analysis predicts for each)
        meanOf('ddpmVarianceGap', `variance, DDPM-CFG - target, ${2 * p.steps} steps`, perSeed.map((s) => s.moments['DDPM-CFG 2T'].variance - target(p).variance), differs, { ...neither, unit: 'data units^2', decides: false }),
        meanOf('ddimVarianceGap', `variance, DDIM-CFG - target, ${2 * p.steps} steps`, perSeed.map((s) => s.moments['DDIM-CFG 2T'].variance - target(p).variance), differs, { ...neither, unit: 'data units^2', decides: false }),
        paired('pcgGapShrinks', `PCG vs DDPM-CFG, |mean difference| + |variance difference|, ${2 * p.steps} steps - ${p.steps} steps`, perSeed.map((s) => s.pcgGap['2T']), perSeed.map((s) => s.pcgGap.T),
          { kind: 'direction', sign: -1, smallest: 0 }, { ...pc, decides: false }),
        paired('ddpmMinusDdimMean', `mean, DDPM-CFG - DDIM-CFG, ${2 * p.steps} steps`, perSeed.map((s) => s.moments['DDPM-CFG 2T'].mean), perSeed.map((s) => s.moments['DDIM-CFG 2T'].mean), differs, { ...apart, unit: 'data units', decides: false }),
      ],
      premise: [
        // the yardstick must be resolvable: an exact draw of the same size sits well inside it
        premise('floor', 'W2 of an exact draw from the target (mean over seeds)', floor, { atMost: MARGIN / 2 }),
        // the instruments: unguided, both samplers reproduce p(x|c) within the yardstick
        premise('unguided', 'W2 to p(x|c) of DDPM and DDIM without guidance, the worse (mean over seeds)', mean(perSeed.map((s) => s.unguided)), { atMost: MARGIN }),
      ],
      checks: [check('targetAtGammaOne', 'quadrature target at gamma = 1: largest |moment - N(mu, v)\'s|', targetCheck(p), 0, 1e-8)],
      numbers: {
        seeds: perSeed.length, targetMean: target(p).mean, targetVariance: target(p).variance, floorW2: floor,
        ...Object.fromEntries(SAMPLERS.flatMap((s) => {
          const tag = s.replace('-CFG', '').toLowerCase();
          return [[`${tag}Mean2T`, mean(perSeed.map((q) => q.moments[`${s} 2T`].mean))], [`${tag}Var2T`, mean(perSeed.map((q) => q.moments[`${s} 2T`].variance))]];
        })),
      },
    }),
    figures: figuresF1(p, perSeed),
  };
}

function figuresF1(p: F1Params, perSeed: F1Seed[]): Figure[] {
  const t = target(p);
  const step = 20;
  const xs = Array.from(GRID).filter((_, i) => i % step === 0 && GRID[i] >= -2 && GRID[i] <= 4);
  const dens = Array.from(t.density).filter((_, i) => i % step === 0 && GRID[i] >= -2 && GRID[i] <= 4);
  const centres = Array.from(HIST_EDGES.slice(0, -1), (e) => e + 0.025);
  const hist = perSeed[0].hist!;
  return [
    lineFigure(`Samples of seed ${perSeed[0].rows[0].seed} (${2 * p.steps} steps) against the target p(x|c)^${p.gamma} p(x)^${1 - p.gamma}`, 'x', 'density', [
      { name: 'target (quadrature)', x: xs, y: dens },
      ...SAMPLERS.map((s) => ({ name: s, x: centres, y: hist[s], mode: 'lines' as const })),
    ]),
    barFigure(`W2 to the target (mean over seeds, 95% t interval; a gap of ${MARGIN} counts)`, 'W2', [
      ...(['T', '2T'] as const).flatMap((g) => SAMPLERS.filter((s) => perSeed[0].w2[`${s} ${g}`] !== undefined).map((s) => seedBar(`${s}, ${g === 'T' ? p.steps : 2 * p.steps} steps`, perSeed.map((q) => q.w2[`${s} ${g}`])))),
      seedBar('exact draw (floor)', perSeed.map((q) => q.floor)),
    ]),
  ];
}

const common = { gamma: 3, mu: 1, v: 1 };

export const claim = defineClaim<F1Params, F1Seed>({
  id: 'F1',
  slug: 'cfg-predictor-corrector',
  paper: 'Classifier-Free Guidance is a Predictor-Corrector (Bradley & Nakkiran 2024)',
  claim: 'neither DDPM nor DDIM with CFG samples p(x|c)^gamma p(x)^(1-gamma), the two differ, and DDPM-CFG equals a DDIM predictor plus a Langevin corrector on the (2 gamma - 1)-powered distribution',
  setting: '1-D, two classes p(x|c) = N(+-1, 1) with equal weights (marginal a two-Gaussian mixture), condition c = +1, gamma = 3 (w = 2); exact noised scores; ' +
    'VP schedule beta 0.1/T..20/T at T = 1000 and 2T = 2000 steps, 100000 chains, 10 seeds at full; ci, cut to the CI budget: T = 100, 24000 chains, 3 seeds; ' +
    'target normalised by quadrature on [-12, 12] (step 0.001); all samplers share the prior draws, PCG shares DDPM\'s noise',
  rule: 'W2 to the target above 0.02 (95% t interval over seeds) for DDPM-CFG and DDIM-CFG at T and 2T; W2 between DDPM-CFG and DDIM-CFG above 0.02 at T and 2T; ' +
    'PCG - DDPM-CFG at 2T: mean and variance within +-0.02 (TOST, 90% interval); premises: an exact draw\'s W2 <= 0.01, unguided samplers within W2 0.02 of p(x|c); check: target at gamma = 1 is N(mu, v) (1e-8). ' +
    'Variance gaps, the DDPM - DDIM mean difference and the shrinking of the PCG - DDPM gap from T to 2T reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, chains: 2000, steps: 100 },
    ci: { seeds: [1, 2, 3], ...common, chains: 24000, steps: 100 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, chains: 100000, steps: 1000 },
  },
  seed: seedF1,
  summarize: summarizeF1,
});
