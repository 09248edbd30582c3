/**
 * E4. How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The Curses of Symmetry
 * and Initialization (Xiong, Ding & Du, ICLR 2024). A rank-r PSD matrix M* (n x n) is measured by m
 * Gaussian linear measurements y_i = <A_i, M*> and fitted by GD on the squared loss from a small
 * random initialisation of scale alpha. Symmetric parameterisation X X^T (X n x k): with k = r the error
 * falls linearly (exp(-Omega(T))); with k > r only sublinearly, no faster than 1/T^2 (the spurious
 * singular values s obey s <- s - eta s^3, so ||X X^T - M*||_F^2 ~ s^4 ~ 1/T^2). Asymmetric F G^T with
 * k > r converges linearly again, at a rate ~ alpha^2: the imbalance F^T F - G^T G, nearly conserved by
 * GD, is of order alpha^2 and sets how fast the spurious parts decay. A one-step change of GD that makes
 * F well conditioned (here: (F, G) <- (F B, G B^{-T}), B = (F^T F)^{-1/2}, once the error is below 1e-3;
 * F G^T is unchanged) gives a rate independent of alpha.
 *
 * Every quantity is exact float64: the ground truth is known, the loss's gradient is applied through
 * the sensing's Gram matrix (exact, checked against the direct sum over measurements), and m is large
 * enough (4 x the matrix dimension) that M* is the loss's only zero.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import {
  adjoint, asymmetricGd, exponentialRate, firstBelow, frob2, gaussianSensing, logLogSlope, matMulT, measure, psdTruth, randomOrthonormal,
  rebalance, residualGradient, sensingProblem, symmetricEigen, symmetricGd, tMatMul, type GdTrace, type SensingProblem,
} from '../techniques/matrix-recovery/index.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface E4Params extends BaseParams {
  n: number;
  /** GD steps of the symmetric over-parameterised runs (the 1/T^2 regime) */
  symSteps: number;
  /** over-parameterised widths k > r of the symmetric runs (the first decides) */
  symK: number[];
  /** over-parameterised widths of the asymmetric runs (the first decides) */
  asymK: number[];
  /** initialisation scales of the asymmetric runs */
  alphas: number[];
  /** cap on asymmetric GD steps */
  asymSteps: number;
}

export const R = 2;
/** M*'s nonzero eigenvalues */
export const SINGULAR = [1, 0.5];
export const ETA = 0.2;
/** initialisation scale of the symmetric runs */
export const SYM_ALPHA = 0.1;
/** where rates are read: errors ||Z - M*||_F^2 in [lo, hi], past the initial phase */
export const WINDOW = { lo: 1e-10, hi: 1e-5 };
/** where linearity is read: a deeper window, where the slowest mode dominates, above float64's floor */
export const LINEAR_WINDOW = { lo: 1e-20, hi: 1e-8 };
const REBALANCE_BELOW = 1e-3;

/** The yardsticks (exponents and log rate ratios, dimensionless). */
const SLOPE_MARGIN = 0.25;
const LINEAR_MARGIN = 0.2;
const ALPHA_MARGIN = 0.2;
/** The fixed runs' rate must be at least half the k = r rate: ln(fix rate / k = r rate) > -ln 2. */
const FIX_MARGIN = Math.LN2;

export interface E4Problem { sym: SensingProblem; asym: SensingProblem; symDelta: number; asymDelta: number; gramCheck: number }

