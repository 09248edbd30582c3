/**
 * K1. Leverage the Average: an Analysis of KL Regularization in Reinforcement Learning (Vieillard,
 * Kozuno, Scherrer, Pietquin, Munos & Geist 2020): KL-regularised approximate value iteration implicitly
 * averages q-values (its policy is a softmax of the sum of all past q's), so estimation errors enter the
 * policy averaged, (1/k) sum_j eps_j, instead of accumulating as in unregularised AVI.
 *
 * Setting, exact: random Garnet MDPs (S states, A actions, 3 successors per (s, a), rewards U[0, 1],
 * gamma = 0.9), exact dynamic programming with iid N(0, sigma^2) errors injected into every q_{k+1}(s, a)
 * (the paper's eps_k), the same error sequence for both schemes (paired). MD-VI with KL weight lambda
 * (src/techniques/kl-value-iteration/md-vi.ts: pi_{k+1} ∝ pi_k exp(q_k / lambda), evaluation with the KL
 * term) against AVI (greedy policy). Measured at log-spaced iterations k: the suboptimality of pi_k (mean
 * over states of v* - v^{pi_k}, exact policy evaluation) and the noise-induced error of the q-values
 * the policy acts on (root-mean-square over (s, a) of noisy - noise-free run, centred per state as the policy ignores per-state offsets: for MD-VI the average of q_0..q_{k-1},
 * for AVI q_{k-1}). Averaging predicts a k^{-1/2} decay of the former's error (the sum of k iid errors
 * over k); accumulation predicts a plateau for AVI.
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean, tInterval } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { approximateValueIteration, drawErrors, garnet, klValueIteration, optimalQ } from '../techniques/kl-value-iteration/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface K1Params extends BaseParams {
  states: number;
  actions: number;
  gamma: number;
  /** KL weight lambda (the softmax temperature of the summed q's) */
  lambda: number;
  /** sd of the injected errors */
  noise: number;
  iterations: number;
  checkpoints: number[];
  /** the first checkpoint of the slope fits (past the transient of about 1/(1 - gamma) iterations) */
  slopeFrom: number;
}

/** The smallest suboptimality gain of KL over AVI that counts (value units; rewards lie in [0, 1]). */
const SMALLEST_GAIN = 0.1;
/** The KL policy's suboptimality must fall at least as k^-1/2 (a plateau, slope 0, fails). */
const SUBOPT_SLOPE = 0.5;
/** Equivalence margin on the log-log slopes. */
const SLOPE_MARGIN = 0.1;

export interface K1Seed {
  checkpoints: number[];
  /** suboptimality per checkpoint: 'kl', 'avi', 'klClean' (no noise) */
  subopt: Record<string, number[]>;
  /** noise-induced error of the acted-on q-values per checkpoint: 'kl', 'avi' */
  qError: Record<string, number[]>;
  identityError: number;
}

/**
 * The error that can move a policy: root-mean-square over (s, a) of (a - b) centred per state (softmax
 * and greedy policies ignore per-state offsets). Pilot: the uncentred max or RMS is dominated by one
 * global offset, a single random walk amplified by 1/(1 - gamma), too noisy per seed for a slope.
 */
function centredRms(a: Float64Array, b: Float64Array, states: number, actions: number): number {
  let tot = 0;
  for (let s = 0; s < states; s++) {
    let m = 0;
    for (let k = 0; k < actions; k++) m += a[s * actions + k] - b[s * actions + k];
    m /= actions;
    for (let k = 0; k < actions; k++) tot += (a[s * actions + k] - b[s * actions + k] - m) ** 2;
  }
  return Math.sqrt(tot / (states * actions));
}

export function seedK1(p: K1Params, seed: number): K1Seed {
  const rng = new Rng(seed);
  const m = garnet(p.states, p.actions, 3, p.gamma, rng.fork('mdp'));
  const qStar = optimalQ(m);
  const vStar = new Float64Array(p.states).map((_, s) => Math.max(...qStar.subarray(s * p.actions, (s + 1) * p.actions)));
  const errors = drawErrors(m, p.iterations, p.noise, rng.fork('errors'));
  const none = new Float64Array(errors.length);
  const o = { iterations: p.iterations, checkpoints: p.checkpoints, noise: p.noise, rng: rng.fork('unused') };
  const kl = klValueIteration(m, vStar, p.lambda, { ...o, errors });
  const klClean = klValueIteration(m, vStar, p.lambda, { ...o, noise: 0, errors: none });
  const avi = approximateValueIteration(m, vStar, { ...o, errors });
  const aviClean = approximateValueIteration(m, vStar, { ...o, noise: 0, errors: none });
  return {
    checkpoints: kl.checkpoints,
    subopt: { kl: kl.suboptimality, avi: avi.suboptimality, klClean: klClean.suboptimality },
    qError: { kl: kl.actedOn.map((q, i) => centredRms(q, klClean.actedOn[i], p.states, p.actions)), avi: avi.actedOn.map((q, i) => centredRms(q, aviClean.actedOn[i], p.states, p.actions)) },
    identityError: Math.max(kl.identityError ?? Infinity, klClean.identityError ?? Infinity),
  };
}

