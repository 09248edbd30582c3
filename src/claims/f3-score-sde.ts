/**
 * F3. Score-Based Generative Modeling through Stochastic Differential Equations (Song et al. 2021): the
 * reverse-time SDE and the probability-flow ODE of a score SDE sample the same distribution, the ODE gives
 * exact likelihoods, and predictor-corrector (PC) sampling beats predictor-only sampling at equal cost.
 *
 * Setting: 2-D data, a mixture of three isotropic Gaussians (variance 0.1), noised by the VP SDE
 * (beta from 0.1 to 20, the paper's) and the VE SDE (sigma from 0.01 to 10: the paper's rule sets
 * sigmaMax near the largest distance between data points, about 3 here, where CIFAR-10 needed 50).
 * - Likelihood: with the exact score and its exact divergence, the ODE's log-likelihood of data points
 *   is compared with the exact log p_tMin; its worst error over the points must fall as the Heun steps grow
 *   (per seed, the slope of log error on log steps).
 * - Same distribution: from one set of prior draws, the reverse SDE (Euler-Maruyama) and the ODE (Heun)
 *   with the exact score; each sample's sliced W2 to an exact draw of the data (one set of projections
 *   for both, so the difference cancels the projection noise).
 * - PC vs predictor-only at equal score evaluations, the paper's Table 1 comparison (P2000 against
 *   PC1000): a predictor with 2N steps against N predictor steps each followed by one Langevin corrector
 *   step (r = 0.16, the paper's), with a score network trained by continuous-time denoising score
 *   matching, as the paper's models are, on the VE SDE, where the paper's gain is (for VP it reports
 *   none to speak of). The exact score is run too and reported.
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { slicedW2 } from '../stats/two-sample.js';
import {
  gmm, gmmScore, gmmScoreDivergence, noisedLogDensity, odeLogLikelihood, predictorCorrector, priorSample, probabilityFlow, reverseSde, sampleGmm,
  veGeometric, vpLinear, type NoisingProcess, type TimeScore,
} from '../techniques/diffusion/index.js';
import { trainTimeScore } from '../techniques/score/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface F3Params extends BaseParams {
  /** data points whose ODE log-likelihood is checked, per seed */
  likelihoodPoints: number;
  /** Heun step counts of the likelihood ODE */
  likelihoodSteps: number[];
  /** chains per sampler and seed */
  chains: number;
  /** Euler-Maruyama steps of the reverse SDE (the ODE takes half as many Heun steps: equal score evaluations) */
  sdeSteps: number;
  /** PC steps N (one corrector step each) compared with 2N predictor-only steps */
  pcSteps: number[];
  /** the corrector's signal-to-noise ratio r */
  snr: number;
  /** the score network trained for the PC comparison */
  net: { hidden: number[]; steps: number; batchSize: number; lr: number };
  projections: number;
}

export const DATA = gmm([0.5, 0.3, 0.2], [[-1, -0.5], [1, -0.5], [0, 1.2]], 0.1);
const PROCESSES: Record<'VP' | 'VE', NoisingProcess> = { VP: vpLinear(0.1, 20), VE: veGeometric(0.01, 10) };
const TMIN = 1e-3;
/** The yardstick: a sliced W2 of 0.02 (data units; components have sd 0.32) counts. */
const MARGIN = 0.02;

export interface F3Seed {
  rows: ClaimResult['rows'];
  /** per process and step count, the worst |ODE log-likelihood - exact log p_tMin| over the points */
  likelihoodError: Record<string, number[]>;
  /** sliced W2 to an exact data draw, by name ('VP SDE', 'VE ODE', 'PC 100 learned', 'P 200 exact', ...) */
  w2: Record<string, number>;
  /** a second exact draw's sliced W2 (the floor) */
  floor: number;
  /** the trained network's relative score error at t = 0.5 (VE), on noised data */
  netError: number;
}