/** The seed's ground truth and sensing (symmetric and general, m = 4 x dimension), with its isotropy and Gram checks. */
export function e4Problem(n: number, rng: Rng): E4Problem {
  const mStar = psdTruth(n, SINGULAR, rng.fork('truth'));
  const symOp = gaussianSensing(n, n, 2 * n * (n + 1), rng.fork('symmetric sensing'), { symmetric: true });
  const asymOp = gaussianSensing(n, n, 4 * n * n, rng.fork('sensing'));
  const sym = sensingProblem(symOp, mStar, n), asym = sensingProblem(asymOp, mStar, n);
  // near-isotropy on the matrices GD visits: |(1/m)||A(Z)||^2 - 1| for random rank-4 unit-norm Z (worst of 20)
  const probe = rng.fork('isotropy');
  let symDelta = 0, asymDelta = 0, gramCheck = 0;
  for (let i = 0; i < 20; i++) {
    const u = Float64Array.from({ length: n * 4 }, () => probe.normal()), v = Float64Array.from({ length: n * 4 }, () => probe.normal());
    const zs = matMulT(u, u, n, 4, n), za = matMulT(u, v, n, 4, n);
    const ns = Math.sqrt(frob2(zs)), na = Math.sqrt(frob2(za));
    for (let j = 0; j < zs.length; j++) { zs[j] /= ns; za[j] /= na; }
    symDelta = Math.max(symDelta, Math.abs(frob2(measure(symOp, zs)) / symOp.m - 1));
    asymDelta = Math.max(asymDelta, Math.abs(frob2(measure(asymOp, za)) / asymOp.m - 1));
    if (i === 0) {
      // the Gram's residual gradient equals (1/m) sum_i (<A_i, Z> - y_i) A_i, computed directly
      for (const [op, p, z] of [[symOp, sym, zs], [asymOp, asym, za]] as const) {
        const y = measure(op, mStar), yz = measure(op, z);
        const direct = adjoint(op, Float64Array.from(yz, (w, l) => w - y[l]));
        gramCheck = Math.max(gramCheck, Math.sqrt(frob2(residualGradient(p, z), direct) / frob2(direct)));
      }
    }
  }
  return { sym, asym, symDelta, asymDelta, gramCheck };
}

/** Restrict a trace to iterations in [from, to]. */
const between = (tr: GdTrace, from: number, to: number): GdTrace => {
  const idx = tr.t.map((t, i) => (t >= from && t <= to ? i : -1)).filter((i) => i >= 0);
  return { t: idx.map((i) => tr.t[i]), err: idx.map((i) => tr.err[i]) };
};

/** ln(rate over the second half / rate over the first half) of the linear window: 0 for a straight line in (t, ln err). */
export function linearity(tr: GdTrace): number {
  const inWin = between(tr, firstBelow(tr, LINEAR_WINDOW.hi), firstBelow(tr, LINEAR_WINDOW.lo));
  const mid = (inWin.t[0] + inWin.t[inWin.t.length - 1]) / 2;
  return Math.log(exponentialRate(between(inWin, mid, Infinity), 0, Infinity) / exponentialRate(between(inWin, -Infinity, mid), 0, Infinity));
}

/** A log-spaced subsample of a trace (for figures and rows). */
const thin = (tr: GdTrace, points = 60): { t: number[]; err: number[] } => {
  const T = tr.t[tr.t.length - 1];
  const want = [...new Set(Array.from({ length: points }, (_, i) => Math.round(Math.exp((Math.log(T + 1) * i) / (points - 1))) - 1))];
  const idx = want.map((w) => tr.t.findIndex((t) => t >= w)).filter((i) => i >= 0);
  return { t: idx.map((i) => tr.t[i]), err: idx.map((i) => tr.err[i]) };
};

export interface E4Seed {
  rows: ClaimResult['rows'];
  symDelta: number;
  asymDelta: number;
  gramCheck: number;
  rebalanceCheck: number;
  /** symmetric k = r: linearity and final error */
  symLinearK2: number;
  symFinalK2: number;
  asymLinearK2: number;
  asymFinalK2: number;
  /** exponential rate of asymmetric k = r in the rate window (the yardstick of the fixed runs' rates) */
  asymRateK2: number;
  /** per symmetric k > r: log-log slope over [T/2, T], ln(rate over [T/2, T] / rate over [T/4, T/2]), final error */
  sym: Record<number, { slope: number; rateDecay: number; final: number }>;
  /** per asymmetric k > r and alpha: exponential rate in the window, plain and with the one-step fix; linearity (plain) */
  asym: Record<number, { alpha: number; rate: number; fixRate: number; linear: number; steps: number }[]>;
  curves: { name: string; t: number[]; err: number[] }[];
}

