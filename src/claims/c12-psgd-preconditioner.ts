/**
 * C12. Curvature-Informed SGD via General Purpose Lie-Group Preconditioners (Pooladzandi & Li 2024).
 * PSGD fits a preconditioner P = Q^T Q online from pairs (dtheta, dg), descending the criterion
 * E[dg^T P dg + dtheta^T P^{-1} dtheta] on the Lie group of upper-triangular Q with positive diagonal
 * (a normalised step, no damping, no line search); its minimiser solves P E[dg dg^T] P = E[dtheta dtheta^T],
 * so on a quadratic with Hessian H it is H^{-1}, with gradient noise in dg acting only as a small
 * automatic damping. SGD preconditioned by it then converges at a rate free of H's conditioning.
 *
 * Setting: f(theta) = theta^T H theta / 2 in d = 20 dimensions (10 at ci), H = U diag(lambda) U^T with lambda
 * log-spaced over [1, 1000] (condition number 1000), stochastic gradients H theta + sigma xi. Each PSGD
 * step draws dtheta ~ N(0, I) and forms dg = g(theta + dtheta) - g(theta) from two independent noisy
 * gradients, updates Q (step mu_t = 0.1 / (1 + t / 200)), and steps theta <- theta - 0.5 P g.
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { matMul, matMulT, randomOrthonormal } from '../techniques/matrix-recovery/index.js';
import { initQ, inverseHessianError, precondition, updateQ } from '../techniques/psgd/index.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C12Params extends BaseParams {
  d: number;
  kappa: number;
  /** gradient noise per coordinate */
  sigma: number;
  /** larger gradient noises at which the fit (decaying step) is also run: 0.1 and 1 against |H dtheta| >= 1 */
  sigmaGrid: number[];
  /** preconditioner-fitting steps (the convergence part) */
  fitSteps: number;
  /** cap on optimisation steps */
  maxSteps: number;
}

export const PSGD_LR = 0.5;
/** SGD's learning rates, as multiples of 1 / lambda_max (2 is the edge of stability); the best is taken per seed */
export const SGD_GRID = [0.5, 1, 1.5, 1.9];
export const mu = (t: number) => 0.1 / (1 + t / 200);
/** a fixed fitting step, reported beside the decaying one */
export const MU_FIXED = 0.05;
/** the target: f <= TARGET f(theta_0) */
export const TARGET = 1e-6;
/** The yardsticks: P within 5% of H^{-1} (relative Frobenius), PSGD at least twice as fast. */
const TOL = 0.05;
const SPEEDUP = Math.LN2;
const lambdaOf = (p: C12Params) => Array.from({ length: p.d }, (_, i) => p.kappa ** (i / (p.d - 1)));

export interface Quadratic { d: number; hess: Float64Array; lambda: number[]; u: Float64Array }

export function quadratic(d: number, kappa: number, rng: Rng): Quadratic {
  const u = randomOrthonormal(d, d, rng);
  const lambda = Array.from({ length: d }, (_, i) => kappa ** (i / (d - 1)));
  return { d, hess: matMulT(Float64Array.from(u, (v, i) => v * lambda[i % d]), u, d, d, d), lambda, u };
}

const hv = (q: Quadratic, x: Float64Array) => matMul(q.hess, x, q.d, q.d, 1);
const loss = (q: Quadratic, x: Float64Array) => 0.5 * hv(q, x).reduce((a, v, i) => a + v * x[i], 0);
const noisy = (q: Quadratic, x: Float64Array, sigma: number, r: Rng) => Float64Array.from(hv(q, x), (v) => v + sigma * r.normal());

