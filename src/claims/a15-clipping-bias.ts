/**
 * A15. Revisiting Gradient Clipping: Stochastic bias and tight convergence guarantees (Koloskova,
 * Hendrikx & Stich, ICML 2023): (i) with deterministic gradients the clipping threshold c only enters
 * higher-order terms of gradient descent's rate; (ii) with stochastic gradients under the standard noise
 * assumption clipped SGD need not converge to the optimum, whatever the step size: it settles where the
 * clipped mean field E[clip_c(grad f(x) + xi)] vanishes, which differs from grad f = 0 when the noise is
 * skewed.
 *
 * Setting, on exact footing. Stochastic: per seed f(x) = (mu/2)(x - x*)^2 with mu in [0.5, 2] and
 * gradient noise xi = E - 1, E ~ Exp(1) (mean 0, variance 1, skewness 2); clipped SGD with vanishing steps
 * eta_t = (0.5 / mu) / (1 + t/100)^0.75 for 20000 steps, Polyak-averaged over the second half, from x* + 2;
 * c in {0.25, 0.5, 1, 2, 4} and no clipping. The root x_c of E[clip_c(mu (x - x*) + xi)] = 0 comes from
 * quadrature of -c + int_{-c}^{c} P(v > t) dt (src/techniques/clipping; tested against closed forms).
 * Deterministic: per seed logistic regression on 40 linearly separable points in R^5 (no minimiser, so
 * |grad f| -> 0 at a sublinear rate, where higher-order terms can be told apart), gradient descent with
 * eta = 1/L from w0 = -3 w_true / |w_true|, clipped at c = |grad f(w0)| / 10 or not; the iterations to
 * reach |grad f| <= eps for eps from 1e-2 to 3e-4.
 */
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { centeredExponential, clippedMean, clippedRoot, clippedSgd1d, exponentialClippedMean, iterationsToTolerance } from '../techniques/clipping/index.js';
import { matrixOperator, powerIteration } from '../techniques/curvature/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A15Params extends BaseParams {
  /** clipping thresholds of the stochastic part; the bias is read at `cRef` */
  cs: number[];
  /** the c at which limit = root decides (the root lies well beyond the margin from the optimum); the others are reported */
  decideCs: number[];
  cRef: number;
  runs: number;
  steps: number;
  /** deterministic part: separable logistic regression */
  n: number;
  d: number;
  eps: number[];
  maxIter: number;
}

const NOISE = centeredExponential(1);
/** Equivalence margin for "the limit is the root": 0.01 in x units (the bias at c = 1 is about 0.1). */
const MARGIN = 0.01;


/** Separable logistic regression: points with margin >= 0.1 along w_true, labels sign(x . w_true); returns the loss gradient, L and w_true. */
export function separableLogistic(n: number, d: number, rng: Rng): { grad: (w: Float64Array) => Float64Array; smoothness: number; wTrue: Float64Array } {
  const wTrue = Float64Array.from({ length: d }, () => rng.normal());
  const wn = Math.hypot(...wTrue);
  const xs: Float64Array[] = [], ys: number[] = [];
  while (xs.length < n) {
    const x = Float64Array.from({ length: d }, () => rng.normal());
    const m = x.reduce((s, v, k) => s + v * wTrue[k], 0) / wn;
    if (Math.abs(m) < 0.1) continue;
    xs.push(x); ys.push(Math.sign(m));
  }
  const grad = (w: Float64Array) => {
    const g = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const z = ys[i] * xs[i].reduce((s, v, k) => s + v * w[k], 0);
      const f = -ys[i] / (1 + Math.exp(z)) / n; // d/dz log(1 + e^-z) = -1 / (1 + e^z)
      for (let k = 0; k < d; k++) g[k] += f * xs[i][k];
    }
    return g;
  };
  // L = lambda_max(X^T X) / (4 n)
  const xtx = new Float64Array(d * d);
  for (const x of xs) for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) xtx[r * d + c] += x[r] * x[c];
  const lam = powerIteration(matrixOperator(xtx, d), { k: 1, maxIter: 1000, tol: 1e-12, rng: rng.fork('power iteration') }).values[0];
  return { grad, smoothness: lam / (4 * n), wTrue: wTrue.map((t) => t / wn) };
}

