/**
 * D7. What's in a Prior? Learned Proximal Networks for Inverse Problems (Fang, Buchanan & Sulam 2024): a
 * learned proximal network f = grad psi, psi input-convex, is exactly the proximal operator of some
 * regulariser (its Jacobian is symmetric positive semidefinite everywhere), and training it by proximal
 * matching recovers the prox of -sigma^2 log p, the MAP denoiser, where training by mean squared error
 * gives the MMSE denoiser E[x | y].
 *
 * Setting, the paper's Laplace experiment (exps/laplacian in its code): x ~ Laplace(0, 1) in 1-D, y = x + z
 * with z ~ N(0, 1), so the MAP denoiser is soft-thresholding at sigma^2 / b = 1 and the MMSE denoiser a
 * quadrature away (src/techniques/proximal). Per seed, two LPNs with the same initialisation: one trained
 * by MSE, one by l1 (the paper's warm start) then proximal matching with gamma annealed from 0.5 to 0.1
 * (the paper's range). Each is compared with both denoisers by the largest deviation on |y| <= 2, where
 * the noisy data put 78% of their mass.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { icnn, laplaceMmse, prox, proxJacobian, sampleLaplace, softThreshold, trainLpn } from '../techniques/proximal/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface D7Params extends BaseParams {
  hidden: number[];
  batchSize: number;
  lr: number;
  mseSteps: number;
  l1Steps: number;
  pmSteps: number;
}

const [B, SIGMA] = [1, 1];
export const GRID = Float64Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
export const MAP = softThreshold(GRID, (SIGMA * SIGMA) / B);
export const MMSE = laplaceMmse(GRID, B, SIGMA);
/** The yardstick, in data units (the denoisers differ by up to 0.50 on the grid): 0.2 for proximal matching, 0.1 for MSE. */
const TOL_PM = 0.2;
const TOL_MSE = 0.1;

const sup = (f: Float64Array, g: Float64Array) => f.reduce((m, v, i) => Math.max(m, Math.abs(v - g[i])), 0);

export interface D7Seed {
  rows: ClaimResult['rows'];
  /** the learned denoisers on GRID */
  curves: { mse: number[]; pm: number[] };
  /** sup deviations: trained by (mse|pm), against (Map|Mmse) */
  dev: { mseMap: number; mseMmse: number; pmMap: number; pmMmse: number };
  /** the smallest Jacobian f'(y) on the grid over both networks */
  minJacobian: number;
}

export async function seedD7(p: D7Params, seed: number): Promise<D7Seed> {
  const rng = new Rng(seed);
  const sample = (n: number, r: Rng) => sampleLaplace(n, B, r);
  const base = { sample, sigma: SIGMA, batchSize: p.batchSize, lr: p.lr };
  // the same initialisation for both: the difference is the training loss
  const [mseNet, pmNet] = [icnn({ d: 1, hidden: p.hidden }, rng.fork('init')), icnn({ d: 1, hidden: p.hidden }, rng.fork('init'))];
  try {
    await trainLpn(mseNet, 1, { ...base, loss: 'mse', steps: p.mseSteps, rng: rng.fork('mse') });
    await trainLpn(pmNet, 1, { ...base, loss: 'l1', steps: p.l1Steps, rng: rng.fork('l1') });
    await trainLpn(pmNet, 1, { ...base, loss: 'proximal-matching', steps: p.pmSteps, gamma: [0.5, 0.1], rng: rng.fork('pm') });
    const [mse, pm] = [prox(mseNet, GRID, 1), prox(pmNet, GRID, 1)];
    const minJacobian = Math.min(...[mseNet, pmNet].flatMap((net) => Array.from(GRID, (y) => proxJacobian(net, Float64Array.of(y))[0])));
    const dev = { mseMap: sup(mse, MAP), mseMmse: sup(mse, MMSE), pmMap: sup(pm, MAP), pmMmse: sup(pm, MMSE) };
    const rows = Object.entries(dev).map(([k, v]) => ({ seed, trained: k.startsWith('mse') ? 'MSE' : 'proximal matching', against: k.endsWith('Map') ? 'MAP (soft threshold)' : 'MMSE', supDeviation: v }));
    return { rows, curves: { mse: Array.from(mse), pm: Array.from(pm) }, dev, minJacobian };
  } finally {
    mseNet.dispose();
    pmNet.dispose();
  }
}