/** PSGD on the quadratic: iterations to the target and the inverse-Hessian error along the way. */
export function runPsgd(q: Quadratic, theta0: Float64Array, p: { sigma: number; steps: number; lr: number; mu: (t: number) => number }, rng: Rng): { hit: number; err: { t: number; value: number }[]; lowerMax: number; diagMin: number; qFinal: Float64Array | null } {
  const d = q.d, f0 = loss(q, theta0);
  const th = Float64Array.from(theta0);
  let qm: Float64Array | null = null;
  let hit = Infinity, lowerMax = 0, diagMin = Infinity;
  const err: { t: number; value: number }[] = [];
  for (let t = 0; t < p.steps; t++) {
    if (hit === Infinity && loss(q, th) <= TARGET * f0) hit = t;
    // a pair from two independent noisy gradients: dg = H dtheta + noise
    const v = Float64Array.from({ length: d }, () => rng.normal());
    const plus = Float64Array.from(th, (x, i) => x + v[i]);
    const g = noisy(q, th, p.sigma, rng);
    const h = Float64Array.from(noisy(q, plus, p.sigma, rng), (x, i) => x - g[i]);
    if (!qm) qm = initQ(d, Math.sqrt(Math.hypot(...v) / Math.hypot(...h)));
    qm = updateQ(qm, v, h, p.mu(t));
    const pg = precondition(qm, noisy(q, th, p.sigma, rng));
    for (let i = 0; i < d; i++) th[i] -= p.lr * pg[i];
    if (t + 1 === p.steps || (t + 1) % Math.max(1, Math.floor(p.steps / 40)) === 0) err.push({ t: t + 1, value: inverseHessianError(qm, q.hess, d) });
  }
  for (let i = 0; i < d; i++) { diagMin = Math.min(diagMin, qm![i * d + i]); for (let j = 0; j < i; j++) lowerMax = Math.max(lowerMax, Math.abs(qm![i * d + j])); }
  return { hit, err, lowerMax, diagMin, qFinal: qm };
}

/** Plain SGD: iterations to the target (Infinity if not within `steps`). */
export function runSgd(q: Quadratic, theta0: Float64Array, lr: number, sigma: number, steps: number, rng: Rng): number {
  const f0 = loss(q, theta0);
  const th = Float64Array.from(theta0);
  for (let t = 0; t < steps; t++) {
    if (loss(q, th) <= TARGET * f0) return t;
    const g = noisy(q, th, sigma, rng);
    for (let i = 0; i < q.d; i++) th[i] -= lr * g[i];
  }
  return Infinity;
}

/**
 * The criterion's fixed point: with Q upper triangular and Q^T Q = H^{-1}, the expected group gradient
 * E[a a^T - b b^T] = Q H^2 Q^T - (Q Q^T)^{-1} vanishes (E[v v^T] = I, h = H v); its largest entry
 * relative to the largest of Q H^2 Q^T.
 */
export function fixedPointResidual(q: Quadratic): number {
  const d = q.d;
  // H^{-1} = U diag(1/lambda) U^T; Cholesky H^{-1} = L L^T, Q = L^T
  const hinv = matMulT(Float64Array.from(q.u, (v, i) => v / q.lambda[i % d]), q.u, d, d, d);
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = hinv[j * d + j];
    for (let k = 0; k < j; k++) s -= l[j * d + k] ** 2;
    l[j * d + j] = Math.sqrt(s);
    for (let i = j + 1; i < d; i++) { let t = hinv[i * d + j]; for (let k = 0; k < j; k++) t -= l[i * d + k] * l[j * d + k]; l[i * d + j] = t / l[j * d + j]; }
  }
  const qm = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) qm[i * d + j] = l[j * d + i];
  const h2 = matMul(q.hess, q.hess, d, d, d);
  const a = matMulT(matMul(qm, h2, d, d, d), qm, d, d, d);
  // (Q Q^T)^{-1} = L^T^{-1}... computed as Q^{-T} Q^{-1} with Q^{-1} by back substitution
  const qi = new Float64Array(d * d);
  for (let c = 0; c < d; c++) for (let i = d - 1; i >= 0; i--) {
    let s = i === c ? 1 : 0;
    for (let k = i + 1; k < d; k++) s -= qm[i * d + k] * qi[k * d + c];
    qi[i * d + c] = s / qm[i * d + i];
  }
  const qiT = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) qiT[i * d + j] = qi[j * d + i];
  const b = matMul(qiT, qi, d, d, d);
  let num = 0, den = 0;
  for (let i = 0; i < d * d; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(a[i])); }
  return num / den;
}