export async function seedF3(p: F3Params, seed: number): Promise<F3Seed> {
  const rng = new Rng(seed);
  const out: F3Seed = { rows: [], likelihoodError: {}, w2: {}, floor: 0, netError: 0 };
  // likelihood: exact score, exact divergence, exact prior density, so what is left is the solver's error
  const points = sampleGmm(DATA, p.likelihoodPoints, rng.fork('likelihood points'));
  for (const [name, process] of Object.entries(PROCESSES)) {
    const truth = noisedLogDensity(DATA, points, process.alpha(TMIN), process.sigma(TMIN));
    const prior = (x1: Float64Array) => noisedLogDensity(DATA, x1, process.alpha(1), process.sigma(1));
    out.likelihoodError[name] = p.likelihoodSteps.map((steps) => {
      const ll = odeLogLikelihood(process, gmmScore(DATA, process), gmmScoreDivergence(DATA, process), points, { d: 2, steps, tMin: TMIN, priorLogDensity: prior });
      const worst = ll.reduce((m, v, i) => Math.max(m, Math.abs(v - truth[i])), 0);
      out.rows.push({ seed, part: 'likelihood', process: name, steps, worstAbsError: worst });
      return worst;
    });
  }
  const data = sampleGmm(DATA, p.chains, rng.fork('data'));
  // one set of projections for every W2 of a seed (the floor too)
  const w2 = (x: Float64Array) => Math.sqrt(slicedW2(x, data, 2, { projections: p.projections, rng: rng.fork('projections') }));
  const record = (name: string, x: Float64Array) => {
    out.w2[name] = w2(x);
    out.rows.push({ seed, part: 'samples', sampler: name, slicedW2ToData: out.w2[name] });
  };
  out.floor = w2(sampleGmm(DATA, p.chains, rng.fork('second draw')));
  out.rows.push({ seed, part: 'samples', sampler: 'second exact draw (floor)', slicedW2ToData: out.floor });
  // same distribution: reverse SDE and probability-flow ODE from the same prior draws, exact score
  for (const [name, process] of Object.entries(PROCESSES)) {
    const xT = priorSample(process, p.chains, 2, rng.fork(`prior ${name}`));
    const score = gmmScore(DATA, process);
    record(`${name} SDE`, reverseSde(process, score, xT, { steps: p.sdeSteps, tMin: TMIN, rng: rng.fork(`sde ${name}`) }));
    record(`${name} ODE`, probabilityFlow(process, score, xT, { steps: p.sdeSteps / 2, tMin: TMIN, method: 'heun' }));
  }
  // PC against predictor-only at equal score evaluations, VE, learned and exact score
  const ve = PROCESSES.VE;
  const net = await trainTimeScore(ve, sampleGmm(DATA, 20000, rng.fork('training data')), 2, { ...p.net, tMin: TMIN, rng: rng.fork('score net') });
  try {
    out.netError = relativeScoreError(net.score, ve, 0.5, rng.fork('net error'));
    const scores: [string, TimeScore][] = [['learned', net.score], ['exact', gmmScore(DATA, ve)]];
    for (const n of p.pcSteps) {
      const xT = priorSample(ve, p.chains, 2, rng.fork(`prior PC ${n}`));
      for (const [kind, score] of scores) {
        record(`P ${2 * n} ${kind}`, predictorCorrector(ve, score, xT, { steps: 2 * n, correctorSteps: 0, snr: p.snr, tMin: TMIN, rng: rng.fork(`P ${n} ${kind}`) }));
        record(`PC ${n} ${kind}`, predictorCorrector(ve, score, xT, { steps: n, correctorSteps: 1, snr: p.snr, tMin: TMIN, rng: rng.fork(`PC ${n} ${kind}`) }));
      }
    }
  } finally {
    net.dispose();
  }
  return out;
}

