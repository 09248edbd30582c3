/**
 * B18. Nuclear Norm Regularization for Deep Learning (Scarvelis & Solomon 2024): for f = g o h,
 * J_f = J_g J_h, and ||C||_* = min over factorisations C = G H of (||G||_F^2 + ||H||_F^2) / 2, so
 * penalising (||J_g||_F^2 + ||J_h||_F^2) / 2 over the pair penalises the Jacobian nuclear norm of f; a
 * denoising estimate ||J(x)||_F^2 ~ E||k(x + sigma e) - k(x)||^2 / sigma^2 replaces each Jacobian, and
 * training with the penalty makes f locally low-rank.
 *
 * Setting, in three parts:
 * - Exact, on random linear maps: g = A (m x k), h = B (k x n) Gaussian; the minimising re-factorisation
 *   A M, M^-1 B in closed form (W = M M^T = P^-1/2 (P^1/2 Q P^1/2)^1/2 P^-1/2, P = A^T A, Q = B B^T) has
 *   penalty ||A B||_* (computed apart, from the eigenvalues of (AB)^T AB); random re-factorisations
 *   (M = exp(S), S random symmetric) never go below it.
 * - The denoising estimate on a random tanh MLP (10 -> 32 -> 10), against its exact Jacobian: with the same
 *   directions e as the Hutchinson value mean ||J e||^2, the relative error isolates the sigma-bias; per
 *   seed the slope of ln error on ln sigma must be positive (predicted about 1: the O(sigma) odd term).
 * - Training: data near a 2-D manifold (the torus (cos u1, sin u1, cos u2, sin u2) turned into R^10 by a
 *   random orthonormal 10 x 4 frame, plus N(0, 0.05^2) noise per coordinate); f = g o h an autoencoder of
 *   tanh MLPs 10 -> 32 -> 10 -> 32 -> 10 (no bottleneck), trained on reconstruction with and without the
 *   denoising penalty (same init and batches). At clean test points on the manifold, the effective rank
 *   (||J_f||_*)^2 / ||J_f||_F^2 of the exact Jacobian of f. The paper's manifold and image (FMNIST)
 *   experiments are shrunk to this synthetic manifold.
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { fitLine } from '../stats/regression.js';
import { symmetricFunction } from '../techniques/matrix-recovery/linalg.js';
import {
  denoisingFrobeniusSq, effectiveRank, factorisationPenalty, forward64, jacobian64, minFactorisation, nuclearNorm, randomMlp64, trainNuclear, type Mlp64,
} from '../techniques/nuclear-norm/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B18Params extends BaseParams {
  /** random (A, B) pairs per seed for the exact identity, and random re-factorisations per pair */
  pairs: number;
  mixes: number;
  /** denoising estimate: points, directions per point, sigma grid */
  denoisePoints: number;
  directions: number;
  sigmas: number[];
  /** training: points, Adam steps, batch, learning rate, penalty weight, denoising sigma, test points */
  trainPoints: number;
  steps: number;
  batch: number;
  lr: number;
  lambda: number;
  trainSigma: number;
  testPoints: number;
}

const D = 10;
const HIDDEN = 32;
/** data noise per coordinate, and the manifold's intrinsic dimension */
const NOISE = 0.05;
const INTRINSIC = 2;
/** an effective-rank drop of half a dimension counts */
const RANK_MARGIN = 0.5;
const SHAPES: [number, number, number][] = [[8, 4, 6], [6, 3, 5], [10, 5, 7], [5, 5, 5]];

export interface B18Seed {
  rows: ClaimResult['rows'];
  identityRelErr: number;
  mixesBelow: number;
  minMixGap: number;
  denoiseErr: number[];
  denoiseSlope: number;
  /** relative error of the denoising estimate to the exact ||J||_F^2 at the smallest sigma (sampling noise included) */
  denoiseVsExact: number;
  rank: { plain: number; penalised: number };
  recon: { plain: number; penalised: number };
  tangentShare: { plain: number; penalised: number };
  /** test points where (||J_g||^2 + ||J_h||^2) / 2 < ||J_f||_*, and the mean ratio of the two (penalised) */
  boundViolations: number;
  balanceRatio: number;
}

function gaussian(rng: Rng, len: number): Float64Array {
  return Float64Array.from({ length: len }, () => rng.normal());
}

