/**
 * I1. Model Collapse Demystified: The Case of Regression (Dohmatob, Feng & Kempe 2024): when each
 * generation's regressor is trained on labels produced by the previous generation, the downstream test
 * error grows linearly with the number of generations n, as the paper's analytic formula predicts, and
 * a regularisation adapted to n mitigates it.
 *
 * Setting, exact: isotropic Gaussian inputs in d dimensions, a fixed truth w0 with |w0|^2 = 50 at every
 * scale (drawn per seed), generation 0 = w0, generation k = OLS on T0 fresh inputs labelled by generation k-1 plus
 * N(0, sigma0^2) noise. At each n = 0..10 a downstream model is fitted to T inputs labelled by
 * generation n plus N(0, sigma^2) noise, and its test error is the excess risk |w_pred - w0|^2
 * (exact for isotropic test inputs). The paper's OLS formula, exact at finite sizes (inverse Wishart
 * mean): E_test(n) = sigma^2 d / (T - d - 1) + n sigma0^2 d / (T0 - d - 1). For downstream ridge the
 * paper's decomposition E_test = clean ridge error + n sigma0^2 rho, with each trace in its
 * Marchenko-Pastur limit (src/techniques/high-dim-regression/collapse.ts derives it). "Fixed" ridge
 * uses the lambda optimal for clean data (n = 0) at every generation; "adaptive" ridge the lambda that
 * minimises the formula at the generation in question (the paper's mitigation: the optimal
 * regularisation grows with the amount of fake-data noise).
 */
import { lineFigure, barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean, tInterval } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { collapseChain, olsCollapseError, optimalCollapseRidge, ridgeCollapseError, type CollapseSetting } from '../techniques/high-dim-regression/collapse.js';
import { ridgeFit, ridgeGradient } from '../techniques/high-dim-regression/fits.js';
import { gaussianMatrix } from '../techniques/high-dim-regression/linalg.js';
import { mpExpectation } from '../techniques/high-dim-regression/marchenko-pastur.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface I1Params extends BaseParams {
  d: number;
  /** downstream and per-generation sample sizes, as multiples of d */
  tOverD: number;
  t0OverD: number;
  sigma: number;
  sigma0: number;
  /** |w0|^2, fixed across scales: with T, T0 proportional to d this keeps every per-coordinate ratio (signal, fake-data noise, label noise) the same as d grows */
  signal: number;
  generations: number;
  /** independent collapse chains per seed (averaged: the formula is an expectation) */
  chains: number;
}

/** Equivalence margin on measured / formula - 1. */
const REL_MARGIN = 0.1;
/** The smallest adaptive-vs-fixed gain that counts, in excess-risk units (sigma^2 = 1 is the label noise). */
const SMALLEST_GAIN = 0.25;

export function settingOf(p: I1Params): CollapseSetting {
  return { d: p.d, T: p.tOverD * p.d, T0: p.t0OverD * p.d, sigma: p.sigma, sigma0: p.sigma0 };
}

export interface I1Seed {
  /** mean over chains of |w_pred - w0|^2 per arm ('ols', 'fixed', 'adaptive') and generation */
  error: Record<string, number[]>;
}

/** The ridge lambdas: fixed = optimal at n = 0, adaptive = optimal at each n (from the formula). */
export function lambdasOf(p: I1Params): { fixed: number; adaptive: number[] } {
  const s = settingOf(p);
  const adaptive = Array.from({ length: p.generations + 1 }, (_, n) => optimalCollapseRidge(s, n, p.signal));
  return { fixed: adaptive[0], adaptive };
}

export function seedI1(p: I1Params, seed: number): I1Seed {
  const s = settingOf(p);
  const rng = new Rng(seed);
  const w0 = gaussianMatrix(1, p.d, rng.fork('w0'));
  const scale = Math.sqrt(p.signal / w0.reduce((a, b) => a + b * b, 0));
  for (let i = 0; i < p.d; i++) w0[i] *= scale;
  const { fixed, adaptive } = lambdasOf(p);
  const arms = [{ name: 'ols', lambda: () => 0 }, { name: 'fixed', lambda: () => fixed }, { name: 'adaptive', lambda: (n: number) => adaptive[n] }];
  const error: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, new Array(p.generations + 1).fill(0)]));
  for (let c = 0; c < p.chains; c++) {
    const out = collapseChain(s, w0, p.generations, arms, rng.fork(`chain ${c}`));
    for (const a of arms) out[a.name].forEach((v, n) => (error[a.name][n] += v / p.chains));
  }
  return { error };
}