/** |s_net - s| / |s| (root mean squares over points) at time t, on 2000 noised data points. */
function relativeScoreError(score: TimeScore, process: NoisingProcess, t: number, rng: Rng): number {
  const x = sampleGmm(DATA, 2000, rng.fork('x0')).map((v) => process.alpha(t) * v + process.sigma(t) * rng.normal());
  const [learned, exact] = [score(x, t), gmmScore(DATA, process)(x, t)];
  let [err, size] = [0, 0];
  for (let j = 0; j < x.length; j++) [err, size] = [err + (learned[j] - exact[j]) ** 2, size + exact[j] ** 2];
  return Math.sqrt(err / size);
}

export function summarizeF3(p: F3Params, perSeed: F3Seed[]): ClaimResult {
  const w2 = (name: string) => perSeed.map((s) => s.w2[name]);
  const logSteps = p.likelihoodSteps.map(Math.log);
  const slopes = (name: string) => perSeed.map((s) => slope(logSteps, s.likelihoodError[name].map(Math.log)));
  const finest = (name: string) => Math.max(...perSeed.map((s) => s.likelihoodError[name].at(-1)!));
  const nets = perSeed.map((s) => s.netError);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'sdeVsOdeVP',
      effects: [
        ...(['VP', 'VE'] as const).map((name) => paired(`sdeVsOde${name}`, `sliced W2 to the data, reverse SDE (${p.sdeSteps} Euler-Maruyama steps) - probability-flow ODE (${p.sdeSteps / 2} Heun steps), ${name}, exact score`,
          w2(`${name} SDE`), w2(`${name} ODE`), { kind: 'equivalence', margin: MARGIN }, { unit: 'W2 (data units)', part: 'the SDE and the ODE sample the same distribution' })),
        ...(['VP', 'VE'] as const).map((name) => meanOf(`likelihoodSlope${name}`, `slope of ln(worst |ODE log-likelihood - log p|) on ln(Heun steps), ${name}`, slopes(name),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'per ln step', part: 'the ODE gives exact likelihoods' })),
        ...p.pcSteps.map((n) => paired(`pcVsP${n}`, `sliced W2 to the data, PC (${n} steps + ${n} corrector steps) - predictor-only (${2 * n} steps), VE, learned score`,
          w2(`PC ${n} learned`), w2(`P ${2 * n} learned`), { kind: 'direction', sign: -1, smallest: MARGIN / 2 }, { unit: 'W2 (data units)', part: 'PC beats predictor-only at equal cost' })),
        ...p.pcSteps.map((n) => paired(`pcVsP${n}Exact`, `sliced W2 to the data, PC ${n} - predictor-only ${2 * n}, VE, exact score`,
          w2(`PC ${n} exact`), w2(`P ${2 * n} exact`), { kind: 'direction', sign: -1, smallest: MARGIN / 2 }, { unit: 'W2 (data units)', part: 'PC beats predictor-only at equal cost', decides: false })),
      ],
      premise: [
        // "same distribution" is resolvable only if the ODE itself lands on the data
        ...(['VP', 'VE'] as const).map((name) => premise(`odeNearFloor${name}`, `sliced W2 to the data of the ${name} ODE - that of a second exact draw (mean over seeds)`, mean(w2(`${name} ODE`)) - mean(perSeed.map((s) => s.floor)), { atMost: MARGIN / 2 })),
        // a comparison of samplers needs a score model that samples the data roughly
        premise('learnedScoreUsable', `sliced W2 to the data of the learned score's best sampler (predictor-only, ${2 * Math.max(...p.pcSteps)} steps; mean over seeds)`,
          mean(w2(`P ${2 * Math.max(...p.pcSteps)} learned`)), { atMost: 0.15 }),
      ],
      checks: [
        // the solver converges to the exact log-density: at the finest grid the worst error is small
        ...(['VP', 'VE'] as const).map((name) => check(`likelihoodAt${p.likelihoodSteps.at(-1)}${name}`, `worst |ODE log-likelihood - log p| at ${p.likelihoodSteps.at(-1)} Heun steps, ${name}, over seeds and points`, finest(name), 0, 1e-2)),
      ],
      numbers: { seeds: perSeed.length, floorW2: mean(perSeed.map((s) => s.floor)), netRelativeScoreError: mean(nets) },
    }),
    figures: figuresF3(p, perSeed),
  };
}

