/**
 * C6. An SDE for Modeling SAM: Theory and Insights (Compagnoni, Biggio, Orvieto, Proske, Kersting &
 * Lucchi, ICML 2023): SAM and its unnormalised variant USAM are modelled by SDEs that approximate the
 * discrete algorithms in the weak sense with an error linear in the learning rate eta; USAM's SDE drifts
 * down the implicitly regularised loss f + (rho/2)|grad f|^2, and (U)SAM can be attracted to saddles:
 * on f = 1/2 x^T H x, USAM is x <- (I - eta (H + rho H^2)) x, so along an eigenvector with eigenvalue
 * lambda < 0 the multiplier 1 - eta (lambda + rho lambda^2) falls below 1 once rho |lambda| > 1, and the
 * saddle becomes an attractor where (S)GD escapes it.
 *
 * Setting, on exact footing: per seed a random 2-D quadratic saddle H = Q diag(lambda_min, lambda_max) Q^T
 * (|lambda_min| in [0.5, 1.5], lambda_max in [0.5, 2], Q a random rotation) and a stochastic gradient
 * H x + xi, xi ~ N(0, s^2 I), shared by the two gradient evaluations of a step (one mini-batch per step,
 * as in the paper). Three parts:
 * - attraction: noisy USAM from random unit starts, rho = r / |lambda_min| for r in {0.5, 0.8} (below
 *   the threshold) and {1.25, 2} (above), eta = 0.05, 2000 steps; a run ends at the saddle when |x| < 0.1
 *   and has escaped when |x| > 10; SGD (rho = 0) from the same starts and noise as the control, SAM
 *   (normalised ascent) reported;
 * - weak order 1: the paper's USAM SDE dX = -(H + rho H^2) X dt + sqrt(eta) (Sigma + rho (H Sigma + Sigma H))^(1/2) dW
 *   is an Ornstein-Uhlenbeck process here, so its first two moments at time T = 1 are closed form, as are
 *   the discrete algorithm's (src/techniques/sam-dynamics); the errors at eta = 0.1 ... 0.00625 give a
 *   per-seed slope of ln(error) on ln(eta): the mean's at rho = 0.25, the covariance's relative error with
 *   rho = 0.25 sqrt(eta / 0.1) (the paper's rho = O(sqrt(eta)); the covariance is itself O(eta), so only its
 *   relative error tells a right diffusion from none, whose relative error stays 1);
 * - exact check: USAM's map read off the step applied to basis vectors has eigenvalues 1 - eta (lambda + rho lambda^2).
 */
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { fitLine } from '../stats/regression.js';
import {
  eigSym2, fromEigen, noisyQuadratic, samStep, usamDiscreteMoments, usamMapByStep, usamMultiplier, usamSdeMoments, usamStep, type Mat2,
} from '../techniques/sam-dynamics/index.js';
import { check, meanOf, premise, proportion, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C6Params extends BaseParams {
  /** rho |lambda_min| values; the verdict pools those below 1 and those above 1 */
  ratios: number[];
  eta: number;
  steps: number;
  /** noisy runs per seed and ratio */
  runs: number;
  /** sd of the gradient noise in the attraction runs */
  noise: number;
  saddleRadius: number;
  escapeRadius: number;
  /** learning rates of the weak-error part, and its horizon T and rho */
  etas: number[];
  horizon: number;
  weakRho: number;
  /** Monte Carlo runs and steps of the instrument premise (simulated second moment vs closed form) */
  mcRuns: number;
  mcSteps: number;
}

/** A random saddle of the seed: eigenvalues and rotation. */
export function saddleOf(rng: Rng): { h: Mat2; lambdaMin: number; lambdaMax: number } {
  const lambdaMin = -(0.5 + rng.uniform());
  const lambdaMax = 0.5 + 1.5 * rng.uniform();
  return { h: fromEigen(lambdaMin, lambdaMax, Math.PI * rng.uniform()), lambdaMin, lambdaMax };
}

export type Optimizer = 'usam' | 'sam' | 'sgd';

/** One noisy run on the quadratic; returns |x| at the end (a run past `stopAt` has escaped for good and stops there). */
export function runOnSaddle(h: Mat2, opt: Optimizer, eta: number, rho: number, steps: number, noise: number, x0: readonly number[], rng: Rng, stopAt = 1e6): number {
  let x: Float64Array = Float64Array.from(x0);
  const q = noisyQuadratic(h, [noise * noise, 0, 0, noise * noise]);
  for (let k = 0; k < steps; k++) {
    q.draw(rng);
    x = opt === 'sam' ? samStep(q.grad, x, eta, rho) : usamStep(q.grad, x, eta, opt === 'sgd' ? 0 : rho);
    if (Math.hypot(x[0], x[1]) > stopAt) break;
  }
  return Math.hypot(x[0], x[1]);
}

export interface C6Seed {
  rows: ClaimResult['rows'];
  lambdaMin: number;
  lambdaMax: number;
  /** final |x| per optimizer and ratio ('sgd' once, under ratio 0) */
  finals: Record<string, number[]>;
  seed: number;
  /** weak errors per eta: mean (Euclidean, rho = weakRho) and covariance (Frobenius, relative to the discrete covariance, rho = weakRho sqrt(eta / eta_0)) */
  errMean: number[];
  errCov: number[];
  /** relative covariance errors with rho held at weakRho: the paper's diffusion, and the step's own noise covariance */
  errCovFixedRho: number[];
  errCovFixedRhoExact: number[];
  slopeMean: number;
  slopeCov: number;
  /** worst |eigenvalue of the map read off the step - 1 + eta (lambda + rho lambda^2)| */
  eigenError: number;
  /** simulated E|x|^2 / closed-form E|x|^2 - 1, and that difference in Monte Carlo standard errors */
  mcRelError: number;
  mcZ: number;
}

const key = (opt: Optimizer, r: number) => `${opt} ${r}`;

export function seedC6(p: C6Params, seed: number): C6Seed {
  const rng = new Rng(seed);
  const { h, lambdaMin, lambdaMax } = saddleOf(rng.fork('problem'));
  const out: C6Seed = { rows: [], seed, lambdaMin, lambdaMax, finals: {}, errMean: [], errCov: [], errCovFixedRho: [], errCovFixedRhoExact: [], slopeMean: 0, slopeCov: 0, eigenError: 0, mcRelError: 0, mcZ: 0 };
  const startsRng = rng.fork('starts');
  const starts = Array.from({ length: p.runs }, () => { const a = 2 * Math.PI * startsRng.uniform(); return [Math.cos(a), Math.sin(a)]; });

  // attraction: the same starts and noise streams for every optimizer and ratio
  const arms: [Optimizer, number][] = [['sgd', 0], ...p.ratios.flatMap((r) => (r > 1 ? [['usam', r], ['sam', r]] : [['usam', r]]) as [Optimizer, number][])];
  for (const [opt, r] of arms) {
    const rho = r / Math.abs(lambdaMin);
    out.finals[key(opt, r)] = starts.map((x0, i) => runOnSaddle(h, opt, p.eta, rho, p.steps, p.noise, x0, rng.fork(`noise ${i}`), 1000 * p.escapeRadius));
    const f = out.finals[key(opt, r)];
    out.rows.push({ seed, part: 'attraction', optimizer: opt, ratio: r, rho, atSaddle: f.filter((v) => v < p.saddleRadius).length / f.length, escaped: f.filter((v) => v > p.escapeRadius).length / f.length });
  }

  // exact check of the map's eigenvalues at every ratio
  const eig = eigSym2(h).values;
  for (const r of p.ratios) {
    const rho = r / Math.abs(lambdaMin);
    const got = eigSym2(usamMapByStep(h, p.eta, rho)).values;
    const want = eig.map((l) => usamMultiplier(l, p.eta, rho)).sort((a, b) => a - b);
    out.eigenError = Math.max(out.eigenError, ...got.map((g, i) => Math.abs(g - want[i])));
  }

  // weak error of the paper's SDE at time T over the eta grid. The mean (drift only) at rho = weakRho; the covariance
  // with rho shrinking as sqrt(eta), as the paper's theorems take rho = O(sqrt(eta)): the diffusion's dropped
  // rho^2 H Sigma H term is then O(eta) relative to the covariance (with rho fixed it never vanishes)
  const sr = rng.fork('sigma');
  const sigma = fromEigen(0.5 + sr.uniform(), 0.5 + sr.uniform(), Math.PI * sr.uniform());
  const a0 = 2 * Math.PI * sr.uniform();
  const m0 = [Math.cos(a0), Math.sin(a0)];
  const relCov = (a: Mat2, b: Mat2) => Math.hypot(...a.map((v, i) => v - b[i])) / Math.hypot(...a);
  for (const eta of p.etas) {
    const steps = Math.round(p.horizon / eta);
    const rho = p.weakRho * Math.sqrt(eta / p.etas[0]);
    out.errCov.push(relCov(usamDiscreteMoments(h, sigma, eta, rho, steps, m0).cov, usamSdeMoments(h, sigma, eta, rho, steps * eta, m0).cov));
    const df = usamDiscreteMoments(h, sigma, eta, p.weakRho, steps, m0), sf = usamSdeMoments(h, sigma, eta, p.weakRho, steps * eta, m0);
    out.errMean.push(Math.hypot(df.mean[0] - sf.mean[0], df.mean[1] - sf.mean[1]));
    // reported: the covariance with rho held at weakRho, with the paper's diffusion and with the step's own noise covariance
    out.errCovFixedRho.push(relCov(df.cov, sf.cov));
    out.errCovFixedRhoExact.push(relCov(df.cov, usamSdeMoments(h, sigma, eta, p.weakRho, steps * eta, m0, [0, 0, 0, 0], { diffusion: 'exact' }).cov));
    out.rows.push({ seed, part: 'weak error', eta, steps, rho, errorMean: out.errMean.at(-1)!, relErrorCov: out.errCov.at(-1)!, relErrorCovFixedRho: out.errCovFixedRho.at(-1)!, relErrorCovFixedRhoExactDiffusion: out.errCovFixedRhoExact.at(-1)! });
  }
  const lx = p.etas.map(Math.log);
  out.slopeMean = fitLine(lx, out.errMean.map(Math.log)).slope;
  out.slopeCov = fitLine(lx, out.errCov.map(Math.log)).slope;

  // instrument: simulated noisy USAM's E|x|^2 against the closed form (the largest ratio, the seed's Sigma)
  const rhoMc = p.ratios[p.ratios.length - 1] / Math.abs(lambdaMin);
  const mc = rng.fork('monte carlo');
  const oracle = noisyQuadratic(h, sigma);
  let acc = 0, acc2 = 0;
  for (let r = 0; r < p.mcRuns; r++) {
    let x: Float64Array = Float64Array.from(m0);
    for (let k = 0; k < p.mcSteps; k++) { oracle.draw(mc); x = usamStep(oracle.grad, x, p.eta, rhoMc); }
    const q = x[0] * x[0] + x[1] * x[1];
    acc += q; acc2 += q * q;
  }
  const exact = usamDiscreteMoments(h, sigma, p.eta, rhoMc, p.mcSteps, m0).second;
  const simulated = acc / p.mcRuns, se = Math.sqrt((acc2 / p.mcRuns - simulated * simulated) / (p.mcRuns - 1));
  out.mcRelError = simulated / (exact[0] + exact[3]) - 1;
  out.mcZ = (simulated - exact[0] - exact[3]) / se;
  return out;
}

export function summarizeC6(p: C6Params, perSeed: C6Seed[]): ClaimResult {
  const below = p.ratios.filter((r) => r < 1), above = p.ratios.filter((r) => r > 1);
  const count = (opt: Optimizer, rs: number[], test: (v: number) => boolean) => perSeed.reduce((n, s) => n + rs.reduce((m, r) => m + s.finals[key(opt, r)].filter(test).length, 0), 0);
  const total = (rs: number[]) => perSeed.length * rs.length * p.runs;
  const atSaddle = (v: number) => v < p.saddleRadius;
  const notEscaped = (v: number) => v <= p.escapeRadius;
  const sgdEscaped = perSeed.reduce((n, s) => n + s.finals[key('sgd', 0)].filter((v) => v > p.escapeRadius).length, 0);
  const numbers: Record<string, number> = { seeds: perSeed.length, runsPerCell: p.runs };
  for (const r of p.ratios) numbers[`usamAtSaddleR${r}`.replace('.', 'p')] = count('usam', [r], atSaddle) / total([r]);
  for (const r of above) numbers[`samNotEscapedR${r}`.replace('.', 'p')] = count('sam', [r], notEscaped) / total([r]);
  numbers.worstMcRelError = Math.max(...perSeed.map((s) => Math.abs(s.mcRelError)));
  numbers.meanErrorAtSmallestEta = mean(perSeed.map((s) => s.errMean.at(-1)!));
  numbers.relCovErrorAtSmallestEta = mean(perSeed.map((s) => s.errCov.at(-1)!));
  numbers.relCovErrorFixedRhoLargestEta = mean(perSeed.map((s) => s.errCovFixedRho[0]));
  numbers.relCovErrorFixedRhoSmallestEta = mean(perSeed.map((s) => s.errCovFixedRho.at(-1)!));
  numbers.relCovErrorFixedRhoExactSmallestEta = mean(perSeed.map((s) => s.errCovFixedRhoExact.at(-1)!));
  const attraction = 'USAM converges to the saddle when rho |lambda_min| > 1 and leaves it below';
  const weak = 'the USAM SDE is a weak order-1 approximation (rho = O(sqrt(eta)))';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'usamAtSaddleAbove',
      effects: [
        proportion('usamAtSaddleAbove', `share of noisy USAM runs ending within ${p.saddleRadius} of the saddle, rho |lambda_min| in {${above.join(', ')}}`, count('usam', above, atSaddle), total(above),
          { kind: 'direction', sign: 1, reference: 0.9, smallest: 0.09 }, { unit: 'share of runs', part: attraction }),
        proportion('usamAtSaddleBelow', `share of noisy USAM runs ending within ${p.saddleRadius} of the saddle, rho |lambda_min| in {${below.join(', ')}}`, count('usam', below, atSaddle), total(below),
          { kind: 'direction', sign: -1, reference: 0.1, smallest: 0.09 }, { unit: 'share of runs', part: attraction }),
        meanOf('weakSlopeMean', `slope of ln |E x_k - E X_T| on ln eta (mean), eta ${p.etas[0]} to ${p.etas.at(-1)}, rho = ${p.weakRho}, T = ${p.horizon}`, perSeed.map((s) => s.slopeMean),
          { kind: 'equivalence', margin: 0.1, target: 1 }, { unit: 'slope', part: weak }),
        meanOf('weakSlopeCov', `slope of ln(|Cov x_k - Cov X_T|_F / |Cov x_k|_F) on ln eta, eta ${p.etas[0]} to ${p.etas.at(-1)}, rho = ${p.weakRho} sqrt(eta / ${p.etas[0]}), T = ${p.horizon}`, perSeed.map((s) => s.slopeCov),
          { kind: 'equivalence', margin: 0.25, target: 1 }, { unit: 'slope', part: weak }),
        meanOf('relCovErrorFixedRho', `relative covariance error of the paper's SDE at eta = ${p.etas.at(-1)} with rho held at ${p.weakRho} (its diffusion leaves out rho^2 H Sigma H)`, perSeed.map((s) => s.errCovFixedRho.at(-1)!),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'relative error', part: 'SDE with rho fixed as eta shrinks (reported)', decides: false }),
        proportion('samNotEscapedAbove', `share of noisy SAM (normalised) runs still within ${p.escapeRadius} of the saddle, rho |lambda_min| in {${above.join(', ')}}`, count('sam', above, notEscaped), total(above),
          { kind: 'direction', sign: 1, reference: 0.5, smallest: 0 }, { unit: 'share of runs', part: 'SAM (reported)', decides: false }),
      ],
      premise: [
        premise('sgdEscapes', `share of SGD runs (rho = 0, same starts and noise) beyond ${p.escapeRadius} after ${p.steps} steps`, sgdEscaped / (perSeed.length * p.runs), { atLeast: 0.99 }),
        premise('simulatedSecondMoment', `|simulated noisy USAM E|x|^2 - closed form| in Monte Carlo standard errors, worst seed (${p.mcRuns} runs, ${p.mcSteps} steps)`, Math.max(...perSeed.map((s) => Math.abs(s.mcZ))), { atMost: 4 }),
      ],
      checks: [check('usamEigenvalues', 'worst |eigenvalue of USAM\'s map read off the step - (1 - eta (lambda + rho lambda^2))| over seeds and ratios', Math.max(...perSeed.map((s) => s.eigenError)), 0, 1e-12)],
      numbers,
    }),
    figures: figuresC6(p, perSeed),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function figuresC6(p: C6Params, perSeed: C6Seed[]): Figure[] {
  const share = (opt: Optimizer, r: number, test: (v: number) => boolean) => mean(perSeed.map((s) => s.finals[key(opt, r)].filter(test).length / p.runs));
  const grid = Array.from({ length: 41 }, (_, i) => 0.05 * i);
  const above = p.ratios.filter((r) => r > 1);
  const lm = perSeed[0].lambdaMin;
  return [
    lineFigure(`Noisy runs ending at the saddle (|x| < ${p.saddleRadius}) after ${p.steps} steps, eta = ${p.eta}; theory: 1 above rho |lambda_min| = 1, 0 below`, 'rho |lambda_min|', 'share of runs', [
      { name: 'USAM: at the saddle', x: p.ratios, y: p.ratios.map((r) => share('usam', r, (v) => v < p.saddleRadius)), mode: 'lines+markers' },
      { name: 'SAM: not escaped (|x| <= ' + p.escapeRadius + ')', x: above, y: above.map((r) => share('sam', r, (v) => v <= p.escapeRadius)), mode: 'lines+markers' },
      { name: 'theory (USAM)', x: grid, y: grid.map((r) => (r > 1 ? 1 : 0)) },
    ]),
    lineFigure(`USAM's multiplier along the negative eigenvector, 1 - eta (lambda + rho lambda^2), seed ${perSeed[0].seed}: lambda_min = ${lm.toFixed(3)}, eta = ${p.eta}`, 'rho |lambda_min|', 'multiplier', [
      { name: '1 - eta (lambda_min + rho lambda_min^2)', x: grid, y: grid.map((r) => usamMultiplier(lm, p.eta, r / Math.abs(lm))) },
      { name: '1 (neutral)', x: [0, 2], y: [1, 1] },
    ]),
    seedLinesFigure(`Weak error of the USAM SDE at T = ${p.horizon} (closed forms), rho = ${p.weakRho} sqrt(eta / ${p.etas[0]}) unless held fixed: mean and relative covariance, each seed`, 'eta', 'error', [
      { name: '|E x - E X| (mean)', seeds: perSeed.map((s) => ({ x: p.etas, y: s.errMean })) },
      { name: '|Cov x - Cov X|_F / |Cov x|_F (covariance, relative)', seeds: perSeed.map((s) => ({ x: p.etas, y: s.errCov })) },
      { name: 'same, rho held fixed (paper\'s diffusion)', seeds: perSeed.map((s) => ({ x: p.etas, y: s.errCovFixedRho })) },
    ], { logX: true, logY: true }),
  ];
}

