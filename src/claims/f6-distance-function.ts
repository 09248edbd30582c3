/**
 * F6. Interpreting and Improving Diffusion Models Using the Euclidean Distance Function (Permenter & Yuan
 * 2023): under the manifold hypothesis noise is nearly orthogonal to the data set K, so the ideal denoiser
 * D(x, sigma) = E[x0 | x0 + sigma z = x] approximately projects: ||D(x) - proj_K(x)|| / dist_K(x) is
 * small where dist_K(x) ~ sqrt(n) sigma. DDIM, in sigma form x <- x + (sigma' - sigma) eps(x, sigma) with
 * eps = (x - D) / sigma, is then gradient descent on (1/2) dist_K(x)^2 with step 1 - sigma'/sigma. Their
 * gradient-estimation sampler moves along eps_bar = gamma eps(x_t, sigma_t) + (1 - gamma) eps(x_{t+1},
 * sigma_{t+1}) with gamma = 2 (the first step plain DDIM), and in 5-10 function evaluations beats DDIM.
 *
 * Setting, on exact footing: K the unit circle in the first two coordinates of R^d, d in {2, 8, 32}, data
 * uniform on it; the ideal denoiser is closed form (von Mises posterior: D = I1(k)/I0(k) P x/|P x|,
 * k = |P x| / sigma^2; src/techniques/manifold, tested against quadrature), as are proj_K and dist_K.
 * - Projection: at noise levels sigma from 1e-3 to 0.3, points x = x0 + sigma z, and the ratio
 *   sqrt(sum ||D(x) - proj(x)||^2 / sum dist(x)^2); per seed its slope on log sigma (theory: 1).
 * - Samplers: the reference code's toy schedule (smalldiffusion: 200 levels log-linear from 0.005 to 10,
 *   trailing subsampling to N levels, ending at sigma_min = 0.005, x_N = 10 z), N = 5 and 10 model
 *   calls, DDIM (gamma = 1) against gamma = 2 from the same x_N; the mean distance of the last iterate to
 *   the circle. The exact probability-flow endpoint at sigma_min is not on the circle: its distance is
 *   that of x0 + sigma_min z (about sigma_min sqrt(d - 1)); a 100-step DDIM run must land there (premise).
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { ddimStep } from '../techniques/diffusion/index.js';
import {
  epsFromDenoiser, gradientEstimationSample, logLinearSigmas, sampleSigmas, sampleSphere, sphere, sphereDenoiser, sphereDistance, sphereProjection,
  type Sphere,
} from '../techniques/manifold/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface F6Params extends BaseParams {
  /** ambient dimensions d of the circle */
  dims: number[];
  /** noise levels of the projection-error ratio */
  sigmas: number[];
  /** noised points per noise level and seed */
  points: number;
  /** sampler chains per seed and d */
  chains: number;
  /** model calls (steps) of the few-step samplers */
  nfe: number[];
  /** steps of the reference DDIM run (at most the table's length - 1) */
  referenceSteps: number;
}

/** The reference code's toy schedule (smalldiffusion's README: ScheduleLogLinear(N=200, sigma_min=0.005, sigma_max=10)). */
export const SCHEDULE = { n: 200, sigmaMin: 0.005, sigmaMax: 10 };
/** Permenter & Yuan's gamma. */
export const GAMMA = 2;
/** A distance difference below a fifth of the final noise level sigma_min does not count (data units; the circle has radius 1). */
const MARGIN = SCHEDULE.sigmaMin / 5;
/** The projection ratio must fall at least as sigma^0.25 to count as going to 0 (theory: sigma^1). */
const SMALLEST_SLOPE = 0.25;

export const circleIn = (d: number): Sphere => sphere(2, d);
export const idealEps = (s: Sphere) => epsFromDenoiser((x, sigma) => sphereDenoiser(s, x, sigma));

/** sqrt(sum ||D(x) - proj(x)||^2 / sum dist(x)^2) over points x = x0 + sigma z. */
export function projectionRatio(s: Sphere, sigma: number, points: number, rng: Rng): number {
  const x = sampleSphere(s, points, rng.fork('x0')).map((v) => v + sigma * rng.normal());
  const [den, proj, dist] = [sphereDenoiser(s, x, sigma), sphereProjection(s, x), sphereDistance(s, x)];
  let [err, size] = [0, 0];
  for (let j = 0; j < x.length; j++) err += (den[j] - proj[j]) ** 2;
  for (const v of dist) size += v * v;
  return Math.sqrt(err / size);
}

export interface F6Seed {
  rows: ClaimResult['rows'];
  /** per d, the projection ratio at each noise level */
  ratio: Record<number, number[]>;
  /** per d, mean distance to the circle of the last iterate: `ddim N`, `ge N`, 'reference', 'exact' */
  dist: Record<number, Record<string, number>>;
}

