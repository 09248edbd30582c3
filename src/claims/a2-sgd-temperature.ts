/**
 * A2. Dissecting the effects of SGD noise (Sclocchi, Geiger & Wyart 2023): SGD noise acts through the
 * temperature T = lr / batch, and the characteristic temperature T_c where the noise starts to change
 * the trained model is a power law of the training-set size P.
 *
 * Setting: the paper's perceptron model (y = sign(x_1), x in R^d Gaussian, hinge loss, SGD from w = 0
 * until every point is fitted), where the trained weights can be measured exactly. For each P (nested
 * subsets of one pool per seed) full-batch gradient descent gives the noiseless solution; SGD then runs
 * over a factor-2 grid of T with two batch sizes (lr = T x B). The noise "affects the trained model"
 * once the norm of the trained weights departs from gradient descent's: T_c is where ||w_T|| / ||w_GD||
 * reaches `level` (interpolated in log T). The paper's deep nets on MNIST/CIFAR are out of reach here.
 */
import { heatmapFigure, lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { fitLine } from '../stats/regression.js';
import { hingeSgd, logCrossing, norm, perceptronTask, teacherError, type PerceptronTask } from '../techniques/sgd-temperature/index.js';
import { check, meanOf, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A2Params extends BaseParams {
  /** input dimension */
  d: number;
  /** density exponent of x_1 at the decision boundary (0 = Gaussian) */
  chi: number;
  /** training-set sizes */
  sizes: number[];
  /** temperatures, a factor-2 grid so that batch sizes in a ratio 2^k also pair at equal lr */
  temperatures: number[];
  /** two batch sizes; every T is run with both */
  batchSizes: [number, number];
  /** gradient descent's lr as lr = gdTemperature x P (far below the grid) */
  gdTemperature: number;
  /** T_c: where ||w_T|| / ||w_GD|| reaches this */
  level: number;
  /**
   * equivalence margin on the equal-T difference of log ||w|| between the two batch sizes: 0.05 is a 5%
   * difference in the trained norm, a tenth of the log-norm change that defines T_c (log 2 = 0.69) and
   * under a fifth of what one factor-2 step of T changes it by over the grid (the earlier run's equal-lr
   * control: 0.57 for a factor 4). Fixed before this run; the earlier run's equal-T numbers were known.
   */
  margin: number;
  /**
   * T-only dependence is the small-step (SDE) limit: the equal-T difference over cells where both runs
   * took at least this many steps is reported beside the deciding all-cells one (not deciding)
   */
  minSteps: number;
  maxEpochs: number;
}

type Row = ClaimResult['rows'][number];

export interface A2Seed {
  rows: Row[];
  /** ||w_T|| / ||w_GD||, [batch][size][temperature] (NaN where the run did not fit the data) */
  ratio: number[][][];
  /** SGD steps until the data were fitted, [batch][size][temperature] */
  steps: number[][][];
  /** T_c per [batch][size] */
  tc: number[][];
  /** test error per [batch][size][temperature] and of gradient descent per size */
  error: number[][][];
  gdError: number[];
}

function subset(pool: PerceptronTask, n: number): PerceptronTask {
  return { d: pool.d, x: pool.x.subarray(0, n * pool.d), y: pool.y.subarray(0, n) };
}

export function seedA2(p: A2Params, seed: number): A2Seed {
  const rng = new Rng(seed);
  const pool = perceptronTask(Math.max(...p.sizes), p.d, rng.fork('data'), p.chi);
  const rows: Row[] = [];
  const ratio = p.batchSizes.map(() => [] as number[][]);
  const error = p.batchSizes.map(() => [] as number[][]);
  const steps = p.batchSizes.map(() => [] as number[][]);
  const gdError: number[] = [];
  for (const size of p.sizes) {
    const task = subset(pool, size);
    const gd = hingeSgd(task, { lr: p.gdTemperature * size, batchSize: size, maxEpochs: p.maxEpochs, rng: rng.fork('gd') });
    if (!gd.fitted) throw new Error(`A2 seed ${seed}: gradient descent did not fit P=${size} points in maxEpochs=${p.maxEpochs}`);
    const gdNorm = norm(gd.w);
    gdError.push(teacherError(gd.w));
    rows.push({ seed, size, batchSize: size, lr: p.gdTemperature * size, temperature: p.gdTemperature, norm: gdNorm, ratio: 1, testError: teacherError(gd.w), time: gd.time, fitted: true });
    p.batchSizes.forEach((batchSize, b) => {
      const r: number[] = [];
      const e: number[] = [];
      const k: number[] = [];
      for (const temperature of p.temperatures) {
        const lr = temperature * batchSize;
        const run = hingeSgd(task, { lr, batchSize, maxEpochs: p.maxEpochs, rng: rng.fork(`sgd B=${batchSize}`) });
        const n = norm(run.w);
        r.push(run.fitted ? n / gdNorm : NaN);
        e.push(teacherError(run.w));
        k.push(run.steps);
        rows.push({ seed, size, batchSize, lr, temperature, norm: n, ratio: n / gdNorm, testError: e.at(-1)!, time: run.time, fitted: run.fitted });
      }
      ratio[b].push(r);
      error[b].push(e);
      steps[b].push(k);
    });
  }
  const tc = ratio.map((perSize) => perSize.map((r) => logCrossing(p.temperatures, r, p.level)));
  return { rows, ratio, steps, tc, error, gdError };
}

/** Per-seed slope of log T_c on log P, T_c averaged (in log) over the two batch sizes. */
function tcSlope(p: A2Params, s: A2Seed): number {
  const pts = p.sizes.map((size, i) => ({ x: Math.log(size), y: mean(s.tc.map((perSize) => Math.log(perSize[i]))) })).filter((q) => Number.isFinite(q.y));
  return pts.length >= 2 ? fitLine(pts.map((q) => q.x), pts.map((q) => q.y)).slope : NaN;
}

/**
 * Mean log-norm difference between the two batch sizes, either at equal T (the claim: no difference)
 * or at equal lr (T differs by the batch ratio: the control that the comparison can see a difference).
 */
function batchDifference(p: A2Params, s: A2Seed, at: 'temperature' | 'lr', minSteps: number): { mean: number; cells: number } {
  const shift = at === 'lr' ? Math.round(Math.log2(p.batchSizes[1] / p.batchSizes[0])) : 0;
  const d: number[] = [];
  p.sizes.forEach((_, i) => p.temperatures.forEach((_, j) => {
    if (j - shift < 0 || Math.min(s.steps[0][i][j], s.steps[1][i][j - shift]) < minSteps) return;
    const v = Math.log(s.ratio[0][i][j]) - Math.log(s.ratio[1][i][j - shift]);
    if (Number.isFinite(v)) d.push(v);
  }));
  if (!d.length) throw new Error(`A2: no (P, T) cell has both runs at >= minSteps=${minSteps} steps; lower minSteps or raise the sizes`);
  return { mean: mean(d), cells: d.length };
}

export function summarizeA2(p: A2Params, perSeed: A2Seed[]): ClaimResult {
  const slopes = perSeed.map((s) => tcSlope(p, s));
  if (slopes.some((v) => !Number.isFinite(v))) throw new Error('A2: T_c was outside the temperature grid for too many sizes to fit a slope; widen `temperatures`');
  // every (P, T) cell decides the equal-T comparison (no step filter); the small-step cells are reported beside it
  const allCells = perSeed.map((s) => batchDifference(p, s, 'temperature', 0));
  const smallStep = perSeed.map((s) => batchDifference(p, s, 'temperature', p.minSteps));
  const equalLr = perSeed.map((s) => batchDifference(p, s, 'lr', 0).mean);
  const sgdRuns = perSeed.flatMap((s) => s.rows.filter((r) => r.batchSize !== r.size));
  const tcMean = p.sizes.map((_, i) => Math.exp(mean(perSeed.map((s) => mean(s.tc.map((t) => Math.log(t[i])))))));
  const [b1, b2] = p.batchSizes;
  const lrControl = meanOf('equalLr', `log ||w||, batch ${b1} - batch ${b2} at equal lr (T differs ${b2 / b1}x; control)`, equalLr,
    { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'log', part: 'control', decides: false });
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      effects: [
        meanOf('equalT', `log ||w||, batch ${b1} - batch ${b2} at equal T (all cells)`, allCells.map((r) => r.mean),
          { kind: 'equivalence', margin: p.margin }, { unit: 'log', part: 'T = lr / batch sets the solution' }),
        meanOf('slope', 'slope of log T_c on log P (per seed)', slopes, { kind: 'direction', sign: 1, smallest: 0 }, { part: 'T_c is a power law of P' }),
        meanOf('equalTSmallStep', `log ||w||, batch ${b1} - batch ${b2} at equal T (cells with both runs >= ${p.minSteps} steps)`, smallStep.map((r) => r.mean),
          { kind: 'equivalence', margin: p.margin }, { unit: 'log', part: 'T = lr / batch sets the solution', decides: false }),
        lrControl,
      ],
      headline: 'equalT',
      premise: [
        // the instrument must see a change of T: at equal lr the difference must clear 4 margins
        premise('lrControlLo', `lower 95% bound of the equal-lr control (T x${b2 / b1})`, lrControl.lo, { atLeast: 4 * p.margin }, { unit: 'log' }),
        premise('decadesOfP', 'decades of P spanned', Math.log10(p.sizes.at(-1)! / p.sizes[0]), { atLeast: 1.5 }, { digits: 2 }),
      ],
      checks: [
        // the hinge stopping rule: every SGD run ends with all P points fitted (margin >= 1), so every norm is a solution's
        check('unfittedRuns', 'SGD runs that did not fit every training point', sgdRuns.filter((r) => !r.fitted).length, 0, 0),
      ],
      numbers: {
        cells: p.sizes.length * p.temperatures.length, smallStepCells: smallStep[0].cells, sgdRuns: sgdRuns.length,
        tcFirst: tcMean[0], tcLast: tcMean.at(-1)!, seeds: perSeed.length,
      },
    }),
    figures: figuresA2(p, perSeed, tcMean),
  };
}