const common = { ratios: [0.5, 0.8, 1.25, 2], eta: 0.05, steps: 2000, noise: 0.05, saddleRadius: 0.1, escapeRadius: 10, etas: [0.1, 0.05, 0.025, 0.0125, 0.00625], horizon: 1, weakRho: 0.25, mcSteps: 20 };

export const claim = defineClaim<C6Params, C6Seed>({
  id: 'C6',
  slug: 'sam-sde-saddles',
  paper: 'An SDE for Modeling SAM: Theory and Insights (Compagnoni, Biggio, Orvieto, Proske, Kersting & Lucchi, ICML 2023)',
  claim: 'USAM\'s SDE approximates the discrete algorithm with weak error linear in eta (rho = O(sqrt(eta))), and USAM is attracted to saddles: on a quadratic saddle it converges to the saddle when rho |lambda_min| > 1, where SGD escapes (SAM reported)',
  setting: 'per seed a random 2-D quadratic saddle (|lambda_min| in [0.5, 1.5], lambda_max in [0.5, 2], random rotation), stochastic gradient H x + N(0, 0.05^2 I) shared by a step\'s two evaluations; ' +
    'noisy USAM, SGD, and SAM (above the threshold) from random unit starts, eta = 0.05, 2000 steps, rho = r / |lambda_min| with r in {0.5, 0.8, 1.25, 2}; at the saddle: |x| < 0.1, escaped: |x| > 10; ' +
    'weak error of the paper\'s USAM SDE (random noise covariance) by closed-form moments at T = 1, eta from 0.1 to 0.00625: mean at rho = 0.25, covariance with rho = 0.25 sqrt(eta / 0.1); ' +
    '200 runs per cell and 20000 Monte Carlo runs, 10 seeds at full; ci: 20 runs per cell, 2000 Monte Carlo runs, 5 seeds. Not run: the paper\'s neural-network saddles',
  rule: 'share of USAM runs at the saddle for r > 1 above 0.9 and reaching 0.99 (exact binomial, pooled runs); for r < 1 below 0.1 and reaching 0.01; ' +
    'per-seed slopes of ln(weak error) on ln(eta): mean within 1 +- 0.1, relative covariance error within 1 +- 0.25 (TOST over seeds); SAM and the covariance error with rho held fixed reported; ' +
    'premises: SGD escapes in >= 99% of runs, simulated E|x|^2 within 4 Monte Carlo standard errors of the closed form; check: USAM map eigenvalues = 1 - eta (lambda + rho lambda^2) to 1e-12',
  scales: {
    smoke: { seeds: [1, 2], ...common, runs: 10, mcRuns: 1000 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, runs: 20, mcRuns: 2000 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, runs: 200, mcRuns: 20000 },
  },
  seed: seedC6,
  summarize: summarizeC6,
});