export async function seedF6(p: F6Params, seed: number): Promise<F6Seed> {
  const rng = new Rng(seed);
  const table = logLinearSigmas(SCHEDULE.n, SCHEDULE.sigmaMin, SCHEDULE.sigmaMax);
  const out: F6Seed = { rows: [], ratio: {}, dist: {} };
  for (const d of p.dims) {
    const s = circleIn(d);
    out.ratio[d] = p.sigmas.map((sigma) => {
      const r = projectionRatio(s, sigma, p.points, rng.fork(`ratio ${d} ${sigma}`));
      out.rows.push({ seed, d, part: 'projection', sigma, ratio: r });
      return r;
    });
    const eps = idealEps(s);
    const prior = rng.fork(`prior ${d}`);
    const xN = Float64Array.from({ length: p.chains * d }, () => SCHEDULE.sigmaMax * prior.normal());
    const dist: Record<string, number> = {};
    const record = (name: string, x: Float64Array) => {
      dist[name] = mean(sphereDistance(s, x));
      out.rows.push({ seed, d, part: 'sampler', sampler: name, meanDistance: dist[name] });
    };
    for (const n of p.nfe) {
      const sigmas = sampleSigmas(table, n);
      record(`ddim ${n}`, gradientEstimationSample(eps, sigmas, xN, { gamma: 1 }));
      record(`ge ${n}`, gradientEstimationSample(eps, sigmas, xN, { gamma: GAMMA }));
    }
    record('reference', gradientEstimationSample(eps, sampleSigmas(table, p.referenceSteps), xN, { gamma: 1 }));
    const g = rng.fork(`exact ${d}`);
    record('exact', sampleSphere(s, p.chains, g.fork('x0')).map((v) => v + SCHEDULE.sigmaMin * g.normal()));
    out.dist[d] = dist;
  }
  return out;
}

/** sigma-form DDIM (gamma = 1, three steps) against the diffusion toolkit's VP ddimStep on x / sqrt(1 + sigma^2): worst absolute difference. */
function ddimIdentity(): number {
  const s = circleIn(3);
  const eps = idealEps(s);
  const sigmas = [6, 1.5, 0.3, 0.05];
  const rng = new Rng(0);
  const xN = Float64Array.from({ length: 60 }, () => 6 * rng.normal());
  const ve = gradientEstimationSample(eps, sigmas, xN, { gamma: 1 });
  let vp: Float64Array = xN.map((v) => v / Math.sqrt(1 + 36));
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const [ab, abPrev] = [1 / (1 + sigmas[i] ** 2), 1 / (1 + sigmas[i + 1] ** 2)];
    vp = ddimStep(vp, eps(vp.map((v) => v / Math.sqrt(ab)), sigmas[i]), ab, abPrev);
  }
  return Math.max(...ve.map((v, j) => Math.abs(v - vp[j] * Math.sqrt(1 + 0.05 ** 2))));
}

/** The denoiser against the posterior mean by a 4096-angle trapezoid rule at a few points: worst absolute difference. */
function denoiserQuadrature(): number {
  let worst = 0;
  for (const [x, sigma] of [[[0.4, -0.9, 0.3], 0.2], [[1.5, 0.2, -0.1], 0.6], [[-0.05, 0.02, 2], 1]] as [number[], number][]) {
    const got = sphereDenoiser(circleIn(3), Float64Array.from(x), sigma);
    const m = 4096;
    let [z, c, sn] = [0, 0, 0];
    for (let i = 0; i < m; i++) {
      const t = (2 * Math.PI * i) / m;
      const w = Math.exp((x[0] * Math.cos(t) + x[1] * Math.sin(t) - Math.hypot(x[0], x[1])) / sigma ** 2);
      [z, c, sn] = [z + w, c + w * Math.cos(t), sn + w * Math.sin(t)];
    }
    worst = Math.max(worst, Math.abs(got[0] - c / z), Math.abs(got[1] - sn / z), Math.abs(got[2]));
  }
  return worst;
}