/** Exact identities of the instruments: the MP quadrature's E[1/mu] = 1/(1 - gamma), and the ridge solver's stationarity. */
function instrumentChecks(p: I1Params): { mp: number; stationarity: number } {
  const gamma = 1 / p.tOverD;
  const mp = mpExpectation((mu) => 1 / mu, gamma) - 1 / (1 - gamma);
  const rng = new Rng(0);
  const n = 40, d = 15;
  const x = gaussianMatrix(n, d, rng);
  const y = gaussianMatrix(1, n, rng);
  const g = ridgeGradient(x, y, n, d, 0.3, ridgeFit(x, y, n, d, 0.3));
  return { mp, stationarity: Math.sqrt(g.reduce((a, b) => a + b * b, 0)) };
}

export function summarizeI1(p: I1Params, perSeed: I1Seed[]): ClaimResult {
  const s = settingOf(p);
  const gens = Array.from({ length: p.generations + 1 }, (_, n) => n);
  const G = p.generations;
  const { fixed, adaptive } = lambdasOf(p);
  const ols = gens.map((n) => olsCollapseError(s, n));
  const fixedTheory = gens.map((n) => ridgeCollapseError(s, n, fixed, p.signal));
  const adaptiveTheory = gens.map((n) => ridgeCollapseError(s, n, adaptive[n], p.signal));
  const err = (arm: string, n: number) => perSeed.map((x) => x.error[arm][n]);
  const rel = (arm: string, n: number, theory: number) => err(arm, n).map((v) => v / theory - 1);
  const theorySlope = (p.sigma0 ** 2 * p.d) / (s.T0 - p.d - 1);
  const slopes = perSeed.map((x) => slope(gens, x.error.ols) / theorySlope - 1);
  const inst = instrumentChecks(p);
  const olsPart = 'OLS test error follows the formula at every generation (linear growth)';
  const ridgePart = 'the ridge formula holds, and adaptive regularisation mitigates collapse';
  return {
    rows: perSeed.flatMap((x, i) => gens.flatMap((n) => ['ols', 'fixed', 'adaptive'].map((arm) => ({
      seed: p.seeds[i], generation: n, arm, lambda: arm === 'ols' ? 0 : arm === 'fixed' ? fixed : adaptive[n], testError: x.error[arm][n],
      formula: arm === 'ols' ? ols[n] : arm === 'fixed' ? fixedTheory[n] : adaptiveTheory[n],
    })))),
    verdict: verdict({
      headline: `olsRelErrGen${G}`,
      effects: [
        ...gens.map((n) => meanOf(`olsRelErrGen${n}`, `OLS test error at generation ${n}, measured / formula - 1`, rel('ols', n, ols[n]),
          { kind: 'equivalence', margin: REL_MARGIN }, { unit: 'relative', part: olsPart })),
        meanOf('olsSlopeRel', 'slope of OLS test error on generation, measured / formula sigma0^2 d / (T0 - d - 1) - 1', slopes,
          { kind: 'equivalence', margin: REL_MARGIN }, { unit: 'relative', part: olsPart }),
        meanOf('fixedRidgeRelErr', `fixed-ridge test error at generation ${G}, measured / formula - 1`, rel('fixed', G, fixedTheory[G]),
          { kind: 'equivalence', margin: REL_MARGIN }, { unit: 'relative', part: ridgePart }),
        meanOf('adaptiveRidgeRelErr', `adaptive-ridge test error at generation ${G}, measured / formula - 1`, rel('adaptive', G, adaptiveTheory[G]),
          { kind: 'equivalence', margin: REL_MARGIN }, { unit: 'relative', part: ridgePart }),
        paired('adaptiveVsFixed', `test error at generation ${G}, adaptive ridge - fixed ridge`, err('adaptive', G), err('fixed', G),
          { kind: 'direction', sign: -1, smallest: SMALLEST_GAIN }, { unit: 'excess risk', part: ridgePart }),
      ],
      premise: [
        // collapse must be under way: by the last generation the fake-data error dominates the clean error
        premise('collapseGrowth', `measured OLS test error, generation ${G} / generation 0 (mean over seeds)`, mean(err('ols', G)) / mean(err('ols', 0)), { atLeast: 3 }),
      ],
      checks: [
        check('mpInverseMean', 'Marchenko-Pastur quadrature: E[1/mu] - 1/(1 - gamma)', inst.mp, 0, 1e-9),
        check('ridgeStationarity', 'norm of the ridge objective gradient at the solver output (40 x 15, lambda 0.3)', inst.stationarity, 0, 1e-10),
      ],
      numbers: { seeds: perSeed.length, chains: p.chains, d: p.d, lambdaFixed: fixed, lambdaAdaptiveLast: adaptive[G], formulaOlsLast: ols[G], formulaFixedLast: fixedTheory[G], formulaAdaptiveLast: adaptiveTheory[G] },
    }),
    figures: figuresI1(p, perSeed, { ols, fixedTheory, adaptiveTheory }),
  };
}

