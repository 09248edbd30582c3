/**
 * C1. The curvature toolkit behind A3, A11, B9 and C2-C4 (PyHessian's estimators): top eigenvalues by
 * power iteration with deflation and by Lanczos, the trace by Hutchinson, and the spectral density by
 * stochastic Lanczos quadrature, all from Hessian-vector products, match the exact Hessian.
 *
 * Method: per seed, train a small MLP on a 2-D Gaussian mixture (so the Hessian is not the one at
 * initialisation), build its full Hessian column by column, eigendecompose it (Jacobi), and compare
 * every estimator run with its usual settings. Tolerances are part of the parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianMixture } from '../data/toy2d.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { train } from '../train/loop.js';
import { crossEntropy } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { toTensors } from '../data/dataset.js';
import { hessianOperator } from '../techniques/curvature/operator.js';
import { denseMatrix, densityOnGrid, hutchinsonTrace, jacobiEigen, lanczosEigenvalues, powerIteration, runMoments, spectralDensity } from '../techniques/curvature/spectrum.js';
import { mean, std } from '../stats/bootstrap.js';
import { barFigure, lineFigure } from '../figures/plotly.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface C1Params extends BaseParams {
  hidden: number[];
  classes: number;
  nData: number;
  trainSteps: number;
  /** eigenvalues compared */
  k: number;
  lanczosSteps: number;
  hutchinsonSamples: number;
  slqRuns: number;
  slqSteps: number;
  /** tolerances: relative eigenvalue error (power, Lanczos); trace and SLQ moments in Monte Carlo standard errors */
  tolPower: number;
  tolLanczos: number;
  tolZ: number;
}

export interface C1Seed {
  row: ClaimResult['rows'][number];
  exact: number[];
  slqNodes: number[];
  slqWeights: number[];
}

const relErr = (est: number[], ref: number[], scale: number) => Math.max(...est.map((v, i) => Math.abs(v - ref[i]))) / scale;

export async function seedC1(p: C1Params, seed: number): Promise<C1Seed> {
  const rng = new Rng(seed);
  const means = Array.from({ length: p.classes }, (_, c) => [2 * Math.cos((2 * Math.PI * c) / p.classes), 2 * Math.sin((2 * Math.PI * c) / p.classes)]);
  const data = gaussianMixture(p.nData, { means, std: 0.8 }, rng.fork('data'));
  const model = mlp({ sizes: [2, ...p.hidden, p.classes] }, rng.fork('init'));
  const { x, y } = toTensors(data);
  try {
    await train({ model, data, transform: adam(0.01), batchSize: 64, steps: p.trainSteps, rng: rng.fork('train'), label: `C1 seed ${seed}` });
    const op = hessianOperator((ps) => crossEntropy()(model.apply(x, ps), y), model.params);
    const exact = jacobiEigen(denseMatrix(op), op.dim).values;
    const radius = Math.max(...exact.map(Math.abs));
    const byMagnitude = [...exact].sort((a, b) => Math.abs(b) - Math.abs(a)).slice(0, p.k);
    const trace = exact.reduce((s, v) => s + v, 0);
    const power = powerIteration(op, { k: p.k, rng: rng.fork('power') });
    const lanczos = lanczosEigenvalues(op, { k: p.k, steps: p.lanczosSteps, rng: rng.fork('lanczos') });
    const hutch = hutchinsonTrace(op, { samples: p.hutchinsonSamples, rng: rng.fork('hutchinson') });
    const slq = spectralDensity(op, { runs: p.slqRuns, steps: p.slqSteps, rng: rng.fork('slq') });
    // SLQ's q-th moment estimates tr(H^q) / n; judged in standard errors over its random start vectors
    const momentZ = (q: number) => {
      const m = runMoments(slq, q);
      const se = std(m) / Math.sqrt(m.length);
      return Math.abs(mean(m) - mean(exact.map((e) => e ** q))) / se;
    };
    return {
      exact,
      slqNodes: slq.nodes,
      slqWeights: slq.weights,
      row: {
        seed, dim: op.dim, lambdaMax: exact[0], trace,
        powerRelErr: relErr(power.values, byMagnitude, radius), powerIterations: power.iterations,
        lanczosRelErr: relErr(lanczos, exact.slice(0, p.k), radius),
        traceEstimate: hutch.mean, traceRelErr: Math.abs(hutch.mean - trace) / Math.abs(trace), traceZ: Math.abs(hutch.mean - trace) / hutch.stderr,
        slqMoment1Z: momentZ(1), slqMoment2Z: momentZ(2),
      },
    };
  } finally {
    model.dispose();
    tf.dispose([x, y]);
  }
}

