/**
 * C10. GD doesn't make the cut: Three ways that non-differentiability affects neural network training
 * (Kumar 2024), its second part: gradient methods applied to a non-differentiable objective (NGDMs,
 * which take sign(w) as the "gradient" of |w|) do not behave like the smooth theory or the exact
 * solution; on an L1-regularised problem, increasing the penalty lambda can increase the L1 norm of
 * the solution such a method returns, while the exact solution's L1 norm can only fall.
 *
 * Setting, on exact footing: the lasso (1/2n)|y - X w|^2 + lambda |w|_1 on synthetic data, X with
 * iid N(0, 1) entries, a sparse truth w* (s entries +-1, the rest 0), y = X w* + N(0, 0.5^2). Over a
 * grid of lambda / lambda_max (lambda_max = max |X^T y / n|, where the exact solution becomes 0):
 * - the exact lasso path by coordinate descent to a KKT residual of 1e-12;
 * - ISTA (proximal gradient) with the step eta = 1/L (L the smooth part's largest curvature) for T steps;
 * - subgradient descent, w <- w - eta (grad + lambda sign(w)), the same eta, the same T, from w = 0,
 *   whose final iterate is the "solution found".
 * Why: a coordinate whose exact value is 0 cannot settle at 0 under a fixed-step subgradient; it circles
 * 0 with an amplitude of order eta lambda, so the many inactive coordinates add an L1 norm that grows
 * with lambda, against the exact path's shrinkage of the active ones.
 */
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { ista, kktResidual, l1, lambdaMax, lassoExact, lassoFromData, lassoObjective, smoothness, subgradientDescent } from '../techniques/lasso-path/index.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C10Params extends BaseParams {
  n: number;
  d: number;
  /** non-zero entries of the truth */
  s: number;
  /** lambda / lambda_max grid */
  fractions: number[];
  /** iterations of ISTA and of subgradient descent */
  steps: number;
  /** subgradient steps as multiples of 1/L; the verdict is read at the first (1/L, the smooth theory's step) */
  stepFactors: number[];
}

const NOISE = 0.5;
/** The yardstick: a slope of 0.05 |w*|_1 per unit lambda / lambda_max counts (5% of the truth's L1 norm over the whole path). */
const SMALLEST = 0.05;

/** One seed's problem: rows, labels and the truth. */
export function problemOf(p: Pick<C10Params, 'n' | 'd' | 's'>, rng: Rng) {
  const truth = new Float64Array(p.d);
  for (let j = 0; j < p.s; j++) truth[j] = rng.uniform() < 0.5 ? -1 : 1;
  const xs = Array.from({ length: p.n }, () => Float64Array.from({ length: p.d }, () => rng.normal()));
  const ys = xs.map((x) => x.reduce((a, v, j) => a + v * truth[j], 0) + NOISE * rng.normal());
  return { truth, lasso: lassoFromData(xs, ys) };
}

export interface C10Seed {
  rows: ClaimResult['rows'];
  /** per grid point, L1 norms divided by |w*|_1 */
  exact: number[];
  ista: number[];
  gd: number[];
  /** per grid point: GD's objective gap to the optimum relative to the optimum */
  gdGap: number[];
  /** per further step factor, per grid point: GD's L1 norm / |w*|_1 */
  gdOther: number[][];
  /** GD at lambda = 0 with the step 1/L: |w - w_LS| / |w_LS| after T steps */
  smoothGd: number;
  /** per grid point: GD's mean L1 norm / |w*|_1 over the third and over the last quarter of the run (is it stationary?) */
  gdThird: number[];
  gdLast: number[];
  /** per grid point: the share of GD's L1 norm on coordinates where the exact solution is 0 */
  gdOffSupport: number[];
  istaVsExact: number;
  kkt: number;
}