function exactPart(p: B18Params, rng: Rng): { worst: number; below: number; minGap: number } {
  let worst = 0, below = 0, minGap = Infinity;
  for (let i = 0; i < p.pairs; i++) {
    const [m, k, n] = SHAPES[i % SHAPES.length];
    const a = gaussian(rng, m * k), b = gaussian(rng, k * n);
    const c = new Float64Array(m * n);
    for (let r = 0; r < m; r++) for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) c[r * n + j] += a[r * k + l] * b[l * n + j];
    const nuc = nuclearNorm(c, m, n);
    worst = Math.max(worst, Math.abs(minFactorisation(a, b, m, k, n).penalty - nuc) / nuc);
    for (let t = 0; t < p.mixes; t++) {
      const s = gaussian(rng, k * k);
      const sym = Float64Array.from(s, (_, q) => 0.5 * (s[q] + s[(q % k) * k + Math.floor(q / k)]));
      const gap = (factorisationPenalty(a, b, m, k, n, symmetricFunction(sym, k, Math.exp), symmetricFunction(sym, k, (x) => Math.exp(-x))) - nuc) / nuc;
      minGap = Math.min(minGap, gap);
      if (gap < -1e-9) below++;
    }
  }
  return { worst, below, minGap };
}

function denoisePart(p: B18Params, rng: Rng): { errs: number[]; vsExact: number } {
  const net = randomMlp64([D, HIDDEN, D], () => rng.normal(), 0.3);
  const errs = p.sigmas.map(() => 0);
  let vsExact = 0;
  for (let i = 0; i < p.denoisePoints; i++) {
    const x = gaussian(rng, D);
    const eps = Array.from({ length: p.directions }, () => gaussian(rng, D));
    const j = jacobian64(net, x);
    const exact = j.reduce((s, v) => s + v * v, 0);
    p.sigmas.forEach((sigma, si) => {
      const r = denoisingFrobeniusSq((y) => forward64(net, y), x, sigma, eps, { j, rows: D });
      errs[si] += Math.abs(r.estimate - r.hutchinson) / r.hutchinson / p.denoisePoints;
      if (si === p.sigmas.length - 1) vsExact += Math.abs(r.estimate - exact) / exact / p.denoisePoints;
    });
  }
  return { errs, vsExact };
}

/** A random orthonormal D x 4 frame (Gram-Schmidt on Gaussian columns), row-major. */
function frame(rng: Rng): Float64Array {
  const cols: Float64Array[] = [];
  for (let c = 0; c < 4; c++) {
    const v = gaussian(rng, D);
    for (const u of cols) { const d = u.reduce((s, x, i) => s + x * v[i], 0); for (let i = 0; i < D; i++) v[i] -= d * u[i]; }
    const nrm = Math.hypot(...v);
    cols.push(v.map((x) => x / nrm));
  }
  return Float64Array.from({ length: D * 4 }, (_, q) => cols[q % 4][Math.floor(q / 4)]);
}

/** A torus point and its two tangent vectors (unit, orthogonal) in R^D. */
function torusPoint(q: Float64Array, u1: number, u2: number): { x: Float64Array; t: Float64Array[] } {
  const emb = (v: number[]) => Float64Array.from({ length: D }, (_, i) => v.reduce((s, vc, c) => s + q[i * 4 + c] * vc, 0));
  return { x: emb([Math.cos(u1), Math.sin(u1), Math.cos(u2), Math.sin(u2)]), t: [emb([-Math.sin(u1), Math.cos(u1), 0, 0]), emb([0, 0, -Math.sin(u2), Math.cos(u2)])] };
}

function matProd(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) c[r * n + j] += a[r * k + l] * b[l * n + j];
  return c;
}

interface Evaluated { rank: number; recon: number; tangentShare: number; violations: number; balance: number }

function evaluate(h: Mlp64, g: Mlp64, test: { x: Float64Array; t: Float64Array[] }[]): Evaluated {
  const out: Evaluated = { rank: 0, recon: 0, tangentShare: 0, violations: 0, balance: 0 };
  const sq = (a: Float64Array) => a.reduce((s, v) => s + v * v, 0);
  for (const { x, t } of test) {
    const z = forward64(h, x);
    const jh = jacobian64(h, x), jg = jacobian64(g, z);
    const jf = matProd(jg, jh, D, D, D);
    const fx = forward64(g, z);
    out.recon += sq(fx.map((v, i) => v - x[i])) / test.length;
    out.rank += effectiveRank(jf, D, D) / test.length;
    const onTangent = t.reduce((s, tv) => s + sq(matProd(jf, tv, D, D, 1)), 0);
    out.tangentShare += onTangent / sq(jf) / test.length;
    const nuc = nuclearNorm(jf, D, D), frob = (sq(jg) + sq(jh)) / 2;
    if (frob < nuc * (1 - 1e-9)) out.violations++;
    out.balance += frob / nuc / test.length;
  }
  return out;
}