export function summarizeD7(p: D7Params, perSeed: D7Seed[]): ClaimResult {
  const dev = (k: keyof D7Seed['dev']) => perSeed.map((s) => s.dev[k]);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'pmToMap',
      effects: [
        meanOf('pmToMap', 'sup over |y| <= 2 of |proximal-matching LPN - soft threshold (MAP)|', dev('pmMap'), { kind: 'direction', sign: -1, reference: TOL_PM, smallest: 0 },
          { unit: 'data units', part: 'proximal matching recovers the MAP denoiser' }),
        paired('pmCloserToMap', 'proximal-matching LPN: sup |f - MAP| - sup |f - MMSE|', dev('pmMap'), dev('pmMmse'), { kind: 'direction', sign: -1, smallest: TOL_MSE },
          { unit: 'data units', part: 'proximal matching recovers the MAP denoiser' }),
        meanOf('mseToMmse', 'sup over |y| <= 2 of |MSE LPN - MMSE|', dev('mseMmse'), { kind: 'direction', sign: -1, reference: TOL_MSE, smallest: 0 },
          { unit: 'data units', part: 'MSE training gives the MMSE denoiser' }),
        paired('mseCloserToMmse', 'MSE LPN: sup |f - MMSE| - sup |f - MAP|', dev('mseMmse'), dev('mseMap'), { kind: 'direction', sign: -1, smallest: TOL_MSE },
          { unit: 'data units', part: 'MSE training gives the MMSE denoiser' }),
      ],
      premise: [
        // the two denoisers must be far enough apart for the tolerances to tell them apart
        premise('mapVsMmse', 'sup over |y| <= 2 of |soft threshold - MMSE| (exact)', sup(MAP, MMSE), { atLeast: 2 * TOL_PM }),
      ],
      checks: [
        // the LPN is a prox by construction: f' = psi'' >= 0 everywhere (a 1-D symmetric PSD Jacobian)
        check('jacobianPsd', 'max(0, -min f\'(y)) over the grid, both networks, all seeds', Math.max(0, -Math.min(...perSeed.map((s) => s.minJacobian))), 0, 1e-6),
      ],
      numbers: { seeds: perSeed.length, pmToMmse: mean(dev('pmMmse')), mseToMap: mean(dev('mseMap')) },
    }),
    figures: figuresD7(perSeed),
  };
}

function figuresD7(perSeed: D7Seed[]): Figure[] {
  const avg = (k: 'mse' | 'pm') => Array.from(GRID, (_, i) => mean(perSeed.map((s) => s.curves[k][i])));
  return [
    lineFigure('Learned proximal networks against the exact denoisers (Laplace prior, noise sd 1; mean over seeds)', 'y', 'f(y)', [
      { name: 'soft threshold (MAP)', x: Array.from(GRID), y: Array.from(MAP) },
      { name: 'MMSE (quadrature)', x: Array.from(GRID), y: Array.from(MMSE) },
      { name: 'LPN, proximal matching', x: Array.from(GRID), y: avg('pm') },
      { name: 'LPN, MSE', x: Array.from(GRID), y: avg('mse') },
    ]),
  ];
}

export const claim = defineClaim<D7Params, D7Seed>({
  id: 'D7',
  slug: 'learned-proximal',
  paper: 'What\'s in a Prior? Learned Proximal Networks for Inverse Problems (Fang, Buchanan & Sulam 2024)',
  claim: 'a learned proximal network (the gradient of an input-convex network) is an exact proximal operator, and proximal-matching training recovers the prior\'s MAP denoiser where MSE training gives the MMSE denoiser',
  setting: 'the paper\'s Laplace experiment: x ~ Laplace(0, 1) in 1-D, y = x + N(0, 1); MAP = soft threshold at 1, MMSE by quadrature; LPN = gradient of an ICNN (softplus, sharpness 10, non-negative convex path), one trained by MSE, one by l1 then proximal matching (gamma 0.5 -> 0.1), same initialisation; ' +
    'Adam with the rate decaying tenfold; sup deviation on |y| <= 2. Full: 10 seeds, 1-50-50-50 ICNN, batch 500, lr 0.01, MSE 2000 steps, l1 1000 + proximal matching 3000 (the paper: 4 layers of 50, batch 2000, about 20000 steps each); ' +
    'ci, cut to the CI budget: 5 seeds, 1-32-32 ICNN, batch 150, MSE 150 steps, l1 80 + proximal matching 150',
  rule: 'proximal matching: sup |f - soft threshold| below 0.2 (t over seeds) and sup |f - MAP| - sup |f - MMSE| below 0 and not wholly above -0.1 (paired t); MSE: sup |f - MMSE| below 0.1 and sup |f - MMSE| - sup |f - MAP| below 0 and not wholly above -0.1; ' +
    'premise: the exact MAP and MMSE denoisers differ by at least 0.4 on the grid; check: f\' >= 0 on the grid (the Jacobian of a prox is PSD)',
  scales: {
    smoke: { seeds: [1, 2], hidden: [16, 16], batchSize: 100, lr: 1e-2, mseSteps: 30, l1Steps: 20, pmSteps: 30 },
    ci: { seeds: [1, 2, 3, 4, 5], hidden: [32, 32], batchSize: 150, lr: 1e-2, mseSteps: 150, l1Steps: 80, pmSteps: 150 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], hidden: [50, 50, 50], batchSize: 500, lr: 1e-2, mseSteps: 2000, l1Steps: 1000, pmSteps: 3000 },
  },
  seed: seedD7,
  summarize: summarizeD7,
});