export function summarizeC1(p: C1Params, perSeed: C1Seed[]): ClaimResult {
  const rows = perSeed.map((s) => s.row);
  const worst = (key: string) => Math.max(...rows.map((r) => Number(r[key])));
  const numbers = {
    worstPowerRelErr: worst('powerRelErr'), worstLanczosRelErr: worst('lanczosRelErr'), worstTraceZ: worst('traceZ'),
    worstTraceRelErr: worst('traceRelErr'), worstSlqMoment1Z: worst('slqMoment1Z'), worstSlqMoment2Z: worst('slqMoment2Z'),
    seeds: p.seeds.length, dim: Number(rows[0].dim),
  };
  const ok = numbers.worstPowerRelErr < p.tolPower && numbers.worstLanczosRelErr < p.tolLanczos && numbers.worstTraceZ < p.tolZ &&
    numbers.worstSlqMoment1Z < p.tolZ && numbers.worstSlqMoment2Z < p.tolZ;
  const s0 = perSeed[0];
  const lo = Math.min(...s0.exact);
  const hi = Math.max(...s0.exact);
  const grid = Array.from({ length: 200 }, (_, i) => lo + ((hi - lo) * i) / 199);
  const width = (hi - lo) / 100 || 1;
  const exactDensity = { nodes: s0.exact, weights: s0.exact.map(() => 1 / s0.exact.length), run: s0.exact.map(() => 0) };
  return {
    rows,
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `worst over ${p.seeds.length} seeds (Hessian dim ${numbers.dim}): power iteration top-${p.k} rel. error ${numbers.worstPowerRelErr.toExponential(1)} (tol ${p.tolPower}), ` +
        `Lanczos ${numbers.worstLanczosRelErr.toExponential(1)} (tol ${p.tolLanczos}), Hutchinson trace ${numbers.worstTraceZ.toFixed(2)} standard errors ` +
        `(${(100 * numbers.worstTraceRelErr).toFixed(1)}%), SLQ first/second moments ${numbers.worstSlqMoment1Z.toFixed(2)} / ${numbers.worstSlqMoment2Z.toFixed(2)} standard errors (tol ${p.tolZ} s.e.)`,
      numbers,
    },
    figures: [
      lineFigure('Hessian spectrum, first seed: exact eigenvalues vs SLQ (Gaussian-smoothed)', 'eigenvalue', 'density', [
        { name: 'exact', x: grid, y: densityOnGrid(exactDensity, grid, width) },
        { name: `SLQ (${p.slqRuns} runs x ${p.slqSteps} steps)`, x: grid, y: densityOnGrid({ nodes: s0.slqNodes, weights: s0.slqWeights, run: [] }, grid, width) },
      ], { logY: true }),
      barFigure('Worst relative error over seeds', 'relative error', [
        { name: 'power iteration', value: numbers.worstPowerRelErr }, { name: 'Lanczos', value: numbers.worstLanczosRelErr },
        { name: 'Hutchinson trace', value: numbers.worstTraceRelErr },
      ]),
    ],
  };
}

const tolerances = { tolPower: 1e-2, tolLanczos: 1e-3, tolZ: 3 };

export const claim = defineClaim<C1Params, C1Seed>({
  id: 'C1',
  slug: 'hessian-estimators',
  paper: '(tooling behind A3, A11, B9, C2-C4; PyHessian)',
  claim: 'Hessian-vector products give top-k eigenvalues (power/Lanczos), trace (Hutchinson) and spectral density (SLQ) that match the exact Hessian',
  setting: 'MLP trained briefly on a 2-D Gaussian mixture; full Hessian built from HVP columns and eigendecomposed (Jacobi); estimators at their usual settings (power: 100 iterations, tol 1e-3)',
  rule: 'each estimate matches the exact Hessian within tolerance: top-k eigenvalues (power 1e-2, Lanczos 1e-3 of the spectral radius); Hutchinson trace and SLQ first two moments within 3 Monte Carlo standard errors',
  scales: {
    smoke: { seeds: [1, 2], hidden: [6], classes: 3, nData: 60, trainSteps: 20, k: 2, lanczosSteps: 20, hutchinsonSamples: 30, slqRuns: 2, slqSteps: 10, ...tolerances },
    ci: { seeds: [1, 2, 3, 4, 5], hidden: [12, 12], classes: 4, nData: 400, trainSteps: 300, k: 5, lanczosSteps: 80, hutchinsonSamples: 200, slqRuns: 10, slqSteps: 40, ...tolerances },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], hidden: [16, 16], classes: 4, nData: 1000, trainSteps: 1000, k: 10, lanczosSteps: 100, hutchinsonSamples: 1000, slqRuns: 20, slqSteps: 80, ...tolerances },
  },
  seed: seedC1,
  summarize: summarizeC1,
});