export interface A15Seed {
  rows: ClaimResult['rows'];
  mu: number;
  xStar: number;
  /** quadrature roots per c (x units, relative to x*: the predicted bias) */
  predicted: number[];
  /** mean over runs of the averaged iterate - x*, per c, and without clipping */
  measured: number[];
  unclipped: number;
  /** GD iterations to each eps, clipped and not */
  itersClipped: number[];
  itersPlain: number[];
  /** the clipping threshold c = |grad f(w0)| / 10 of the deterministic part */
  clipC: number;
  fieldError: number;
}

export function seedA15(p: A15Params, seed: number): A15Seed {
  const rng = new Rng(seed);
  const pr = rng.fork('problem');
  const mu = 0.5 + 1.5 * pr.uniform(), xStar = pr.normal();
  const out: A15Seed = { rows: [], mu, xStar, predicted: [], measured: [], unclipped: 0, itersClipped: [], itersPlain: [], clipC: 0, fieldError: 0 };
  const opts = { mu, xStar, x0: xStar + 2, eta0: 0.5 / mu, t0: 100, alpha: 0.75, steps: p.steps };
  const limitOf = (c: number) => {
    let s = 0;
    for (let r = 0; r < p.runs; r++) s += clippedSgd1d(c, NOISE, opts, rng.fork(`run ${r}`)).average; // the same noise streams for every c
    return s / p.runs - xStar;
  };
  for (const c of p.cs) {
    out.predicted.push(clippedRoot(mu, xStar, c, NOISE) - xStar);
    out.measured.push(limitOf(c));
    out.rows.push({ seed, part: 'stochastic', c, mu, predictedBias: out.predicted.at(-1)!, measuredBias: out.measured.at(-1)!, runs: p.runs });
  }
  out.unclipped = limitOf(Infinity);
  out.rows.push({ seed, part: 'stochastic', c: 'none', mu, predictedBias: 0, measuredBias: out.unclipped, runs: p.runs });
  for (const m of [-3, -1, -0.2, 0, 0.5, 2]) for (const c of p.cs) out.fieldError = Math.max(out.fieldError, Math.abs(clippedMean(m, c, NOISE) - exponentialClippedMean(m, c)));

  const lr = separableLogistic(p.n, p.d, rng.fork('logistic'));
  const w0 = lr.wTrue.map((v) => -3 * v);
  const g0 = Math.hypot(...lr.grad(w0));
  const c = g0 / 10;
  out.clipC = c;
  out.itersPlain = iterationsToTolerance(lr.grad, w0, 1 / lr.smoothness, Infinity, p.eps, p.maxIter);
  out.itersClipped = iterationsToTolerance(lr.grad, w0, 1 / lr.smoothness, c, p.eps, p.maxIter);
  p.eps.forEach((e, i) => out.rows.push({ seed, part: 'deterministic', eps: e, itersPlain: out.itersPlain[i], itersClipped: out.itersClipped[i], ratio: out.itersClipped[i] / out.itersPlain[i] }));
  return out;
}