export async function seedB18(p: B18Params, seed: number): Promise<B18Seed> {
  const rng = new Rng(seed);
  const ex = exactPart(p, rng.fork('exact'));
  const dn = denoisePart(p, rng.fork('denoise'));
  const fit = fitLine(p.sigmas.map(Math.log), dn.errs.map(Math.log));

  const data = rng.fork('data');
  const q = frame(data);
  const x = new Float64Array(p.trainPoints * D);
  for (let i = 0; i < p.trainPoints; i++) {
    const pt = torusPoint(q, 2 * Math.PI * data.uniform(), 2 * Math.PI * data.uniform()).x;
    for (let c = 0; c < D; c++) x[i * D + c] = pt[c] + NOISE * data.normal();
  }
  const test = Array.from({ length: p.testPoints }, () => torusPoint(q, 2 * Math.PI * data.uniform(), 2 * Math.PI * data.uniform()));
  const arms = { plain: 0, penalised: p.lambda };
  const ev: Record<string, Evaluated> = {};
  for (const [name, lambda] of Object.entries(arms)) {
    // same init, batches and noise stream in both arms: the penalty is the only difference
    const r = trainNuclear({ x, y: x, n: p.trainPoints, hSizes: [D, HIDDEN, D], gSizes: [D, HIDDEN, D], lambda, sigma: p.trainSigma, steps: p.steps, batch: p.batch, lr: p.lr, rng: rng.fork('train') });
    ev[name] = evaluate(r.h, r.g, test);
  }
  const rows: ClaimResult['rows'] = [
    ...p.sigmas.map((sigma, i) => ({ seed, part: 'denoising estimate', arm: `sigma ${sigma}`, value: dn.errs[i] })),
    ...Object.keys(arms).map((arm) => ({ seed, part: 'training', arm, effectiveRank: ev[arm].rank, recon: ev[arm].recon, tangentShare: ev[arm].tangentShare, balance: ev[arm].balance })),
  ];
  return {
    rows, identityRelErr: ex.worst, mixesBelow: ex.below, minMixGap: ex.minGap,
    denoiseErr: dn.errs, denoiseSlope: fit.slope, denoiseVsExact: dn.vsExact,
    rank: { plain: ev.plain.rank, penalised: ev.penalised.rank },
    recon: { plain: ev.plain.recon, penalised: ev.penalised.recon },
    tangentShare: { plain: ev.plain.tangentShare, penalised: ev.penalised.tangentShare },
    boundViolations: ev.plain.violations + ev.penalised.violations,
    balanceRatio: ev.penalised.balance,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summarizeB18(p: B18Params, perSeed: B18Seed[]): ClaimResult {
  const get = (f: (s: B18Seed) => number) => perSeed.map(f);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'rankPenaltyMinusPlain',
      effects: [
        paired('rankPenaltyMinusPlain', `effective rank (||J_f||_*)^2 / ||J_f||_F^2 at clean test points, penalty (lambda ${p.lambda}) - none`, get((s) => s.rank.penalised), get((s) => s.rank.plain),
          { kind: 'direction', sign: -1, smallest: RANK_MARGIN }, { unit: 'rank', part: 'training with the penalty makes the Jacobian locally low-rank' }),
        meanOf('denoiseSlope', 'slope of ln(relative error of the denoising estimate of ||J||_F^2, same directions) on ln sigma', get((s) => s.denoiseSlope),
          { kind: 'direction', sign: 1, smallest: 0.5 }, { unit: 'decades per decade', part: 'the denoising estimate replaces the Jacobians' }),
        paired('reconPenaltyMinusPlain', 'reconstruction error ||f(x) - x||^2 at clean test points, penalty - none', get((s) => s.recon.penalised), get((s) => s.recon.plain),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'squared data units', decides: false, digits: 4 }),
        paired('tangentSharePenaltyMinusPlain', 'share of ||J_f||_F^2 on the manifold\'s tangent plane, penalty - none', get((s) => s.tangentShare.penalised), get((s) => s.tangentShare.plain),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'share', decides: false }),
      ],
      premise: [
        // without the penalty the Jacobian is not already low-rank (else there is nothing to show)
        premise('plainRank', 'mean effective rank of J_f without the penalty', mean(get((s) => s.rank.plain)), { atLeast: INTRINSIC + 1 }, { unit: 'rank' }),
        // the penalised autoencoder still reconstructs: its error is below the data noise energy D * 0.05^2
        premise('penalisedRecon', 'mean ||f(x) - x||^2 of the penalised autoencoder at clean test points', mean(get((s) => s.recon.penalised)), { atMost: D * NOISE * NOISE }, { digits: 4 }),
      ],
      checks: [
        check('variationalIdentity', 'worst |min over re-factorisations of (||AM||^2 + ||M^-1 B||^2) / 2 - ||AB||_*| / ||AB||_* over random pairs and seeds', Math.max(...get((s) => s.identityRelErr)), 0, 1e-6),
        check('mixesBelowNuclear', 'random re-factorisations whose penalty falls below ||AB||_* (count)', perSeed.reduce((a, s) => a + s.mixesBelow, 0), 0, 0),
        check('frobeniusBound', 'test points of trained nets where (||J_g||^2 + ||J_h||^2) / 2 < ||J_f||_* (count)', perSeed.reduce((a, s) => a + s.boundViolations, 0), 0, 0),
      ],
      numbers: {
        seeds: perSeed.length, rankPlain: mean(get((s) => s.rank.plain)), rankPenalised: mean(get((s) => s.rank.penalised)),
        reconPlain: mean(get((s) => s.recon.plain)), reconPenalised: mean(get((s) => s.recon.penalised)),
        sharePlain: mean(get((s) => s.tangentShare.plain)), sharePenalised: mean(get((s) => s.tangentShare.penalised)),
        balanceRatio: mean(get((s) => s.balanceRatio)), minMixGap: Math.min(...get((s) => s.minMixGap)),
        denoiseVsExactSmallestSigma: mean(get((s) => s.denoiseVsExact)),
      },
    }),
    figures: figuresB18(p, perSeed),
  };
}

