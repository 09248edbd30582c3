/**
 * D3. The exact score of a finite training set memorizes; a smoothed score generalizes (Closed-Form
 * Diffusion Models, Scarvelis, Borde & Solomon 2023; Kadkhodaie et al. 2024 on memorization vs
 * generalization): sampling with the closed-form score of the empirical distribution collapses onto
 * the training points, while the same sampler with that score smoothed over its inputs produces new
 * points on the data's support.
 *
 * Setting: N training points drawn uniformly from the unit circle (the true distribution); annealed
 * Langevin from N(0, sigma_max^2 I) down to sigma_min, with the closed-form score and with its
 * smoothed version (lambda = half the mean spacing of the points, pi / N, fixed from the data before
 * any run). Measured per sample: distance to the nearest training point (memorization) and distance
 * to the circle (staying on the data's support).
 */
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { annealedLangevin, empiricalScore, geometricSigmas, mixtureLogDensity, smoothedScore } from '../techniques/score/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface D3Params extends BaseParams {
  trainPoints: number;
  chains: number;
  sigmaMax: number;
  sigmaMin: number;
  levels: number;
  stepsPerLevel: number;
  /** step at level i: stepScale * sigma_i^2 */
  stepScale: number;
  /** Monte Carlo perturbations per smoothed-score evaluation */
  smoothingDraws: number;
}

export const SCORES = ['closed-form', 'smoothed'] as const;
type Score = (typeof SCORES)[number];

export interface D3Seed {
  rows: ClaimResult['rows'];
  /** median distance of a sample to its nearest training point */
  nearest: Record<Score, number>;
  /** median distance of a sample to the unit circle */
  offCircle: Record<Score, number>;
  /** median distance of fresh draws from the true distribution (the circle) to their nearest training point */
  nearestFresh: number;
  train: number[];
  samples: Record<Score, number[]>;
}