function figuresA2(p: A2Params, perSeed: A2Seed[], tcMean: number[]): Figure[] {
  const meanOver = (f: (s: A2Seed) => number): number => Math.exp(mean(perSeed.map((s) => Math.log(f(s)))));
  const b1 = p.batchSizes[0];
  const last = p.sizes.length - 1;
  return [
    heatmapFigure(`Phase diagram: log10 ||w_T|| / ||w_GD|| (batch ${b1}, geometric mean over seeds), with T_c`,
      { x: p.temperatures, y: p.sizes, xTitle: 'temperature T = lr / batch', yTitle: 'training-set size P', zTitle: 'log10 ratio', logX: true, logY: true },
      p.sizes.map((_, i) => p.temperatures.map((_, j) => Math.log10(meanOver((s) => s.ratio[0][i][j]))))),
    lineFigure('Characteristic temperature T_c vs P (each seed, and the geometric mean)', 'training-set size P', 'T_c', [
      ...perSeed.map((s) => ({ name: `seed ${s.rows[0].seed}`, x: p.sizes, y: p.sizes.map((_, i) => Math.exp(mean(s.tc.map((t) => Math.log(t[i]))))), mode: 'markers' as const })),
      { name: 'mean', x: p.sizes, y: tcMean, mode: 'lines+markers' },
    ], { logX: true, logY: true }),
    lineFigure(`Collapse at equal T: ||w_T|| / ||w_GD|| at P=${p.sizes[last]} for both batch sizes`, 'temperature T = lr / batch', '||w_T|| / ||w_GD||',
      p.batchSizes.map((b, k) => ({ name: `batch ${b} (lr = ${b} T)`, x: p.temperatures, y: p.temperatures.map((_, j) => meanOver((s) => s.ratio[k][last][j])), mode: 'lines+markers' as const })),
      { logX: true, logY: true }),
    lineFigure(`Test error vs T (batch ${b1}; dashed level = gradient descent)`, 'temperature T = lr / batch', 'test error (angle to the teacher / pi)',
      p.sizes.map((size, i) => ({ name: `P=${size}`, x: p.temperatures, y: p.temperatures.map((_, j) => mean(perSeed.map((s) => s.error[0][i][j]))) })),
      { logX: true }),
  ];
}