function figuresB18(p: B18Params, perSeed: B18Seed[]): Figure[] {
  return [
    lineFigure('Denoising estimate of ||J||_F^2: relative error to the Hutchinson value with the same directions (mean over seeds)', 'sigma', 'relative error', [
      { name: 'denoising estimate', x: p.sigmas, y: p.sigmas.map((_, i) => mean(perSeed.map((s) => s.denoiseErr[i]))), mode: 'lines+markers' },
    ], { logX: true, logY: true }),
    barFigure('Effective rank of J_f at clean points of a 2-D manifold in R^10 (mean over seeds, 95% t interval)', 'effective rank', [
      seedBar('no penalty', perSeed.map((s) => s.rank.plain)), seedBar(`denoising nuclear-norm penalty (lambda ${p.lambda})`, perSeed.map((s) => s.rank.penalised)),
    ]),
  ];
}

const common = { pairs: 8, mixes: 50, denoisePoints: 8, directions: 32, sigmas: [0.1, 0.03, 0.01, 0.003, 0.001], batch: 32, lr: 0.01, lambda: 0.05, trainSigma: 0.01 };

export const claim = defineClaim<B18Params, B18Seed>({
  id: 'B18',
  slug: 'nuclear-norm',
  paper: 'Nuclear Norm Regularization for Deep Learning (Scarvelis & Solomon 2024)',
  claim: 'for f = g o h, penalising (||J_g||_F^2 + ||J_h||_F^2) / 2 is equivalent to penalising the Jacobian nuclear norm of f, a denoising estimate replaces the Jacobians, and training with it makes the Jacobian locally low-rank',
  setting: 'exact: random Gaussian linear maps A (m x k), B (k x n), k <= min(m, n), closed-form minimising re-factorisation vs ||AB||_*, 50 random re-factorisations per pair; ' +
    'denoising estimate on a random tanh MLP 10-32-10 against its exact Jacobian, sigma 0.1 to 0.001; ' +
    'training: autoencoder g o h of tanh MLPs 10-32-10-32-10 (no bottleneck) on a 2-D torus turned into R^10 plus N(0, 0.05^2) noise, Adam (lr 0.01), ' +
    'with and without the denoising penalty (lambda 0.05, sigma 0.01), same init and batches; effective rank of the exact J_f at clean test points. ' +
    'full: 10 seeds, 4096 points, 3000 steps of batch 64, 128 test points; ci, cut to the CI budget: 5 seeds, 512 points, 200 steps of batch 32, 32 test points. ' +
    'The paper\'s image experiments (FMNIST) are shrunk to this synthetic manifold',
  rule: 'effective rank of J_f, penalty - none, below 0 by >= 0.5 (paired t over seeds); slope of ln(denoising-estimate error) on ln sigma above 0 by >= 0.5 (t over seeds); ' +
    'premises: unpenalised effective rank >= 3, penalised reconstruction error <= 10 * 0.05^2; checks: the variational identity to 1e-6, no random re-factorisation below ||AB||_*, ' +
    '(||J_g||^2 + ||J_h||^2) / 2 >= ||J_f||_* at every test point; reconstruction and tangent-share differences reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, pairs: 4, mixes: 10, trainPoints: 256, steps: 60, testPoints: 16 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, trainPoints: 512, steps: 200, testPoints: 32 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, trainPoints: 4096, steps: 3000, batch: 64, testPoints: 128 },
  },
  seed: seedB18,
  summarize: summarizeB18,
});