function median(a: number[]): number {
  const s = [...a].sort((u, v) => u - v);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function seedD3(p: D3Params, seed: number): D3Seed {
  const rng = new Rng(seed);
  const angles = rng.fork('train');
  const train = Array.from({ length: p.trainPoints }, () => 2 * Math.PI * angles.uniform()).flatMap((t) => [Math.cos(t), Math.sin(t)]);
  const points = Float64Array.from(train);
  const lambda = Math.PI / p.trainPoints;
  const exact = empiricalScore(points, 2);
  const scores: Record<Score, ReturnType<typeof empiricalScore>> = { 'closed-form': exact, smoothed: smoothedScore(exact, lambda, p.smoothingDraws, rng.fork('smoothing')) };
  const sigmas = geometricSigmas(p.sigmaMax, p.sigmaMin, p.levels);
  const initRng = rng.fork('init');
  const init = Float64Array.from({ length: 2 * p.chains }, () => p.sigmaMax * initRng.normal());
  const nearestTo = (a: number, b: number) => {
    let best = Infinity;
    for (let j = 0; j < p.trainPoints; j++) best = Math.min(best, Math.hypot(a - train[2 * j], b - train[2 * j + 1]));
    return best;
  };
  // what a generalizing sampler would give: fresh points from the true distribution
  const freshRng = rng.fork('fresh');
  const nearestFresh = median(Array.from({ length: p.chains }, () => 2 * Math.PI * freshRng.uniform()).map((t) => nearestTo(Math.cos(t), Math.sin(t))));
  const out: D3Seed = { rows: [], nearest: {} as Record<Score, number>, offCircle: {} as Record<Score, number>, nearestFresh, train, samples: {} as Record<Score, number[]> };
  for (const s of SCORES) {
    const x = annealedLangevin(scores[s], init, { sigmas, stepsPerLevel: p.stepsPerLevel, eps: p.stepScale * p.sigmaMin ** 2, rng: rng.fork(`sampler ${s}`) });
    const nn: number[] = [];
    const circle: number[] = [];
    for (let i = 0; i < p.chains; i++) {
      const [a, b] = [x[2 * i], x[2 * i + 1]];
      nn.push(nearestTo(a, b));
      circle.push(Math.abs(Math.hypot(a, b) - 1));
    }
    out.nearest[s] = median(nn);
    out.offCircle[s] = median(circle);
    out.samples[s] = Array.from(x.subarray(0, 800));
    out.rows.push({ seed, score: s, lambda: s === 'smoothed' ? lambda : 0, medianNearestTrainDistance: out.nearest[s], medianDistanceToCircle: out.offCircle[s] });
  }
  out.rows.push({ seed, score: 'fresh data (reference)', lambda: 0, medianNearestTrainDistance: nearestFresh, medianDistanceToCircle: 0 });
  return out;
}

/**
 * The copy radius, in data units: a sample within a tenth of the training points' mean spacing on the
 * circle (2 pi / N) of a training point counts as a copy of it. A fresh draw from the circle lies at a
 * distance uniform on [0, gap / 2] from its nearest training point (median a quarter of the gap), so a
 * generalizing sampler's median sits far above this radius, a memorizing one's far below.
 */
export const copyRadius = (trainPoints: number) => (0.1 * 2 * Math.PI) / trainPoints;

/** Exact identities of the score instruments on a small training set. */
function scoreChecks(): { fd: number; smoothedAtZero: number } {
  const pts = Float64Array.from([1, 0, 0, 1, -0.6, -0.8]);
  const exact = empiricalScore(pts, 2);
  const spec = { means: [[1, 0], [0, 1], [-0.6, -0.8]], std: 0 };
  const x = Float64Array.from([0.3, 0.2, -0.5, 0.9]);
  const h = 1e-6;
  let fd = 0;
  for (const sigma of [0.3, 1]) {
    const s = exact(x, sigma);
    for (let i = 0; i < x.length; i++) {
      const up = Float64Array.from(x), dn = Float64Array.from(x);
      up[i] += h; dn[i] -= h;
      fd = Math.max(fd, Math.abs((mixtureLogDensity(spec, up, sigma)[i >> 1] - mixtureLogDensity(spec, dn, sigma)[i >> 1]) / (2 * h) - s[i]));
    }
  }
  // smoothing with lambda = 0 is the closed-form score itself
  const zero = smoothedScore(exact, 0, 3, { normal: () => 1 })(x, 0.3);
  const ref = exact(x, 0.3);
  return { fd, smoothedAtZero: Math.max(...Array.from(zero, (v, i) => Math.abs(v - ref[i]))) };
}

export function summarizeD3(p: D3Params, perSeed: D3Seed[]): ClaimResult {
  const nn = (s: Score) => perSeed.map((q) => q.nearest[s]);
  const off = (s: Score) => perSeed.map((q) => q.offCircle[s]);
  const r = copyRadius(p.trainPoints);
  const c = scoreChecks();
  const memo = 'closed-form score memorizes';
  const gen = 'smoothed score generalizes';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'nearestSmoothed',
      effects: [
        meanOf('nearestExact', 'median distance of a sample to its nearest training point, closed-form score', nn('closed-form'), { kind: 'direction', sign: -1, reference: r, smallest: 0 }, { unit: 'data units', part: memo, digits: 4 }),
        meanOf('nearestSmoothed', 'median distance of a sample to its nearest training point, smoothed score', nn('smoothed'), { kind: 'direction', sign: 1, reference: r, smallest: 0 }, { unit: 'data units', part: gen, digits: 4 }),
        // on the support: the smoothed samples stay within the copy radius of the circle
        meanOf('offCircleSmoothed', 'median distance of a sample to the circle, smoothed score', off('smoothed'), { kind: 'direction', sign: -1, reference: r, smallest: 0 }, { unit: 'data units', part: gen, digits: 4 }),
        paired('nearestGap', 'median nearest-training-point distance, smoothed - closed-form', nn('smoothed'), nn('closed-form'), { kind: 'direction', sign: 1, smallest: r }, { unit: 'data units', decides: false, digits: 4 }),
        paired('smoothedVsFresh', 'median nearest-training-point distance, smoothed - fresh data', nn('smoothed'), perSeed.map((q) => q.nearestFresh), { kind: 'equivalence', margin: r }, { unit: 'data units', decides: false, digits: 4 }),
      ],
      // the sampler must end at noise small enough to resolve a copy
      premise: [premise('sigmaMinOverRadius', 'final noise level sigma_min / copy radius', p.sigmaMin / r, { atMost: 1 / 3 })],
      checks: [
        check('scoreVsLogDensity', 'closed-form score - finite difference of the log density (largest)', c.fd, 0, 1e-4),
        check('smoothedAtZero', 'smoothed score at lambda = 0 - closed-form score (largest)', c.smoothedAtZero, 0, 1e-12),
      ],
      numbers: { seeds: perSeed.length, copyRadius: r, nearestFresh: mean(perSeed.map((q) => q.nearestFresh)), offCircleExact: mean(off('closed-form')), trainPoints: p.trainPoints },
    }),
    figures: figuresD3(perSeed),
  };
}