export function seedE4(p: E4Params, seed: number): E4Seed {
  const rng = new Rng(seed);
  const n = p.n;
  const prob = e4Problem(n, rng);
  const init = (k: number, scale: number, label: string) => Float64Array.from(randomOrthonormal(n, k, rng.fork(`${label} ${k}`)), (v) => scale * v);
  const out: E4Seed = { rows: [], symDelta: prob.symDelta, asymDelta: prob.asymDelta, gramCheck: prob.gramCheck, rebalanceCheck: 0, symLinearK2: 0, symFinalK2: 0, asymLinearK2: 0, asymFinalK2: 0, asymRateK2: 0, sym: {}, asym: {}, curves: [] };
  const stop = WINDOW.lo / 10, deep = LINEAR_WINDOW.lo / 10;

  const s2 = symmetricGd(prob.sym, init(R, SYM_ALPHA, 'X'), R, { eta: ETA, steps: p.symSteps, stopBelow: deep });
  out.symLinearK2 = linearity(s2); out.symFinalK2 = s2.err[s2.err.length - 1];
  out.rows.push({ seed, run: `symmetric k = ${R}`, k: R, alpha: SYM_ALPHA, steps: s2.t[s2.t.length - 1], finalError: out.symFinalK2, linearity: out.symLinearK2 });
  out.curves.push({ name: `X X^T, k = ${R}`, ...thin(s2) });
  for (const k of p.symK) {
    const tr = symmetricGd(prob.sym, init(k, SYM_ALPHA, 'X'), k, { eta: ETA, steps: p.symSteps, every: 5 });
    const T = p.symSteps;
    const rateDecay = Math.log(exponentialRate(between(tr, T / 2, T), 0, Infinity) / exponentialRate(between(tr, T / 4, T / 2), 0, Infinity));
    out.sym[k] = { slope: logLogSlope(tr, T / 2, T), rateDecay, final: tr.err[tr.err.length - 1] };
    out.rows.push({ seed, run: `symmetric k = ${k}`, k, alpha: SYM_ALPHA, steps: T, finalError: out.sym[k].final, logLogSlope: out.sym[k].slope, rateDecay });
    out.curves.push({ name: `X X^T, k = ${k}`, ...thin(tr) });
  }

  // asymmetric: F0 = alpha U, G0 = (alpha / 3) V (orthonormal U, V): imbalance F0^T F0 - G0^T G0 = (8/9) alpha^2 I exactly
  const a2 = asymmetricGd(prob.asym, init(R, SYM_ALPHA, 'F'), init(R, SYM_ALPHA / 3, 'G'), R, { eta: ETA, steps: p.asymSteps, stopBelow: deep });
  out.asymLinearK2 = linearity(a2); out.asymFinalK2 = a2.err[a2.err.length - 1]; out.asymRateK2 = exponentialRate(a2, WINDOW.lo, WINDOW.hi);
  out.rows.push({ seed, run: `asymmetric k = ${R}`, k: R, alpha: SYM_ALPHA, steps: a2.t[a2.t.length - 1], finalError: out.asymFinalK2, linearity: out.asymLinearK2 });
  out.curves.push({ name: `F G^T, k = ${R}, alpha ${SYM_ALPHA}`, ...thin(a2) });
  for (const k of p.asymK) {
    out.asym[k] = [];
    for (const alpha of p.alphas) {
      const f0 = init(k, alpha, 'F'), g0 = init(k, alpha / 3, 'G');
      // linearity is read at the largest alpha (the fastest run to reach the deep window)
      const last = alpha === p.alphas[p.alphas.length - 1];
      const plain = asymmetricGd(prob.asym, f0, g0, k, { eta: ETA, steps: p.asymSteps, stopBelow: last ? deep : stop });
      const fixed = asymmetricGd(prob.asym, f0, g0, k, { eta: ETA, steps: p.asymSteps, stopBelow: stop, rebalanceBelow: REBALANCE_BELOW });
      const rec = { alpha, rate: exponentialRate(plain, WINDOW.lo, WINDOW.hi), fixRate: exponentialRate(fixed, WINDOW.lo, WINDOW.hi), linear: last ? linearity(plain) : NaN, steps: plain.t[plain.t.length - 1] };
      out.asym[k].push(rec);
      out.rows.push({ seed, run: `asymmetric k = ${k}`, k, alpha, steps: rec.steps, finalError: plain.err[plain.err.length - 1], rate: rec.rate, linearity: rec.linear });
      out.rows.push({ seed, run: `asymmetric k = ${k}, one-step fix`, k, alpha, steps: fixed.t[fixed.t.length - 1], finalError: fixed.err[fixed.err.length - 1], rate: rec.fixRate, fixedAt: fixed.rebalancedAt ?? -1 });
      if (k === p.asymK[0]) out.curves.push({ name: `F G^T, k = ${k}, alpha ${alpha}`, ...thin(plain) }, { name: `F G^T, k = ${k}, alpha ${alpha}, one-step fix`, ...thin(fixed) });
    }
  }
  // the rebalancing step leaves F G^T unchanged and makes F's Gram the identity
  const f = init(p.asymK[0], 0.3, 'check F'), g = init(p.asymK[0], 0.7, 'check G');
  for (let i = 0; i < f.length; i++) f[i] *= 1 + i / f.length;
  const k = p.asymK[0];
  const rb = rebalance(f, g, n, n, k, 1);
  const before = matMulT(f, g, n, k, n);
  const ftf = tMatMul(rb.f, rb.f, n, k, k);
  const eig = symmetricEigen(ftf, k).values;
  out.rebalanceCheck = Math.max(Math.sqrt(frob2(matMulT(rb.f, rb.g, n, k, n), before) / frob2(before)), ...Array.from(eig, (v) => Math.abs(v - 1)));
  return out;
}