function figuresF3(p: F3Params, perSeed: F3Seed[]): Figure[] {
  const samplers = Object.keys(perSeed[0].w2);
  return [
    lineFigure('Worst |ODE log-likelihood - exact log-density| over data points (mean over seeds)', 'Heun steps', 'worst absolute error',
      (['VP', 'VE'] as const).map((name) => ({ name, x: p.likelihoodSteps, y: p.likelihoodSteps.map((_, k) => mean(perSeed.map((s) => s.likelihoodError[name][k]))) })), { logX: true, logY: true }),
    barFigure('Sliced W2 of each sampler\'s draws to an exact draw of the data (mean over seeds, 95% t interval)', 'sliced W2', [
      seedBar('second exact draw (floor)', perSeed.map((s) => s.floor)),
      ...samplers.map((name) => seedBar(name, perSeed.map((s) => s.w2[name]))),
    ]),
  ];
}

const common = { snr: 0.16, likelihoodSteps: [8, 16, 32, 64, 128, 256] };

export const claim = defineClaim<F3Params, F3Seed>({
  id: 'F3',
  slug: 'score-sde',
  paper: 'Score-Based Generative Modeling through Stochastic Differential Equations (Song, Sohl-Dickstein, Kingma, Kumar, Ermon & Poole 2021)',
  claim: 'the reverse SDE and the probability-flow ODE of a score SDE sample the same distribution; the ODE gives exact likelihoods; predictor-corrector sampling beats predictor-only sampling at equal score evaluations',
  setting: '2-D data: three isotropic Gaussians (variance 0.1, weights 0.5/0.3/0.2); VP SDE (beta 0.1 to 20) and VE SDE (sigma 0.01 to 10), tMin = 1e-3; exact noised scores for the likelihood and SDE-vs-ODE parts; ' +
    'ODE log-likelihood with the exact divergence and exact p_1 at 8-256 Heun steps; reverse SDE (Euler-Maruyama) against the ODE (Heun, half the steps); PC (N steps, one Langevin corrector step each, r = 0.16) against predictor-only (2N steps) on the VE SDE ' +
    'with a score MLP trained by continuous-time DSM; sliced W2 to an exact data draw. Full: 10 seeds, 20000 chains, 1000 SDE steps, N in {100, 1000}, net 2-128-128-2 trained 4000 steps; ' +
    'ci, cut to the CI budget: 5 seeds, 1000 chains, 300 SDE steps, N = 100, net 2-64-64-2 trained 600 steps',
  rule: 'SDE - ODE sliced W2 to the data within +-0.02 (TOST, paired over seeds) for VP and VE; the per-seed slope of ln(worst likelihood error) on ln(steps) below 0 (t over seeds) for VP and VE; ' +
    'PC - predictor-only sliced W2 below 0 and not wholly above -0.01 (paired t) with the learned score at every N; premises: each ODE within 0.01 of the floor of two exact draws, the learned score\'s predictor-only sampler within 0.15 of the data; ' +
    'check: worst likelihood error at 256 steps below 0.01; the exact-score PC comparison reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, likelihoodPoints: 50, likelihoodSteps: [8, 16, 32], chains: 500, sdeSteps: 100, pcSteps: [20], net: { hidden: [32, 32], steps: 200, batchSize: 128, lr: 2e-3 }, projections: 32 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, likelihoodPoints: 100, chains: 1000, sdeSteps: 300, pcSteps: [100], net: { hidden: [64, 64], steps: 600, batchSize: 256, lr: 2e-3 }, projections: 64 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, likelihoodPoints: 500, chains: 20000, sdeSteps: 1000, pcSteps: [100, 1000], net: { hidden: [128, 128], steps: 4000, batchSize: 512, lr: 2e-3 }, projections: 256 },
  },
  seed: seedF3,
  summarize: summarizeF3,
});