function figuresI1(p: I1Params, perSeed: I1Seed[], theory: { ols: number[]; fixedTheory: number[]; adaptiveTheory: number[] }): Figure[] {
  const gens = Array.from({ length: p.generations + 1 }, (_, n) => n);
  const measured = (arm: string, name: string) => {
    const iv = gens.map((n) => tInterval(perSeed.map((x) => x.error[arm][n])));
    const y = gens.map((n) => mean(perSeed.map((x) => x.error[arm][n])));
    return { name, x: gens, y, errorLow: iv.map((v) => v.lo), errorHigh: iv.map((v) => v.hi), mode: 'markers' as const };
  };
  const G = p.generations;
  return [
    lineFigure(`Test error |w_pred - w0|^2 against the number of fake generations (d = ${p.d}, T = ${p.tOverD}d, T0 = ${p.t0OverD}d; mean over seeds, 95% t interval; lines: formulas)`,
      'generation n', 'test error (excess risk)', [
        measured('ols', 'OLS, measured'), { name: 'OLS formula', x: gens, y: theory.ols },
        measured('fixed', 'fixed ridge, measured'), { name: 'fixed ridge formula', x: gens, y: theory.fixedTheory },
        measured('adaptive', 'adaptive ridge, measured'), { name: 'adaptive ridge formula', x: gens, y: theory.adaptiveTheory },
      ]),
    barFigure(`Test error at generation ${G} (mean over seeds, 95% t interval)`, 'test error', [
      seedBar('OLS', perSeed.map((x) => x.error.ols[G])), seedBar('fixed ridge', perSeed.map((x) => x.error.fixed[G])), seedBar('adaptive ridge', perSeed.map((x) => x.error.adaptive[G])),
    ]),
  ];
}

const common = { tOverD: 2, t0OverD: 2, sigma: 1, sigma0: 1, signal: 50, generations: 10 };

export const claim = defineClaim<I1Params, I1Seed>({
  id: 'I1',
  slug: 'model-collapse',
  paper: 'Model Collapse Demystified: The Case of Regression (Dohmatob, Feng & Kempe 2024)',
  claim: 'training each generation\'s regressor on labels produced by the previous generation makes test error grow linearly with the number of generations, as the paper\'s analytic formula predicts; adaptive regularisation mitigates it',
  setting: 'isotropic Gaussian inputs, |w0|^2 = 50 (at every scale), T = T0 = 2d, sigma = sigma0 = 1, generations 0..10 of OLS on fresh inputs labelled by the previous generation; downstream OLS, ridge at the clean-optimal lambda (fixed) ' +
    'and ridge at the formula-optimal lambda per generation (adaptive); test error = |w_pred - w0|^2, averaged over independent chains per seed. Full: d = 200, 50 chains, 10 seeds; ci, cut to the CI budget: d = 50, 64 chains, 5 seeds',
  rule: 'measured / formula - 1 within +-0.1 (TOST over seeds) for OLS at every generation 0..10, for the OLS slope on generation, and for fixed and adaptive ridge at generation 10; ' +
    'adaptive - fixed ridge test error at generation 10 below 0 and not wholly above -0.25 (paired t); premise: measured OLS error at generation 10 >= 3x generation 0; ' +
    'checks: the Marchenko-Pastur quadrature (E 1/mu = 1/(1 - gamma), 1e-9) and the ridge solver (gradient 0, 1e-10)',
  scales: {
    smoke: { seeds: [1, 2], ...common, d: 20, chains: 10 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, d: 50, chains: 64 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, d: 200, chains: 50 },
  },
  seed: seedI1,
  summarize: summarizeI1,
});