export function summarizeA15(p: A15Params, perSeed: A15Seed[]): ClaimResult {
  const ref = p.cs.indexOf(p.cRef);
  const last = p.eps.length - 1;
  const at = (s: A15Seed, k: number) => s.measured[k];
  const decided = p.cs.filter((c) => p.decideCs.includes(c));
  const monotoneViolations = perSeed.reduce((n, s) => n + s.predicted.slice(1).filter((b, i) => !(b < s.predicted[i])).length, 0);
  const ratio = (s: A15Seed, i: number) => s.itersClipped[i] / s.itersPlain[i];
  const numbers: Record<string, number> = { seeds: perSeed.length, runs: p.runs };
  p.cs.forEach((c, k) => { numbers[`predictedBiasC${c}`.replace('.', 'p')] = mean(perSeed.map((s) => s.predicted[k])); });
  numbers.gdRatioLargestEps = mean(perSeed.map((s) => ratio(s, 0)));
  numbers.gdItersPlainSmallestEps = mean(perSeed.map((s) => s.itersPlain[last]));
  const rootPart = 'clipped SGD converges to the root of E[clip_c(grad f + xi)] = 0';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'biasAtCRef',
      effects: [
        meanOf('biasAtCRef', `limit of clipped SGD - optimum, c = ${p.cRef} (Polyak average, mean over ${p.runs} runs)`, perSeed.map((s) => at(s, ref)),
          { kind: 'direction', sign: 1, smallest: 0.02 }, { unit: 'x', part: 'with skewed noise clipped SGD does not reach the optimum' }),
        ...p.cs.map((c, k) => paired(`limitVsRootC${c}`.replace('.', 'p'), `limit of clipped SGD - quadrature root x_c, c = ${c}${decided.includes(c) ? '' : ' (root within the margin of the optimum: reported)'}`, perSeed.map((s) => s.measured[k]), perSeed.map((s) => s.predicted[k]),
          { kind: 'equivalence', margin: MARGIN }, { unit: 'x', part: decided.includes(c) ? rootPart : 'limit vs root where the root is near the optimum (reported)', digits: 4, decides: decided.includes(c) })),
        paired('biasShrinks', `limit - optimum at c = ${p.cs.at(-1)} minus at c = ${p.cs[0]}`, perSeed.map((s) => s.measured.at(-1)!), perSeed.map((s) => s.measured[0]),
          { kind: 'direction', sign: -1, smallest: 0.05 }, { unit: 'x', part: 'the bias shrinks as c grows' }),
        meanOf('gdRatioSmallestEps', `GD iterations to |grad f| <= ${p.eps[last]}, clipped / unclipped (separable logistic regression)`, perSeed.map((s) => ratio(s, last)),
          { kind: 'equivalence', margin: 0.05, target: 1 }, { unit: 'ratio', part: 'deterministic: clipping changes only higher-order terms' }),
        paired('gdRatioFalls', `iteration ratio clipped / unclipped at eps = ${p.eps[0]} minus at ${p.eps[last]}`, perSeed.map((s) => ratio(s, 0)), perSeed.map((s) => ratio(s, last)),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'ratio', part: 'deterministic (reported)', decides: false }),
      ],
      premise: [
        premise('unclippedReachesOptimum', '|limit of unclipped SGD - optimum| (mean over seeds): the step schedule reaches the optimum when nothing is clipped', Math.abs(mean(perSeed.map((s) => s.unclipped))), { atMost: MARGIN / 2 }, { digits: 4 }),
        premise('clippingBinds', `deterministic part: GD iterations to |grad f| <= ${p.eps[0]}, clipped / unclipped (smallest over seeds): clipping slows the early phase`, Math.min(...perSeed.map((s) => ratio(s, 0))), { atLeast: 1.05 }),
        premise('rootAwayFromOptimum', `smallest quadrature bias |x_c - x*| over seeds at the deciding c (${decided.join(', ')}), in units of the margin ${MARGIN}`, Math.min(...perSeed.flatMap((s) => decided.map((c) => Math.abs(s.predicted[p.cs.indexOf(c)])))) / MARGIN, { atLeast: 2 }),
        premise('gdReachedTolerance', 'deterministic part: runs that reached every tolerance (share)', perSeed.filter((s) => [...s.itersClipped, ...s.itersPlain].every(Number.isFinite)).length / perSeed.length, { atLeast: 1 }),
      ],
      checks: [
        check('fieldClosedForm', 'worst |quadrature E[clip_c(m + xi)] - closed form| (exponential noise, grid of m and c)', Math.max(...perSeed.map((s) => s.fieldError)), 0, 1e-10),
        check('rootMonotone', 'quadrature roots not decreasing in c (count over seeds)', monotoneViolations, 0, 0),
      ],
      numbers,
    }),
    figures: figuresA15(p, perSeed),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function figuresA15(p: A15Params, perSeed: A15Seed[]): Figure[] {
  return [
    lineFigure(`Where clipped SGD settles: limit - optimum against c, measured (mean over seeds, ${p.runs} runs each) and the quadrature root of E[clip_c(grad f + xi)] = 0`, 'clipping threshold c', 'x - x*', [
      { name: 'measured limit', x: p.cs, y: p.cs.map((_, k) => mean(perSeed.map((s) => s.measured[k]))), mode: 'markers' },
      { name: 'root x_c (quadrature)', x: p.cs, y: p.cs.map((_, k) => mean(perSeed.map((s) => s.predicted[k]))), mode: 'lines' },
      { name: 'optimum', x: [p.cs[0], p.cs.at(-1)!], y: [0, 0], mode: 'lines' },
    ], { logX: true }),
    seedLinesFigure('Deterministic GD on separable logistic regression: iterations to |grad f| <= eps, clipped / unclipped (each seed)', 'eps', 'iteration ratio', [
      { name: 'clipped / unclipped', seeds: perSeed.map((s) => ({ x: p.eps, y: s.itersClipped.map((v, i) => v / s.itersPlain[i]) })) },
    ], { logX: true }),
  ];
}