export interface C12Seed {
  rows: ClaimResult['rows'];
  /** final ||P H - I||_F / sqrt(d), decaying and fixed fitting step */
  fitError: number;
  fitErrorFixed: number;
  fitCurve: { t: number; value: number }[];
  fitCurveFixed: { t: number; value: number }[];
  psgdIters: number;
  sgdIters: number;
  sgdBestLr: number;
  lowerMax: number;
  diagMin: number;
  fixedPoint: number;
  /** per sigma of the grid: the fit's final error against H^{-1} and against the noisy fixed point (H^2 + 2 sigma^2 I)^{-1/2} */
  noisyFit: { sigma: number; vsInverse: number; vsDamped: number }[];
}

/** (H^2 + 2 sigma^2 I)^{1/2}: the noisy criterion's fixed point is its inverse (dg's noise has variance 2 sigma^2 per coordinate). */
export function dampedRoot(q: Quadratic, sigma: number): Float64Array {
  return matMulT(Float64Array.from(q.u, (v, i) => v * Math.sqrt(q.lambda[i % q.d] ** 2 + 2 * sigma * sigma)), q.u, q.d, q.d, q.d);
}

/** ||P H - I||_F / sqrt(d) at the noisy fixed point P = (H^2 + 2 sigma^2 I)^{-1/2}: the damping floor against H^{-1}. */
export const dampingFloor = (lambda: number[], sigma: number) => Math.sqrt(lambda.reduce((a, l) => a + (l / Math.sqrt(l * l + 2 * sigma * sigma) - 1) ** 2, 0) / lambda.length);

export function seedC12(p: C12Params, seed: number): C12Seed {
  const rng = new Rng(seed);
  const q = quadratic(p.d, p.kappa, rng.fork('quadratic'));
  const start = rng.fork('start');
  const theta0 = Float64Array.from({ length: p.d }, () => start.normal());
  const fit = runPsgd(q, theta0, { sigma: p.sigma, steps: p.fitSteps, lr: PSGD_LR, mu }, rng.fork('psgd'));
  const fixed = runPsgd(q, theta0, { sigma: p.sigma, steps: p.fitSteps, lr: PSGD_LR, mu: () => MU_FIXED }, rng.fork('psgd fixed'));
  const sgd = SGD_GRID.map((c) => runSgd(q, theta0, c / p.kappa, p.sigma, p.maxSteps, rng.fork(`sgd ${c}`)));
  const best = Math.min(...sgd);
  const noisyFit = p.sigmaGrid.map((sg) => {
    const r = runPsgd(q, theta0, { sigma: sg, steps: p.fitSteps, lr: PSGD_LR, mu }, rng.fork(`psgd sigma ${sg}`));
    return { sigma: sg, vsInverse: r.err.at(-1)!.value, vsDamped: r.qFinal ? inverseHessianError(r.qFinal, dampedRoot(q, sg), p.d) : NaN, diagMin: r.diagMin };
  });
  const out: C12Seed = {
    rows: [], fitError: fit.err.at(-1)!.value, fitErrorFixed: fixed.err.at(-1)!.value, fitCurve: fit.err, fitCurveFixed: fixed.err,
    psgdIters: fit.hit, sgdIters: best, sgdBestLr: SGD_GRID[sgd.indexOf(best)] / p.kappa, lowerMax: Math.max(fit.lowerMax, fixed.lowerMax), diagMin: Math.min(fit.diagMin, fixed.diagMin, ...noisyFit.map((f) => f.diagMin)), fixedPoint: fixedPointResidual(q),
    noisyFit: noisyFit.map(({ sigma, vsInverse, vsDamped }) => ({ sigma, vsInverse, vsDamped })),
  };
  for (const f of out.noisyFit) out.rows.push({ seed, method: `PSGD (mu decaying), sigma ${f.sigma}`, lr: PSGD_LR, itersToTarget: null, finalInverseHessianError: f.vsInverse, finalDampedFixedPointError: f.vsDamped });
  out.rows.push({ seed, method: 'PSGD (mu decaying)', lr: PSGD_LR, itersToTarget: fit.hit, finalInverseHessianError: out.fitError });
  out.rows.push({ seed, method: `PSGD (mu fixed ${MU_FIXED})`, lr: PSGD_LR, itersToTarget: fixed.hit, finalInverseHessianError: out.fitErrorFixed });
  SGD_GRID.forEach((c, i) => out.rows.push({ seed, method: 'SGD', lr: c / p.kappa, itersToTarget: sgd[i], finalInverseHessianError: null }));
  return out;
}