export function summarizeF6(p: F6Params, perSeed: F6Seed[]): ClaimResult {
  const logSigma = p.sigmas.map(Math.log);
  const dist = (d: number, name: string) => perSeed.map((s) => s.dist[d][name]);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `geVsDdim${p.nfe[0]}D${p.dims[Math.floor(p.dims.length / 2)]}`,
      effects: [
        ...p.dims.map((d) => meanOf(`projectionSlopeD${d}`, `slope of ln(||D - proj|| / dist) on ln sigma, circle in R^${d}, ideal denoiser (sigma ${p.sigmas[0]} to ${p.sigmas.at(-1)})`,
          perSeed.map((s) => slope(logSigma, s.ratio[d].map(Math.log))), { kind: 'direction', sign: 1, smallest: SMALLEST_SLOPE },
          { unit: 'per ln sigma', part: 'the ideal denoiser approaches the projection as sigma -> 0' })),
        ...p.nfe.flatMap((n) => p.dims.map((d) => paired(`geVsDdim${n}D${d}`, `mean distance to the circle after ${n} model calls, gradient-estimation sampler (gamma = ${GAMMA}) - DDIM, R^${d}, ideal denoiser`,
          dist(d, `ge ${n}`), dist(d, `ddim ${n}`), { kind: 'direction', sign: -1, smallest: MARGIN },
          { unit: 'distance (data units)', part: 'the gradient-estimation sampler beats DDIM at 5-10 model calls', digits: 4 }))),
      ],
      premise: p.dims.map((d) => premise(`referenceAtExactD${d}`, `mean distance of ${p.referenceSteps}-step DDIM / that of exact draws x0 + sigma_min z, R^${d} (mean over seeds)`,
        mean(dist(d, 'reference')) / mean(dist(d, 'exact')), { atLeast: 0.9, atMost: 1.1 })),
      checks: [
        check('denoiserVsQuadrature', 'ideal denoiser - posterior mean by a 4096-angle quadrature, worst absolute difference at 3 points', denoiserQuadrature(), 0, 1e-10),
        check('ddimIsVpDdim', 'sigma-form DDIM - the diffusion toolkit\'s VP DDIM step on x / sqrt(1 + sigma^2), worst absolute difference over 3 steps', ddimIdentity(), 0, 1e-10),
      ],
      numbers: {
        seeds: perSeed.length,
        ...Object.fromEntries(p.dims.map((d) => [`ratioAtSmallestSigmaD${d}`, mean(perSeed.map((s) => s.ratio[d][0]))])),
        ...Object.fromEntries(p.dims.flatMap((d) => [...p.nfe.flatMap((n) => [[`ddim${n}DistD${d}`, mean(dist(d, `ddim ${n}`))], [`ge${n}DistD${d}`, mean(dist(d, `ge ${n}`))]]),
          [`exactDistD${d}`, mean(dist(d, 'exact'))]])),
      },
    }),
    figures: figuresF6(p, perSeed),
  };
}

function figuresF6(p: F6Params, perSeed: F6Seed[]): Figure[] {
  return [
    lineFigure('Ideal denoiser: ||D(x) - proj(x)|| / dist(x) at x = x0 + sigma z (root mean squares; mean over seeds)', 'sigma', 'relative projection error',
      p.dims.map((d) => ({ name: `circle in R^${d}`, x: p.sigmas, y: p.sigmas.map((_, k) => mean(perSeed.map((s) => s.ratio[d][k]))), mode: 'lines+markers' as const })), { logX: true, logY: true }),
    ...p.dims.map((d) => barFigure(`Mean distance to the circle in R^${d} of the last iterate (sigma_min = ${SCHEDULE.sigmaMin}; mean over seeds, 95% t interval)`, 'distance', [
      seedBar('exact draws x0 + sigma_min z', perSeed.map((s) => s.dist[d].exact)),
      seedBar(`DDIM, ${p.referenceSteps} steps`, perSeed.map((s) => s.dist[d].reference)),
      ...p.nfe.flatMap((n) => [seedBar(`DDIM, ${n} calls`, perSeed.map((s) => s.dist[d][`ddim ${n}`])), seedBar(`gamma = ${GAMMA}, ${n} calls`, perSeed.map((s) => s.dist[d][`ge ${n}`]))]),
    ])),
  ];
}

const common = { dims: [2, 8, 32], sigmas: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3], nfe: [5, 10] };

export const claim = defineClaim<F6Params, F6Seed>({
  id: 'F6',
  slug: 'distance-function',
  paper: 'Interpreting and Improving Diffusion Models Using the Euclidean Distance Function (Permenter & Yuan 2023)',
  claim: 'a denoiser approximately projects onto the data manifold (DDIM is approximate gradient descent on the Euclidean distance function), and the paper\'s gradient-estimation sampler (eps_bar = 2 eps_t - eps_{t+1}) beats DDIM at 5-10 function evaluations',
  setting: 'data uniform on the unit circle in the first two coordinates of R^d, d in {2, 8, 32}; the ideal denoiser in closed form (von Mises posterior mean, Bessel ratio I1/I0), exact projection and distance; ' +
    'projection ratio at sigma 1e-3 to 0.3; samplers in sigma form on the reference code\'s toy schedule (200 levels log-linear from 0.005 to 10, trailing subsampling, last level 0.005, x_N = 10 z), ' +
    'DDIM against gamma = 2 at 5 and 10 model calls from the same x_N, mean distance of the last iterate to the circle; no learned denoiser (out of the CPU budget). ' +
    'Full: 10 seeds, 20000 chains, 20000 points per noise level; ci, cut to the CI budget: 5 seeds, 1000 chains, 1000 points',
  rule: 'per seed, the slope of ln(projection ratio) on ln sigma above 0 and not wholly below 0.25 (t over seeds) for each d; ' +
    'mean distance after N calls, gamma = 2 - DDIM, below 0 and not wholly above -0.001 (a fifth of sigma_min; paired t) for N in {5, 10} and each d; ' +
    'premise: a 100-step DDIM run lands within 10% of the exact endpoint\'s mean distance (x0 + sigma_min z) for each d; checks: the denoiser equals a 4096-angle quadrature, sigma-form DDIM equals the VP DDIM step (1e-10)',
  scales: {
    smoke: { seeds: [1, 2], ...common, dims: [2, 8], points: 200, chains: 200, referenceSteps: 100 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, points: 1000, chains: 1000, referenceSteps: 100 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, points: 20000, chains: 20000, referenceSteps: 100 },
  },
  seed: seedF6,
  summarize: summarizeF6,
});