const grid = (lo: number, n: number): number[] => Array.from({ length: n }, (_, k) => lo * 2 ** k);
const common = { d: 64, chi: 0, batchSizes: [4, 16] as [number, number], gdTemperature: 0.01, level: 2, margin: 0.05, minSteps: 200, maxEpochs: 100_000 };

export const claim = defineClaim<A2Params, A2Seed>({
  id: 'A2',
  slug: 'sgd-temperature',
  paper: 'Dissecting the Effects of SGD Noise in Distinct Regimes of Deep Learning (Sclocchi, Geiger & Wyart 2023)',
  claim: 'SGD noise acts through the temperature T = lr/batch; the characteristic temperature T_c grows as a power law of the train-set size P',
  setting: 'the paper\'s perceptron model: y = sign(x_1), x ~ N(0, I_64), hinge loss, SGD from w = 0 until all P points are fitted; T on a factor-2 grid, ' +
    'batch 4 and 16 (lr = T x batch); T_c = where ||w_T|| first reaches twice the norm gradient descent ends at; P over 1.5 decades ' +
    '(16-1024 at full; ci, cut to the CI budget, 16-256: 1.2 decades, so the premise is not met at ci and the verdict of record is full; ' +
    'the paper\'s deep nets on MNIST/CIFAR are not run)',
  rule: 'equivalence (TOST, 90% interval inside +-0.05): seed mean of the log ||w|| difference, batch 4 - batch 16 at equal T, over all (P, T) cells; ' +
    'slope of log T_c on log P (per seed) > 0 (95% t-interval); premise: the equal-lr control (T x4) has lower 95% bound >= 0.2, P spans >= 1.5 decades; ' +
    'check: every SGD run fitted every point. The small-step cells (both runs >= 200 steps) are reported, not deciding',
  scales: {
    smoke: { seeds: [1, 2], ...common, sizes: [32, 64, 128], temperatures: grid(0.25, 6) },
    // pilot (seeds 101-102): P = 1024 costs 8x a ci seed, P = 16-32 costs ~1.3x; gradient descent did not fit P = 2048 in 1e5 epochs.
    // ci is cut to the CI budget: P = 512 (~4 CPU s of a seed's ~5, mostly gradient descent) is dropped, so ci spans 1.2 decades of P
    ci: { seeds: [1, 2, 3, 4, 5], ...common, sizes: [16, 32, 64, 128, 256], temperatures: grid(0.125, 9) },
    // full: ~5 min on 2 cores (a seed ~60 CPU s: the earlier ci seed's ~5 s, P = 1024 ~8x that per the pilot, x1.3 for the wider T grid; 10 seeds / 2 workers)
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, sizes: [16, 32, 64, 128, 256, 512, 1024], temperatures: grid(0.0625, 11) },
  },
  seed: seedA2,
  summarize: summarizeA2,
});