/** Per-seed least-squares slope of ln(rate) on ln(alpha^2). */
const alphaSlope = (recs: { alpha: number; rate: number }[]): number => {
  const x = recs.map((r) => Math.log(r.alpha ** 2)), y = recs.map((r) => Math.log(r.rate));
  const mx = x.reduce((a, b) => a + b, 0) / x.length, my = y.reduce((a, b) => a + b, 0) / y.length;
  return x.reduce((s, xi, i) => s + (xi - mx) * (y[i] - my), 0) / x.reduce((s, xi) => s + (xi - mx) ** 2, 0);
};

export function summarizeE4(p: E4Params, perSeed: E4Seed[]): ClaimResult {
  const [k1] = p.symK, [ka] = p.asymK;
  const sym = (k: number, f: 'slope' | 'rateDecay') => perSeed.map((s) => s.sym[k][f]);
  const asymSlope = (k: number, f: 'rate' | 'fixRate') => perSeed.map((s) => alphaSlope(s.asym[k].map((r) => ({ alpha: r.alpha, rate: r[f] }))));
  const reported = { decides: false };
  const worst = (xs: number[]) => Math.max(...xs);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `symSlopeK${k1}`,
      effects: [
        ...p.symK.map((k, i) => meanOf(`symSlopeK${k}`, `X X^T with k = ${k}: slope of ln(error) on ln(t) over [T/2, T], T = ${p.symSteps}`, sym(k, 'slope'), { kind: 'equivalence', margin: SLOPE_MARGIN, target: -2 },
          { unit: 'exponent', part: 'symmetric over-parameterisation converges sublinearly, as 1/T^2', ...(i ? reported : {}) })),
        ...p.symK.map((k, i) => meanOf(`symRateDecayK${k}`, `X X^T with k = ${k}: ln(exponential rate over [T/2, T] / rate over [T/4, T/2])`, sym(k, 'rateDecay'), { kind: 'direction', sign: -1, smallest: Math.LN2 / 2 },
          { unit: 'log ratio', part: 'symmetric over-parameterisation converges sublinearly, as 1/T^2', ...(i ? reported : {}) })),
        meanOf('symLinearK2', `X X^T with k = r = ${R}: ln(rate late / rate early) in the window [${LINEAR_WINDOW.lo}, ${LINEAR_WINDOW.hi}]`, perSeed.map((s) => s.symLinearK2), { kind: 'equivalence', margin: LINEAR_MARGIN },
          { unit: 'log ratio', part: 'exact parameterisation converges linearly' }),
        meanOf('asymLinearK2', `F G^T with k = r = ${R}: ln(rate late / rate early) in the window [${LINEAR_WINDOW.lo}, ${LINEAR_WINDOW.hi}]`, perSeed.map((s) => s.asymLinearK2), { kind: 'equivalence', margin: LINEAR_MARGIN },
          { unit: 'log ratio', part: 'exact parameterisation converges linearly' }),
        ...p.asymK.map((k, i) => meanOf(`asymLinearK${k}`, `F G^T with k = ${k}, alpha = ${p.alphas[p.alphas.length - 1]}: ln(rate late / rate early) in the window [${LINEAR_WINDOW.lo}, ${LINEAR_WINDOW.hi}]`, perSeed.map((s) => s.asym[k][p.alphas.length - 1].linear), { kind: 'equivalence', margin: LINEAR_MARGIN },
          { unit: 'log ratio', part: 'asymmetric over-parameterisation converges linearly, at a rate ~ alpha^2', ...(i ? reported : {}) })),
        ...p.asymK.map((k, i) => meanOf(`rateAlphaSlopeK${k}`, `F G^T with k = ${k}: slope of ln(rate) on ln(alpha^2), alpha in {${p.alphas.join(', ')}}`, asymSlope(k, 'rate'), { kind: 'equivalence', margin: ALPHA_MARGIN, target: 1 },
          { unit: 'exponent', part: 'asymmetric over-parameterisation converges linearly, at a rate ~ alpha^2', ...(i ? reported : {}) })),
        ...p.asymK.map((k, i) => meanOf(`fixAlphaSlopeK${k}`, `F G^T with k = ${k} and the one-step fix: slope of ln(rate) on ln(alpha^2)`, asymSlope(k, 'fixRate'), { kind: 'equivalence', margin: ALPHA_MARGIN },
          { unit: 'exponent', part: 'the one-step fix removes the alpha dependence', ...(i ? reported : {}) })),
        ...p.asymK.map((k, i) => meanOf(`fixVsExactRankK${k}`, `F G^T with k = ${k} and the one-step fix: ln(rate / rate of k = r = ${R}), mean over alpha`, perSeed.map((s) => mean(s.asym[k].map((r) => Math.log(r.fixRate / s.asymRateK2)))),
          { kind: 'non-inferiority', sign: 1, margin: FIX_MARGIN }, { unit: 'log ratio', part: 'the one-step fix removes the alpha dependence', ...(i ? reported : {}) })),
        meanOf('fixSpeedup', `F G^T with k = ${ka}, alpha = ${p.alphas[0]}: ln(rate with the fix / rate without)`, perSeed.map((s) => Math.log(s.asym[ka][0].fixRate / s.asym[ka][0].rate)), { kind: 'direction', sign: 1, smallest: 0 },
          { unit: 'log ratio', part: 'the one-step fix removes the alpha dependence', decides: false }),
      ],
      premise: [
        premise('exactRecovery', `worst final ||Z - M*||_F^2 of the k = r runs (symmetric and asymmetric)`, worst(perSeed.flatMap((s) => [s.symFinalK2, s.asymFinalK2])), { atMost: LINEAR_WINDOW.lo }),
        premise('nearIsotropic', 'worst |(1/m)||A(Z)||^2 - 1| over 20 random rank-4 unit-norm Z (both sensings, all seeds)', worst(perSeed.flatMap((s) => [s.symDelta, s.asymDelta])), { atMost: 0.5 }),
        premise('asymReachedWindow', 'share of asymmetric runs (plain and fixed) whose error crossed the whole window', perSeed.flatMap((s) => Object.values(s.asym).flat().flatMap((r) => [r.rate, r.fixRate])).filter(Number.isFinite).length / perSeed.flatMap((s) => Object.values(s.asym).flat()).length / 2, { atLeast: 1 }),
      ],
      checks: [
        check('gramGradient', 'relative difference of the Gram residual gradient and (1/m) sum_i (<A_i, Z> - y_i) A_i (worst over seeds and both sensings)', worst(perSeed.map((s) => s.gramCheck)), 0, 1e-10),
        check('rebalanceExact', 'one-step fix: relative change of F G^T and worst |eigenvalue of F^T F - 1| after it', worst(perSeed.map((s) => s.rebalanceCheck)), 0, 1e-10),
      ],
      numbers: {
        seeds: perSeed.length, n: p.n, symSteps: p.symSteps,
        ...Object.fromEntries(p.symK.map((k) => [`symFinalErrorK${k}`, mean(perSeed.map((s) => s.sym[k].final))])),
        ...Object.fromEntries(p.asymK.flatMap((k) => p.alphas.flatMap((a, j) => [[`rateK${k}A${j}`, mean(perSeed.map((s) => s.asym[k][j].rate))], [`fixRateK${k}A${j}`, mean(perSeed.map((s) => s.asym[k][j].fixRate))]]))),
      },
    }),
    figures: figuresE4(p, perSeed),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function figuresE4(p: E4Params, perSeed: E4Seed[]): Figure[] {
  const s = perSeed[0];
  const pick = (f: (name: string) => boolean) => s.curves.filter((c) => f(c.name)).map((c) => ({ name: c.name, x: c.t.map((t) => t + 1), y: c.err }));
  const [ka] = p.asymK;
  return [
    lineFigure(`Symmetric X X^T: ||X X^T - M*||_F^2 against t + 1 (seed ${perSeed.length ? 1 : ''}, log-log: 1/T^2 is a line of slope -2)`, 't + 1', 'error', pick((n) => n.startsWith('X X^T')), { logX: true, logY: true }),
    lineFigure(`Asymmetric F G^T: error against t (linear: straight lines on a log axis), k = ${ka}, with and without the one-step fix`, 't + 1', 'error', pick((n) => n.startsWith('F G^T')), { logY: true }),
    lineFigure(`Exponential rate of F G^T (k = ${ka}) against alpha^2, per seed: plain GD ~ alpha^2, with the one-step fix flat`, 'alpha^2', 'rate per step', perSeed.flatMap((q, i) => [
      { name: `plain, seed ${i + 1}`, x: q.asym[ka].map((r) => r.alpha ** 2), y: q.asym[ka].map((r) => r.rate), mode: 'lines+markers' as const },
      { name: `one-step fix, seed ${i + 1}`, x: q.asym[ka].map((r) => r.alpha ** 2), y: q.asym[ka].map((r) => r.fixRate), mode: 'lines+markers' as const },
    ]), { logX: true, logY: true }),
  ];
}