export function seedC10(p: C10Params, seed: number): C10Seed {
  const { truth, lasso } = problemOf(p, new Rng(seed).fork('problem'));
  const scale = l1(truth), lmax = lambdaMax(lasso), eta = 1 / smoothness(lasso);
  const out: C10Seed = { rows: [], exact: [], ista: [], gd: [], gdGap: [], gdThird: [], gdLast: [], gdOffSupport: [], gdOther: p.stepFactors.slice(1).map(() => []), smoothGd: 0, istaVsExact: 0, kkt: 0 };
  const ls = lassoExact(lasso, 0), gd0 = subgradientDescent(lasso, 0, eta, p.steps);
  out.smoothGd = Math.hypot(...gd0.map((v, j) => v - ls[j])) / Math.hypot(...ls);
  let warm: Float64Array | undefined;
  for (const f of p.fractions) {
    const lambda = f * lmax;
    const exact = lassoExact(lasso, lambda, { warm });
    warm = exact;
    out.kkt = Math.max(out.kkt, kktResidual(lasso, exact, lambda));
    const wi = ista(lasso, lambda, eta, p.steps);
    out.istaVsExact = Math.max(out.istaVsExact, ...wi.map((v, j) => Math.abs(v - exact[j])));
    const q = Math.floor(p.steps / 4);
    let third = 0, last = 0;
    const wg = subgradientDescent(lasso, lambda, eta * p.stepFactors[0], p.steps, undefined, (k, w) => {
      if (k > 2 * q && k <= 3 * q) third += l1(w) / q;
      else if (k > 3 * q) last += l1(w) / (p.steps - 3 * q);
    });
    p.stepFactors.slice(1).forEach((m, i) => out.gdOther[i].push(l1(subgradientDescent(lasso, lambda, m * eta, p.steps)) / scale));
    const fStar = lassoObjective(lasso, exact, lambda);
    const off = wg.reduce((a, v, j) => a + (exact[j] === 0 ? Math.abs(v) : 0), 0);
    out.exact.push(l1(exact) / scale);
    out.ista.push(l1(wi) / scale);
    out.gd.push(l1(wg) / scale);
    out.gdGap.push((lassoObjective(lasso, wg, lambda) - fStar) / fStar);
    out.gdThird.push(third / scale);
    out.gdLast.push(last / scale);
    out.gdOffSupport.push(off / l1(wg));
    out.rows.push({
      seed, lambdaOverMax: f, exactL1: out.exact.at(-1)!, istaL1: out.ista.at(-1)!, gdL1: out.gd.at(-1)!, exactSupport: exact.filter((v) => v !== 0).length,
      gdOffSupportShare: out.gdOffSupport.at(-1)!, gdObjectiveGap: out.gdGap.at(-1)!,
      ...Object.fromEntries(p.stepFactors.slice(1).map((m, i) => [`gdL1Step${m}`, out.gdOther[i].at(-1)!])),
    });
  }
  return out;
}

export function summarizeC10(p: C10Params, perSeed: C10Seed[]): ClaimResult {
  const x = p.fractions;
  const slopes = (k: 'exact' | 'ista' | 'gd') => perSeed.map((s) => slope(x, s[k]));
  // the exact path's L1 norm must not rise between neighbouring grid points (largest rise over seeds)
  const rise = Math.max(0, ...perSeed.flatMap((s) => s.exact.slice(1).map((v, i) => v - s.exact[i])));
  const gdSlopes = slopes('gd');
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'gdSlope',
      effects: [
        meanOf('gdSlope', 'slope of the subgradient-GD final iterate\'s L1 norm (/ |w*|_1) on lambda / lambda_max', gdSlopes, { kind: 'direction', sign: 1, smallest: SMALLEST },
          { unit: '|w*|_1 per lambda_max', part: 'subgradient GD: a larger penalty gives a larger L1 norm' }),
        meanOf('istaSlope', 'slope of the ISTA final iterate\'s L1 norm (/ |w*|_1) on lambda / lambda_max (same step and iterations)', slopes('ista'), { kind: 'direction', sign: -1, smallest: SMALLEST },
          // reported: given the istaConverged premise, ISTA's slope is the exact path's (about -1) by construction
          { unit: '|w*|_1 per lambda_max', part: 'the proximal method follows the exact path', decides: false }),
        meanOf('exactSlope', 'slope of the exact lasso solution\'s L1 norm (/ |w*|_1) on lambda / lambda_max', slopes('exact'), { kind: 'direction', sign: -1, smallest: SMALLEST },
          { unit: '|w*|_1 per lambda_max', part: 'the proximal method follows the exact path', decides: false }),
        ...p.stepFactors.slice(1).map((m, i) => meanOf(`gdSlopeStep${String(m).replace('.', 'p')}`, `slope of the subgradient-GD L1 norm (/ |w*|_1) on lambda / lambda_max, step ${m}/L`,
          perSeed.map((s) => slope(x, s.gdOther[i])), { kind: 'direction', sign: 1, smallest: SMALLEST }, { unit: '|w*|_1 per lambda_max', part: 'subgradient GD: a larger penalty gives a larger L1 norm', decides: false })),
      ],
      premise: [
        premise('gdStationary', 'subgradient GD is stationary: |slope of its mean L1 norm over the last quarter of the run - over the third quarter| (mean over seeds)',
          Math.abs(mean(perSeed.map((s) => slope(x, s.gdLast) - slope(x, s.gdThird)))), { atMost: SMALLEST }),
        premise('smoothGdConverges', 'the step 1/L is a working GD step: at lambda = 0, |w_GD - w_LS| / |w_LS| after T steps, worst over seeds', Math.max(...perSeed.map((s) => s.smoothGd)), { atMost: 1e-6 }),
        premise('istaConverged', 'ISTA reaches the exact solution: max |w_ISTA - w_exact|, worst over seeds and lambdas', Math.max(...perSeed.map((s) => s.istaVsExact)), { atMost: 1e-4 }),
      ],
      checks: [
        check('exactPathMonotone', 'largest rise of the exact lasso L1 norm (/ |w*|_1) between neighbouring lambdas, over seeds', rise, 0, 1e-9),
        check('exactKkt', 'worst KKT residual of the exact solutions', Math.max(...perSeed.map((s) => s.kkt)), 0, 1e-10),
      ],
      numbers: {
        seeds: perSeed.length,
        gdPositiveSeeds: gdSlopes.filter((v) => v > 0).length,
        gdL1AtSmallest: mean(perSeed.map((s) => s.gd[0])),
        gdL1AtLargest: mean(perSeed.map((s) => s.gd.at(-1)!)),
        exactL1AtSmallest: mean(perSeed.map((s) => s.exact[0])),
        gdOffSupportShareAtLargest: mean(perSeed.map((s) => s.gdOffSupport.at(-1)!)),
        gdObjectiveGapAtSmallest: mean(perSeed.map((s) => s.gdGap[0])),
        gdObjectiveGapAtLargest: mean(perSeed.map((s) => s.gdGap.at(-1)!)),
      },
    }),
    figures: figuresC10(p, perSeed),
  };
}