export function summarizeC12(p: C12Params, perSeed: C12Seed[]): ClaimResult {
  const finite = perSeed.every((s) => Number.isFinite(s.psgdIters) && Number.isFinite(s.sgdIters));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'inverseHessianError',
      effects: [
        meanOf('inverseHessianError', `||P H - I||_F / sqrt(d) after ${p.fitSteps} PSGD steps (fitting step 0.1 / (1 + t / 200), noisy pairs)`, perSeed.map((s) => s.fitError), { kind: 'direction', sign: -1, reference: TOL, smallest: 0 },
          { unit: 'relative Frobenius', part: 'the online preconditioner converges to the inverse Hessian', digits: 4 }),
        meanOf('inverseHessianErrorFixedMu', `the same with a fixed fitting step ${MU_FIXED}`, perSeed.map((s) => s.fitErrorFixed), { kind: 'direction', sign: -1, reference: TOL, smallest: 0 },
          { unit: 'relative Frobenius', part: 'the online preconditioner converges to the inverse Hessian', decides: false, digits: 4 }),
        ...p.sigmaGrid.map((sg) => meanOf(`dampedFixedPointSigma${String(sg).replace('.', 'p')}`, `gradient noise sigma = ${sg}: ||P (H^2 + 2 sigma^2 I)^{1/2} - I||_F / sqrt(d) after ${p.fitSteps} steps (the noisy criterion's fixed point; decaying fitting step)`,
          perSeed.map((s) => s.noisyFit.find((f) => f.sigma === sg)!.vsDamped), { kind: 'direction', sign: -1, reference: TOL, smallest: 0 },
          { unit: 'relative Frobenius', part: 'the online preconditioner converges despite gradient noise (to H^{-1} damped by the noise)', digits: 4 })),
        ...p.sigmaGrid.map((sg) => meanOf(`inverseHessianErrorSigma${String(sg).replace('.', 'p')}`, `gradient noise sigma = ${sg}: ||P H - I||_F / sqrt(d) after ${p.fitSteps} steps (damping floor ${dampingFloor(lambdaOf(p), sg).toFixed(4)})`,
          perSeed.map((s) => s.noisyFit.find((f) => f.sigma === sg)!.vsInverse), { kind: 'direction', sign: -1, reference: TOL, smallest: 0 },
          { unit: 'relative Frobenius', part: 'the online preconditioner converges despite gradient noise (to H^{-1} damped by the noise)', decides: false, digits: 4 })),
        meanOf('psgdVsSgdIters', `ln(iterations to f <= ${TARGET} f0: PSGD (lr ${PSGD_LR}) / SGD at its best lr of {${SGD_GRID.join(', ')}} / lambda_max)`,
          perSeed.map((s) => Math.log((Number.isFinite(s.psgdIters) ? s.psgdIters : p.maxSteps) / (Number.isFinite(s.sgdIters) ? s.sgdIters : p.maxSteps))), { kind: 'direction', sign: -1, smallest: SPEEDUP },
          { unit: 'log ratio', part: 'PSGD speeds up SGD' }),
      ],
      premise: [premise('bothReachTarget', `share of seeds where PSGD and SGD both reach f <= ${TARGET} f0 within ${p.maxSteps} steps (above the noise floors)`, finite ? 1 : perSeed.filter((s) => Number.isFinite(s.psgdIters) && Number.isFinite(s.sgdIters)).length / perSeed.length, { atLeast: 1 })],
      checks: [
        check('fixedPoint', 'the criterion\'s expected gradient at Q^T Q = H^{-1}: max |Q H^2 Q^T - (Q Q^T)^{-1}| / max |Q H^2 Q^T| (worst over seeds)', Math.max(...perSeed.map((s) => s.fixedPoint)), 0, 1e-8),
        check('positiveDiagonal', 'diagonal entries of Q <= 0 after fitting, all runs (Q stays in the group of upper-triangular matrices with positive diagonal)', perSeed.filter((s) => !(s.diagMin > 0)).length, 0, 0),
      ],
      numbers: {
        seeds: perSeed.length, d: p.d, kappa: p.kappa, psgdVsSgdPerGradient: mean(perSeed.map((s) => Math.log((3 * s.psgdIters) / s.sgdIters))), psgdIters: mean(perSeed.map((s) => s.psgdIters)), sgdIters: mean(perSeed.map((s) => s.sgdIters)),
        qDiagMin: Math.min(...perSeed.map((s) => s.diagMin)), meanFitError: mean(perSeed.map((s) => s.fitError)),
      },
    }),
    figures: figuresC12(p, perSeed),
  };
}