/** Per seed, the least-squares slope of ln(y) on ln(k) over checkpoints k >= from. */
/**
 * Slope of ln y on ln k over k >= from. Values at rounding level (at most 1e-12 of the largest, or not
 * positive: v* and v^pi then agree to machine precision) carry no slope and are left out; a suboptimality
 * that reaches them has gone to 0.
 */
function logSlope(ks: number[], ys: number[], from: number): number {
  const floor = 1e-12 * Math.max(...ys);
  const idx = ks.map((k, i) => (k >= from && ys[i] > floor ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 3) throw new Error(`K1: fewer than 3 checkpoints from k = ${from} above rounding level to fit a slope (${idx.length})`);
  return slope(idx.map((i) => Math.log(ks[i])), idx.map((i) => Math.log(ys[i])));
}

export function summarizeK1(p: K1Params, perSeed: K1Seed[]): ClaimResult {
  const last = (s: K1Seed, arm: string) => s.subopt[arm][s.subopt[arm].length - 1];
  const K = p.iterations;
  return {
    rows: perSeed.flatMap((s, i) => s.checkpoints.map((k, j) => ({
      seed: p.seeds[i], iteration: k, suboptKL: s.subopt.kl[j], suboptAVI: s.subopt.avi[j], suboptKLNoiseFree: s.subopt.klClean[j], qErrorKL: s.qError.kl[j], qErrorAVI: s.qError.avi[j],
    }))),
    verdict: verdict({
      headline: 'klVsAvi',
      effects: [
        paired('klVsAvi', `suboptimality at k = ${K} (mean over states of v* - v^pi), KL-regularised - unregularised AVI`, perSeed.map((s) => last(s, 'kl')), perSeed.map((s) => last(s, 'avi')),
          { kind: 'direction', sign: -1, smallest: SMALLEST_GAIN }, { unit: 'value', part: 'KL regularisation beats AVI under estimation errors' }),
        meanOf('klErrorSlope', `slope of ln(noise-induced error of the averaged q's) on ln k, KL-regularised, k >= ${p.slopeFrom}`, perSeed.map((s) => logSlope(s.checkpoints, s.qError.kl, p.slopeFrom)),
          { kind: 'equivalence', margin: SLOPE_MARGIN, target: -0.5 }, { unit: 'log-log slope', part: 'errors are averaged (k^-1/2), not accumulated' }),
        meanOf('klSuboptSlope', `slope of ln(suboptimality) on ln k, KL-regularised, k >= ${p.slopeFrom} (its suboptimality goes to 0)`, perSeed.map((s) => logSlope(s.checkpoints, s.subopt.kl, p.slopeFrom)),
          { kind: 'direction', sign: -1, smallest: SUBOPT_SLOPE }, { unit: 'log-log slope', part: 'the KL-regularised policy converges while AVI plateaus' }),
        meanOf('aviSuboptSlope', `slope of ln(suboptimality) on ln k, unregularised AVI, k >= ${p.slopeFrom}`, perSeed.map((s) => logSlope(s.checkpoints, s.subopt.avi, p.slopeFrom)),
          { kind: 'equivalence', margin: SLOPE_MARGIN, target: 0 }, { unit: 'log-log slope', part: 'the KL-regularised policy converges while AVI plateaus', decides: false }),
        meanOf('aviErrorSlope', `slope of ln(noise-induced error of q_k) on ln k, unregularised AVI, k >= ${p.slopeFrom}`, perSeed.map((s) => logSlope(s.checkpoints, s.qError.avi, p.slopeFrom)),
          { kind: 'equivalence', margin: SLOPE_MARGIN, target: 0 }, { unit: 'log-log slope', part: 'errors are averaged (k^-1/2), not accumulated' }),
      ],
      premise: [
        // the errors must hurt the unregularised scheme, and without them the regularised scheme must converge (its own bias is O(1/k))
        premise('aviHurt', `suboptimality of AVI at k = ${K} (mean over seeds)`, mean(perSeed.map((s) => last(s, 'avi'))), { atLeast: 0.5 }),
        premise('klNoiseFreeConverges', `suboptimality of noise-free KL-regularised VI at k = ${K} (mean over seeds)`, mean(perSeed.map((s) => last(s, 'klClean'))), { atMost: 0.01 }),
      ],
      checks: [check('softmaxOfSum', 'max |pi_K - softmax(sum_{j<K} q_j / lambda)| over (s, a) and seeds, noisy and noise-free runs', Math.max(...perSeed.map((s) => s.identityError)), 0, 1e-9)],
      numbers: { seeds: perSeed.length, iterations: K, noiseSd: p.noise, lambdaKL: p.lambda, finalSuboptKL: mean(perSeed.map((s) => last(s, 'kl'))), finalSuboptAVI: mean(perSeed.map((s) => last(s, 'avi'))) },
    }),
    figures: figuresK1(p, perSeed),
  };
}

function figuresK1(p: K1Params, perSeed: K1Seed[]): Figure[] {
  const ks = perSeed[0].checkpoints;
  const band = (name: string, get: (s: K1Seed) => number[]) => {
    const iv = ks.map((_, j) => tInterval(perSeed.map((s) => get(s)[j])));
    return { name, x: ks, y: iv.map((v) => v.mean), errorLow: iv.map((v) => v.lo), errorHigh: iv.map((v) => v.hi), mode: 'lines+markers' as const };
  };
  const ref = mean(perSeed.map((s) => s.qError.kl[0])) * Math.sqrt(ks[0]);
  return [
    lineFigure(`Suboptimality of pi_k (mean over states of v* - v^pi; ${p.states} states, ${p.actions} actions, gamma ${p.gamma}, error sd ${p.noise}; mean over seeds, 95% t interval)`, 'iteration k', 'v* - v^pi', [
      band('KL-regularised (MD-VI)', (s) => s.subopt.kl), band('unregularised AVI', (s) => s.subopt.avi), band('KL-regularised, no errors', (s) => s.subopt.klClean),
    ], { logX: true }),
    lineFigure('Noise-induced error of the q-values the policy acts on (RMS over (s, a), centred per state): MD-VI averages them, AVI does not', 'iteration k', 'RMS(noisy - noise-free)', [
      band('KL-regularised: average of q_0..q_{k-1}', (s) => s.qError.kl), band('AVI: q_{k-1}', (s) => s.qError.avi), { name: 'k^-1/2 reference', x: ks, y: ks.map((k) => ref / Math.sqrt(k)) },
    ], { logX: true, logY: true }),
    barFigure(`Suboptimality at k = ${p.iterations} (mean over seeds, 95% t interval)`, 'v* - v^pi', [
      seedBar('KL-regularised', perSeed.map((s) => s.subopt.kl[s.subopt.kl.length - 1])), seedBar('unregularised AVI', perSeed.map((s) => s.subopt.avi[s.subopt.avi.length - 1])),
    ]),
  ];
}

const common = { gamma: 0.9, lambda: 1, noise: 1, slopeFrom: 50 };

export const claim = defineClaim<K1Params, K1Seed>({
  id: 'K1',
  slug: 'kl-value-iteration',
  paper: 'Leverage the Average: an Analysis of KL Regularization in Reinforcement Learning (Vieillard et al. 2020)',
  claim: 'KL-regularised approximate value iteration implicitly averages q-values (the policy is a softmax of the sum of past q\'s), so estimation errors average instead of accumulating',
  setting: 'random Garnet MDPs (3 successors per state-action, rewards U[0, 1], gamma 0.9), exact dynamic programming with iid N(0, 1) errors added to every q estimate (shared by both schemes); ' +
    'MD-VI with KL weight lambda = 1 against greedy AVI; exact policy evaluation at log-spaced iterations. Full: 50 states, 5 actions, 10000 iterations, 10 seeds; ci, cut to the CI budget: 30 states, 4 actions, 1000 iterations, 5 seeds',
  rule: `suboptimality at the last iteration, KL - AVI below 0 and not wholly above -${SMALLEST_GAIN} (paired t); per-seed slope of ln(KL suboptimality) on ln k (k >= 50) below 0 and not wholly above -${SUBOPT_SLOPE} (the AVI one reported); per-seed slope of ln(noise-induced error of the acted-on q's) on ln k (k >= 50): KL within +-${SLOPE_MARGIN} of -0.5, AVI within +-${SLOPE_MARGIN} of 0 (TOST); ` +
    'premises: AVI suboptimality >= 0.5 (the errors hurt), noise-free KL suboptimality <= 0.01; check: pi_K = softmax(sum q_j / lambda) to 1e-9',
  scales: {
    smoke: { seeds: [1, 2], ...common, states: 15, actions: 3, iterations: 300, checkpoints: [10, 20, 50, 100, 200, 300] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, states: 30, actions: 4, iterations: 1000, checkpoints: [10, 20, 50, 100, 200, 500, 1000] },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, states: 50, actions: 5, iterations: 10000, checkpoints: [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] },
  },
  seed: seedK1,
  summarize: summarizeK1,
});
