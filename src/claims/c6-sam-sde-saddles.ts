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
 *   per-seed slope of ln(error) on ln(eta);
 * - exact check: USAM's map read off the step applied to basis vectors has eigenvalues 1 - eta (lambda + rho lambda^2).
 */
import { lineFigure, seedLinesFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { fitLine } from '../stats/regression.js';
import {
  eigSym2, fromEigen, matVec2, samStep, usamDiscreteMoments, usamMapByStep, usamMultiplier, usamSdeMoments, usamStep, type Mat2,
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
  const xi = new Float64Array(2);
  const grad = (p: Float64Array) => { const g = matVec2(h, p); return Float64Array.of(g[0] + xi[0], g[1] + xi[1]); };
  for (let k = 0; k < steps; k++) {
    xi[0] = noise * rng.normal(); xi[1] = noise * rng.normal();
    x = opt === 'sam' ? samStep(grad, x, eta, rho) : usamStep(grad, x, eta, opt === 'sgd' ? 0 : rho);
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
  /** weak errors per eta: mean (Euclidean) and second moment (Frobenius) */
  errMean: number[];
  errSecond: number[];
  slopeMean: number;
  slopeSecond: number;
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
  const out: C6Seed = { rows: [], lambdaMin, lambdaMax, finals: {}, errMean: [], errSecond: [], slopeMean: 0, slopeSecond: 0, eigenError: 0, mcRelError: 0, mcZ: 0 };
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

  // weak error of the paper's SDE at time T over the eta grid
  const sr = rng.fork('sigma');
  const sigma = fromEigen(0.5 + sr.uniform(), 0.5 + sr.uniform(), Math.PI * sr.uniform());
  const a0 = 2 * Math.PI * sr.uniform();
  const m0 = [Math.cos(a0), Math.sin(a0)];
  for (const eta of p.etas) {
    const steps = Math.round(p.horizon / eta);
    const d = usamDiscreteMoments(h, sigma, eta, p.weakRho, steps, m0);
    const s = usamSdeMoments(h, sigma, eta, p.weakRho, steps * eta, m0);
    out.errMean.push(Math.hypot(d.mean[0] - s.mean[0], d.mean[1] - s.mean[1]));
    out.errSecond.push(Math.hypot(...d.second.map((v, i) => v - s.second[i])));
    out.rows.push({ seed, part: 'weak error', eta, steps, errorMean: out.errMean.at(-1)!, errorSecondMoment: out.errSecond.at(-1)! });
  }
  const lx = p.etas.map(Math.log);
  out.slopeMean = fitLine(lx, out.errMean.map(Math.log)).slope;
  out.slopeSecond = fitLine(lx, out.errSecond.map(Math.log)).slope;

  // instrument: simulated noisy USAM's E|x|^2 against the closed form (the largest ratio, the seed's Sigma)
  const rhoMc = p.ratios[p.ratios.length - 1] / Math.abs(lambdaMin);
  const mc = rng.fork('monte carlo');
  const l11 = Math.sqrt(sigma[0]), l21 = sigma[1] / l11, l22 = Math.sqrt(sigma[3] - l21 * l21);
  let acc = 0, acc2 = 0;
  for (let r = 0; r < p.mcRuns; r++) {
    let x: Float64Array = Float64Array.from(m0);
    const xi = new Float64Array(2);
    const grad = (q: Float64Array) => { const g = matVec2(h, q); return Float64Array.of(g[0] + xi[0], g[1] + xi[1]); };
    for (let k = 0; k < p.mcSteps; k++) {
      const z1 = mc.normal(), z2 = mc.normal();
      xi[0] = l11 * z1; xi[1] = l21 * z1 + l22 * z2;
      x = usamStep(grad, x, p.eta, rhoMc);
    }
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
  numbers.secondErrorAtSmallestEta = mean(perSeed.map((s) => s.errSecond.at(-1)!));
  const attraction = 'USAM converges to the saddle when rho |lambda_min| > 1 and leaves it below';
  const weak = 'the USAM SDE is a weak order-1 approximation';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'usamAtSaddleAbove',
      effects: [
        proportion('usamAtSaddleAbove', `share of noisy USAM runs ending within ${p.saddleRadius} of the saddle, rho |lambda_min| in {${above.join(', ')}}`, count('usam', above, atSaddle), total(above),
          { kind: 'direction', sign: 1, reference: 0.5, smallest: 0.45 }, { unit: 'share of runs', part: attraction }),
        proportion('usamAtSaddleBelow', `share of noisy USAM runs ending within ${p.saddleRadius} of the saddle, rho |lambda_min| in {${below.join(', ')}}`, count('usam', below, atSaddle), total(below),
          { kind: 'direction', sign: -1, reference: 0.5, smallest: 0.45 }, { unit: 'share of runs', part: attraction }),
        meanOf('weakSlopeMean', `slope of ln |E x_k - E X_T| on ln eta (mean), eta ${p.etas[0]} to ${p.etas.at(-1)}, T = ${p.horizon}`, perSeed.map((s) => s.slopeMean),
          { kind: 'equivalence', margin: 0.1, target: 1 }, { unit: 'slope', part: weak }),
        meanOf('weakSlopeSecond', `slope of ln |E x_k x_k^T - E X_T X_T^T|_F on ln eta, eta ${p.etas[0]} to ${p.etas.at(-1)}, T = ${p.horizon}`, perSeed.map((s) => s.slopeSecond),
          { kind: 'equivalence', margin: 0.1, target: 1 }, { unit: 'slope', part: weak }),
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
    lineFigure(`USAM's multiplier along the negative eigenvector, 1 - eta (lambda + rho lambda^2), seed ${1}: lambda_min = ${lm.toFixed(3)}, eta = ${p.eta}`, 'rho |lambda_min|', 'multiplier', [
      { name: '1 - eta (lambda_min + rho lambda_min^2)', x: grid, y: grid.map((r) => usamMultiplier(lm, p.eta, r / Math.abs(lm))) },
      { name: '1 (neutral)', x: [0, 2], y: [1, 1] },
    ]),
    seedLinesFigure(`Weak error of the USAM SDE at T = ${p.horizon} (closed forms): mean and second moment, each seed`, 'eta', 'error', [
      { name: '|E x - E X| (mean)', seeds: perSeed.map((s) => ({ x: p.etas, y: s.errMean })) },
      { name: '|E xx^T - E XX^T|_F (second moment)', seeds: perSeed.map((s) => ({ x: p.etas, y: s.errSecond })) },
    ], { logX: true, logY: true }),
  ];
}

const common = { ratios: [0.5, 0.8, 1.25, 2], eta: 0.05, steps: 2000, noise: 0.05, saddleRadius: 0.1, escapeRadius: 10, etas: [0.1, 0.05, 0.025, 0.0125, 0.00625], horizon: 1, weakRho: 0.5, mcSteps: 20 };

export const claim = defineClaim<C6Params, C6Seed>({
  id: 'C6',
  slug: 'sam-sde-saddles',
  paper: 'An SDE for Modeling SAM: Theory and Insights (Compagnoni, Biggio, Orvieto, Proske, Kersting & Lucchi, ICML 2023)',
  claim: 'SAM\'s SDEs approximate the discrete algorithms with weak error linear in eta, and (U)SAM is attracted to saddles: on a quadratic saddle USAM converges to it when rho |lambda_min| > 1, where SGD escapes',
  setting: 'per seed a random 2-D quadratic saddle (|lambda_min| in [0.5, 1.5], lambda_max in [0.5, 2], random rotation), stochastic gradient H x + N(0, 0.05^2 I) shared by a step\'s two evaluations; ' +
    'noisy USAM, SGD, and SAM (above the threshold) from random unit starts, eta = 0.05, 2000 steps, rho = r / |lambda_min| with r in {0.5, 0.8, 1.25, 2}; at the saddle: |x| < 0.1, escaped: |x| > 10; ' +
    'weak error of the paper\'s USAM SDE (rho = 0.5, random noise covariance) by closed-form moments at T = 1, eta from 0.1 to 0.00625; ' +
    '200 runs per cell and 20000 Monte Carlo runs, 10 seeds at full; ci: 20 runs per cell, 2000 Monte Carlo runs, 5 seeds. Not run: the paper\'s neural-network saddles',
  rule: 'share of USAM runs at the saddle for r > 1 above 0.5 and reaching 0.95 (exact binomial, pooled runs); for r < 1 below 0.5 and reaching 0.05; ' +
    'per-seed slopes of ln(weak error) on ln(eta), mean and second moment, within 1 +- 0.1 (TOST over seeds); SAM reported; ' +
    'premises: SGD escapes in >= 99% of runs, simulated E|x|^2 within 4 Monte Carlo standard errors of the closed form; check: USAM map eigenvalues = 1 - eta (lambda + rho lambda^2) to 1e-12',
  scales: {
    smoke: { seeds: [1, 2], ...common, runs: 10, mcRuns: 1000 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, runs: 20, mcRuns: 2000 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, runs: 200, mcRuns: 20000 },
  },
  seed: seedC6,
  summarize: summarizeC6,
});