function figuresC12(p: C12Params, perSeed: C12Seed[]): Figure[] {
  return [
    lineFigure(`||P H - I||_F / sqrt(d) while PSGD runs (condition number ${p.kappa}, per seed): decaying vs fixed fitting step`, 'PSGD step', '||PH - I||_F / sqrt(d)', perSeed.flatMap((s, i) => [
      { name: `decaying mu, seed ${i + 1}`, x: s.fitCurve.map((e) => e.t), y: s.fitCurve.map((e) => e.value) },
      { name: `fixed mu ${MU_FIXED}, seed ${i + 1}`, x: s.fitCurveFixed.map((e) => e.t), y: s.fitCurveFixed.map((e) => e.value) },
    ]), { logX: true, logY: true }),
    barFigure(`Iterations to f <= ${TARGET} f(theta_0) (mean over seeds, 95% t interval)`, 'iterations', [
      seedBar('PSGD', perSeed.map((s) => s.psgdIters)), seedBar('SGD (best lr of the grid)', perSeed.map((s) => s.sgdIters)),
    ]),
  ];
}

export const claim = defineClaim<C12Params, C12Seed>({
  id: 'C12',
  slug: 'psgd-preconditioner',
  paper: 'Curvature-Informed SGD via General Purpose Lie-Group Preconditioners (Pooladzandi & Li 2024)',
  claim: 'Lie-group preconditioners fitted online from (dtheta, dg) pairs, with a decaying fitting step, converge to the inverse Hessian on quadratics despite gradient noise (which damps it), speeding up SGD',
  setting: 'f = theta^T H theta / 2, H = U diag(lambda) U^T with lambda log-spaced in [1, 1000]; stochastic gradients H theta + 0.01 xi; PSGD\'s dense (upper-triangular Q) preconditioner fitted from pairs (dtheta ~ N(0, I), dg from two independent noisy gradients), step mu_t = 0.1/(1 + t/200) (chosen after the pilot; fixed 0.05 reported); the fit also run at gradient noise sigma in {0.1, 1} (dg noise variance 2 sigma^2, its fixed point (H^2 + 2 sigma^2 I)^{-1/2}), ' +
    `PSGD lr ${PSGD_LR}; SGD at its best lr of {0.5, 1, 1.5, 1.9}/lambda_max per seed; target f <= 1e-6 f(theta_0); Rosenbrock and the FMNIST MLP are not run; ` +
    'full: d = 20, 20000 steps, 10 seeds; ci: d = 10, 6000 steps, 5 seeds',
  rule: `||P H - I||_F / sqrt(d) at the end of the run below ${TOL} (t over seeds; sigma 0.01, decaying fitting step); at sigma 0.1 and 1, ||P (H^2 + 2 sigma^2 I)^{1/2} - I||_F / sqrt(d) below ${TOL} (their error against H^{-1} reported with its damping floor); ln(iterations to target, PSGD / best SGD) below 0 and not wholly above -ln 2 (t over seeds); ` +
    'premise: both reach the target; checks: the criterion\'s expected gradient vanishes at Q^T Q = H^{-1} (1e-8), Q keeps a positive diagonal; reported: the iteration ratio per gradient evaluation (PSGD uses 3 per step)',
  scales: {
    smoke: { seeds: [1, 2], d: 10, kappa: 100, sigma: 0.01, sigmaGrid: [0.1, 1], fitSteps: 2000, maxSteps: 20000 },
    ci: { seeds: [1, 2, 3, 4, 5], d: 10, kappa: 1000, sigma: 0.01, sigmaGrid: [0.1, 1], fitSteps: 6000, maxSteps: 20000 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], d: 20, kappa: 1000, sigma: 0.01, sigmaGrid: [0.1, 1], fitSteps: 20000, maxSteps: 40000 },
  },
  seed: seedC12,
  summarize: summarizeC12,
});