function figuresD3(perSeed: D3Seed[]): Figure[] {
  const first = perSeed[0];
  const xy = (v: number[]) => ({ x: v.filter((_, i) => i % 2 === 0), y: v.filter((_, i) => i % 2 === 1) });
  const cloud: Figure = {
    data: [
      ...SCORES.map((s) => ({ type: 'scatter', mode: 'markers', name: `samples, ${s} score`, ...xy(first.samples[s]), marker: { size: 4, opacity: 0.5 } })),
      { type: 'scatter', mode: 'markers', name: 'training points', ...xy(first.train), marker: { size: 10, symbol: 'x', color: 'black' } },
    ],
    layout: { title: { text: `Samples vs training points (seed ${first.rows[0].seed}; the data lie on the unit circle)` }, xaxis: { title: { text: 'x1' } }, yaxis: { title: { text: 'x2' }, scaleanchor: 'x' }, template: 'plotly_white', width: 640, height: 620 },
  };
  return [
    cloud,
    barFigure('Median distance of a sample to its nearest training point (mean over seeds, 95% t interval)', 'distance', SCORES.map((s) => seedBar(s, perSeed.map((q) => q.nearest[s])))),
  ];
}

const common = { sigmaMax: 2, sigmaMin: 0.01, levels: 20, stepScale: 0.05 };

export const claim = defineClaim<D3Params, D3Seed>({
  id: 'D3',
  slug: 'closed-form-memorization',
  paper: 'Closed-Form Diffusion Models (Scarvelis et al. 2023); Generalization in diffusion models arises from geometry-adaptive harmonic representations (Kadkhodaie et al. 2024)',
  claim: 'the exact empirical score memorizes (samples collapse onto training points); a smoothed score generalizes',
  setting: 'N = 20 training points uniform on the unit circle; annealed Langevin over 20 geometric sigmas 2 -> 0.01, step 0.05 sigma_i^2, from N(0, 4 I); ' +
    'closed-form score of the training set vs that score averaged over input perturbations N(0, lambda^2 I), lambda = pi / N; at full 100 steps a level, 32 draws per evaluation, 2000 chains, 10 seeds; ' +
    'ci, cut to the CI budget: 20 steps a level, 4 draws, 200 chains, 5 seeds',
  rule: 'copy radius r = a tenth of the training points\' mean spacing (0.2 pi / N, data units). Memorizes: the closed-form score\'s median distance of a sample to its ' +
    'nearest training point below r (95% t interval over seeds); generalizes: the smoothed score\'s above r, and its median distance to the circle below r. ' +
    'Premise: sigma_min <= r / 3. Checks: closed-form score = finite difference of its log density, smoothing at lambda 0 = the score. ' +
    'Reported: smoothed - closed-form (claimed >= r) and smoothed - fresh data (within +-r)',
  scales: {
    smoke: { seeds: [1, 2], ...common, trainPoints: 10, chains: 50, levels: 5, stepsPerLevel: 5, smoothingDraws: 2 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, trainPoints: 20, chains: 200, stepsPerLevel: 20, smoothingDraws: 4 },
    // full: ~23 min on 2 cores (ci 4.2 CPU s, ~80% the smoothed sampler: (3.4 x 2 x 400 + 0.8 x 2 x 50) / 2 workers, pure JS so the work scales linearly)
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, trainPoints: 20, chains: 2000, stepsPerLevel: 100, smoothingDraws: 32 },
  },
  seed: seedD3,
  summarize: summarizeD3,
});