const common = { symK: [4, 8], alphas: [0.1, 0.2, 0.4] };

export const claim = defineClaim<E4Params, E4Seed>({
  id: 'E4',
  slug: 'overparameterized-sensing',
  paper: 'How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The Curses of Symmetry and Initialization (Xiong, Ding & Du, ICLR 2024)',
  claim: 'over-parameterisation slows GD in matrix sensing: symmetric X X^T with k > r converges only sublinearly (~1/T^2) while k = r is linear; asymmetric F G^T with k > r is linear with a rate ~ alpha^2 (the init scale), and a one-step modification of GD removes the alpha dependence',
  setting: 'rank-2 PSD M* (eigenvalues 1, 0.5), n x n; Gaussian sensing, m = 4 x the dimension (symmetric A = (B + B^T)/2 for X X^T: m = 2n(n+1); general A for F G^T: m = 4n^2), exact float64 GD with step 0.2; ' +
    'symmetric init 0.1 x random orthonormal columns, k in {2, 4, 8}; asymmetric init F0 = alpha U, G0 = (alpha/3) V (orthonormal U, V), alpha in {0.1, 0.2, 0.4}; ' +
    'one-step fix: (F, G) <- (F B, G B^-T), B = (F^T F)^-1/2, once the error is below 1e-3 (our reading of the paper\'s one-step modification, which may differ from the paper\'s own); ' +
    'full: n = 20, 40000 symmetric steps, k = 8 reported beside k = 4, 10 seeds; ci: n = 8, 10000 symmetric steps, k = 4 only, 5 seeds',
  rule: 'symmetric k = 4: per-seed slope of ln(error) on ln(t) over [T/2, T] within -2 +- 0.25 (TOST over seeds), and ln(exponential rate over [T/2, T] / over [T/4, T/2]) below 0 and not wholly above -ln(2)/2 (t); ' +
    'k = r (symmetric and asymmetric) and asymmetric k = 4 at alpha 0.4: ln(rate in the late / early half of the error window [1e-20, 1e-8]) within +-0.2; rates read in the window [1e-10, 1e-5]; ' +
    'asymmetric k = 4: per-seed slope of ln(rate) on ln(alpha^2) within 1 +- 0.2; with the one-step fix within 0 +- 0.2, and its rate at least half the k = r rate (mean over alpha of ln(fix rate / k = r rate) > -ln 2, non-inferiority t); k = 8 and the fix\'s speed-up reported; ' +
    'premises: k = r runs reach 1e-20 (exact recovery), sensing near-isotropic (|(1/m)||A(Z)||^2 - 1| <= 0.5 on random rank-4 Z), every asymmetric run crosses the window; ' +
    'checks: Gram gradient = direct sum over measurements (1e-10), the fix leaves F G^T unchanged and F^T F = I (1e-10)',
  scales: {
    smoke: { seeds: [1, 2], ...common, n: 6, symSteps: 3000, symK: [4], asymK: [4], asymSteps: 20000 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, n: 8, symSteps: 10000, symK: [4], asymK: [4], asymSteps: 20000 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, n: 20, symSteps: 40000, asymK: [4, 8], asymSteps: 60000 },
  },
  seed: seedE4,
  summarize: summarizeE4,
});