const common = { cs: [0.25, 0.5, 1, 2, 4], decideCs: [0.25, 0.5, 1, 2], cRef: 1, steps: 20000, n: 40, d: 5, eps: [1e-2, 3e-3, 1e-3, 3e-4], maxIter: 400000 };

export const claim = defineClaim<A15Params, A15Seed>({
  id: 'A15',
  slug: 'clipping-bias',
  paper: 'Revisiting Gradient Clipping: Stochastic bias and tight convergence guarantees (Koloskova, Hendrikx & Stich, ICML 2023)',
  claim: 'with deterministic gradients clipping only changes higher-order terms of gradient descent\'s rate, but clipped SGD under standard noise converges to the root of E[clip_c(g)] = 0, not to the optimum, even with vanishing steps',
  setting: 'stochastic: per seed f = (mu/2)(x - x*)^2, mu in [0.5, 2], gradient noise E - 1 with E ~ Exp(1); clipped SGD with steps (0.5/mu)/(1 + t/100)^0.75, 20000 steps, Polyak average of the second half, c in {0.25, 0.5, 1, 2, 4} and none; ' +
    'root of the clipped mean field by quadrature; deterministic: GD (eta = 1/L) on logistic regression over 40 separable points in R^5, clipped at |grad f(w0)|/10 or not, iterations to |grad f| <= eps for eps 1e-2 ... 3e-4; ' +
    '40 runs per c and 10 seeds at full; ci: 6 runs, 5 seeds',
  rule: 'limit - optimum at c = 1 above 0 and not wholly below 0.02 (t over seeds); limit - root within +-0.01 at c in {0.25, 0.5, 1, 2} (TOST, paired over seeds; at c = 4 the root lies within the margin of the optimum: reported); limit at c = 4 minus at c = 0.25 below 0 and not wholly above -0.05; ' +
    'GD iteration ratio clipped / unclipped at eps = 3e-4 within 1 +- 0.05 (TOST); premises: unclipped SGD within 0.005 of the optimum, clipping binds (iteration ratio at eps = 1e-2 at least 1.05 on every seed), the deciding roots at least 2 margins from the optimum, every GD run reaches every eps; ' +
    'checks: quadrature = closed form (1e-10), roots decreasing in c',
  scales: {
    smoke: { seeds: [1, 2], ...common, runs: 3, steps: 10000, eps: [1e-2, 3e-3, 1e-3] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, runs: 6 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, runs: 40 },
  },
  seed: seedA15,
  summarize: summarizeA15,
});