function figuresC10(p: C10Params, perSeed: C10Seed[]): Figure[] {
  const x = p.fractions;
  const arm = (name: string, k: 'exact' | 'ista' | 'gd') => ({ name, seeds: perSeed.map((s) => ({ x, y: s[k] })) });
  return [
    seedLinesFigure('L1 norm of the solution found against the penalty (per seed, and the mean)', 'lambda / lambda_max', 'L1 norm / |w*|_1',
      [arm('exact lasso (coordinate descent)', 'exact'), arm(`ISTA, ${p.steps} steps of 1/L`, 'ista'), arm(`subgradient GD, ${p.steps} steps of 1/L`, 'gd')]),
    lineFigure('Share of subgradient GD\'s L1 norm on coordinates where the exact solution is 0 (mean over seeds)', 'lambda / lambda_max', 'share',
      [{ name: 'off-support share', x, y: x.map((_, i) => mean(perSeed.map((s) => s.gdOffSupport[i]))), mode: 'lines+markers' }]),
  ];
}

const fractions = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const stepFactors = [1, 0.3, 0.1];

export const claim = defineClaim<C10Params, C10Seed>({
  id: 'C10',
  slug: 'l1-subgradient',
  paper: 'GD doesn\'t make the cut: Three ways that non-differentiability affects neural network training (Kumar 2024)',
  claim: 'on an L1-regularised problem, gradient descent that treats |w| as differentiable (sign(w) as its gradient) returns solutions whose L1 norm grows with the penalty, at the fixed step 1/L (it reverses at smaller steps), while the exact (proximal) solution\'s L1 norm can only fall',
  setting: 'lasso (1/2n)|y - Xw|^2 + lambda |w|_1 on synthetic data: X iid N(0, 1), truth with s entries +-1, noise sd 0.5; lambda / lambda_max in 0.1..1 (10 points, the whole path from dense to all-zero); ' +
    'exact path by coordinate descent (KKT 1e-12); ISTA and subgradient GD with the step 1/L, T steps from 0, final iterate; full: n = 200, d = 100, s = 10, T = 20000, 10 seeds; ' +
    'ci: n = 80, d = 40, s = 4, T = 2000, 5 seeds. The paper\'s ReLU-network pruning experiment is not run',
  rule: 'per-seed slope of the final L1 norm (/ |w*|_1) on lambda / lambda_max: subgradient GD at step 1/L > 0 and not wholly below 0.05 (t over seeds); reported: ISTA\'s and the exact path\'s slopes, GD\'s slopes at steps 0.3/L and 0.1/L; ' +
    'premises: GD stationary (|slope of the mean L1 norm over the last quarter - over the third quarter| <= 0.05, mean over seeds), 1/L a working step (at lambda = 0, GD within 1e-6 of least squares, relative), ISTA within 1e-4 of the exact solution; ' +
    'checks: the exact path\'s L1 norm never rises along lambda (1e-9), KKT residual 0 (1e-10)',
  scales: {
    smoke: { seeds: [1, 2], n: 60, d: 30, s: 3, fractions, steps: 1000, stepFactors },
    ci: { seeds: [1, 2, 3, 4, 5], n: 80, d: 40, s: 4, fractions, steps: 2000, stepFactors },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], n: 200, d: 100, s: 10, fractions, steps: 20000, stepFactors },
  },
  seed: seedC10,
  summarize: summarizeC10,
});
