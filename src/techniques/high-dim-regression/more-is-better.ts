/**
 * Random-feature (RF) ridge regression as in "More is Better in Modern Machine Learning" (Simon, Karkada,
 * Ghosh & Belkin 2023). A model with k random features g(w_j, x), j = 1..k, predicts
 * f(x) = phi(x)^T theta with phi(x) = [g(w_1, x), ..., g(w_k, x)] / sqrt(k), and theta minimises
 * ||y - Phi theta||^2 + delta ||theta||^2 on n samples: the paper's convention, in which the ridge delta is
 * added to the (unnormalised) n x n kernel matrix, f = K_hat(x, X) (K_hat(X, X) + delta I)^{-1} y with
 * K_hat(x, x') = phi(x) . phi(x'). Solved exactly in float64 in whichever of the k x k (primal) or n x n
 * (dual) forms is smaller; both give the same theta (push-through identity).
 *
 * The synthetic task is the paper's Gaussian one: latent inputs x ~ N(0, I_M), the kernel's eigenfunctions
 * are the coordinates x_i with eigenvalues lambda_i, the features are linear, g(w_j, x) = sum_i W_ji
 * sqrt(lambda_i) x_i with W_ji ~ N(0, 1) (so E_W K_hat = sum_i lambda_i x_i x'_i), and the target is
 * y = sum_i v_i x_i + N(0, sigma^2). The test risk of a fitted theta is then exact:
 * E (y - f(x))^2 = ||diag(sqrt lambda) W^T theta / sqrt(k) - v||^2 + sigma^2 (rfPopulationRisk).
 *
 * The paper's omniscient risk estimate for RF regression (its Section 4 eigenframework; KRR's is the
 * k -> infinity limit): with learnabilities L_i = lambda_i / (lambda_i + gamma), solve
 *   n = sum_i L_i + delta / kappa,   k = sum_i L_i + k kappa / gamma
 * for (kappa, gamma); with z = sum L_i, q = sum L_i^2, E0 = 1 / (1 - (q (k - 2z) + z^2) / (n (k - q))),
 *   risk = E0 (sum_i [(1 - L_i) - kappa k L_i / ((lambda_i + gamma)(k - q))] v_i^2 + sigma^2).
 * It is an asymptotic (deterministic-equivalent) estimate, not exact at finite n, k: the unit tests check it
 * against Monte Carlo averages (a few per cent at n ~ 100) and its k -> infinity limit against KRR's
 * eigenlearning estimate (kappa: sum_i L_i(kappa) + delta / kappa = n; test = n / (n - q) (sum (1 - L_i)^2
 * v_i^2 + sigma^2); train = (delta / (n kappa))^2 test).
 */
import type { Rng } from '../../random/rng.js';
import { jacobiEigen } from '../../linalg/eigen.js';
import { cholesky, choleskySolve, gram, outerGram } from './linalg.js';

/** Eigenvalues i^-exponent, i = 1..m, scaled to sum to `total` (default 1): a power-law spectrum. */
export function powerLawSpectrum(m: number, exponent: number, total = 1): Float64Array {
  if (!(Number.isInteger(m) && m > 0)) throw new Error(`powerLawSpectrum: m must be a positive integer, got ${m}`);
  if (!(exponent > 0)) throw new Error(`powerLawSpectrum: exponent must be > 0, got ${exponent}`);
  return normalised(Float64Array.from({ length: m }, (_, i) => (i + 1) ** -exponent), total);
}

/** Eigenvalues ratio^i, i = 1..m, scaled to sum to `total` (default 1): a geometrically (fast) decaying spectrum. */
export function geometricSpectrum(m: number, ratio: number, total = 1): Float64Array {
  if (!(Number.isInteger(m) && m > 0)) throw new Error(`geometricSpectrum: m must be a positive integer, got ${m}`);
  if (!(ratio > 0 && ratio < 1)) throw new Error(`geometricSpectrum: ratio must be in (0, 1), got ${ratio}`);
  return normalised(Float64Array.from({ length: m }, (_, i) => ratio ** (i + 1)), total);
}

function normalised(a: Float64Array, total: number): Float64Array {
  const s = a.reduce((x, y) => x + y, 0);
  for (let i = 0; i < a.length; i++) a[i] *= total / s;
  return a;
}

/** A B^T for A (n x inner) and B (m x inner), row-major: every entry is a dot product of two contiguous rows. */
export function matMulT(a: Float64Array, b: Float64Array, n: number, inner: number, m: number): Float64Array {
  if (a.length !== n * inner) throw new Error(`matMulT: A has ${a.length} entries, expected ${n} x ${inner}`);
  if (b.length !== m * inner) throw new Error(`matMulT: B has ${b.length} entries, expected ${m} x ${inner}`);
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const ao = i * inner;
    for (let j = 0; j < m; j++) {
      const bo = j * inner;
      let s = 0;
      for (let l = 0; l < inner; l++) s += a[ao + l] * b[bo + l];
      c[i * m + j] = s;
    }
  }
  return c;
}

/** The first `cols` columns of a rows x totalCols row-major matrix (nested feature subsets). */
export function leadingColumns(a: Float64Array, rows: number, totalCols: number, cols: number): Float64Array {
  if (a.length !== rows * totalCols) throw new Error(`leadingColumns: matrix has ${a.length} entries, expected ${rows} x ${totalCols}`);
  if (!(Number.isInteger(cols) && cols > 0 && cols <= totalCols)) throw new Error(`leadingColumns: cols must be in 1..${totalCols}, got ${cols}`);
  if (cols === totalCols) return a;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * totalCols, r * totalCols + cols), r * cols);
  return out;
}

/** The synthetic Gaussian task: kernel eigenvalues lambda_i, target coefficients v_i in the eigenbasis, label-noise variance. */
export interface GaussianRfTask {
  eigenvalues: Float64Array;
  /** v_i: the target is sum_i v_i x_i */
  coefficients: Float64Array;
  noiseVar: number;
}

/** The linear Gaussian feature map F = W diag(sqrt lambda) (k x M, W_ji ~ N(0, 1)): feature j of x is (F x)_j. */
export function gaussianFeatureMap(k: number, eigenvalues: Float64Array, rng: Rng): Float64Array {
  if (!(Number.isInteger(k) && k > 0)) throw new Error(`gaussianFeatureMap: k must be a positive integer, got ${k}`);
  const m = eigenvalues.length;
  const f = new Float64Array(k * m);
  for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) f[j * m + i] = rng.normal() * Math.sqrt(eigenvalues[i]);
  return f;
}

/** n samples of the Gaussian task: latent inputs x (n x M, iid N(0, 1)) and labels y = x . v + N(0, sigma^2). */
export function gaussianTaskSample(task: GaussianRfTask, n: number, rng: Rng): { x: Float64Array; y: Float64Array } {
  const m = task.eigenvalues.length;
  if (task.coefficients.length !== m) throw new Error(`gaussianTaskSample: ${task.coefficients.length} coefficients for ${m} eigenvalues`);
  const x = new Float64Array(n * m);
  const y = new Float64Array(n);
  const sd = Math.sqrt(task.noiseVar);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < m; i++) { const v = rng.normal(); x[r * m + i] = v; s += v * task.coefficients[i]; }
    y[r] = s + sd * rng.normal();
  }
  return { x, y };
}

/** ReLU random features max(0, X W^T) of n inputs (n x d) with k weight vectors W (k x d): n x k, unscaled. */
export function reluFeatures(x: Float64Array, n: number, d: number, w: Float64Array, k: number): Float64Array {
  const z = matMulT(x, w, n, d, k);
  for (let i = 0; i < z.length; i++) if (z[i] < 0) z[i] = 0;
  return z;
}

/**
 * Exact RF ridge solutions for a grid of ridges on one design: raw features Z (n x k, phi = Z / sqrt(k)) and
 * targets Y (n x outputs). The Gram matrix of the smaller side is formed once; each `fit(delta)` is one
 * Cholesky factorisation, and evaluation sets made by `evaluationSet` are predicted at a cost of rows x
 * min(n, k) x outputs per ridge (in the dual form through the precomputed cross-kernel Z_eval Z^T / k).
 */
export interface RfRidgePath {
  n: number;
  k: number;
  outputs: number;
  /** 'primal': (Phi^T Phi + delta I_k)^{-1} Phi^T Y; 'dual': Phi^T (Phi Phi^T + delta I_n)^{-1} Y */
  form: 'primal' | 'dual';
  /** mean diagonal of the kernel matrix Phi Phi^T (the scale ridges are quoted against) */
  kernelScale: number;
  /** theta (k x outputs, row-major) minimising ||Y - Phi theta||^2 + delta ||theta||^2, delta > 0 */
  solve(delta: number): Float64Array;
  /** the fit at ridge delta > 0 */
  fit(delta: number): RfRidgeFit;
  /** inputs' raw features (rows x k) prepared for prediction */
  evaluationSet(zEval: Float64Array, rows: number): RfEvaluationSet;
}

/** Raw features of inputs to predict (rows x k), with the cross-kernel to the training inputs in the dual form. */
export interface RfEvaluationSet {
  rows: number;
  z: Float64Array;
  /** Z_eval Z^T / k (rows x n), dual form only */
  cross?: Float64Array;
}

/** One ridge's fit: its parameters and its predictions. */
export interface RfRidgeFit {
  delta: number;
  /** theta (k x outputs) */
  theta(): Float64Array;
  /** predictions on the training inputs (n x outputs) */
  trainPredictions(): Float64Array;
  /** predictions on an evaluation set of the same path (rows x outputs) */
  predict(e: RfEvaluationSet): Float64Array;
}

/** The ridge path of a design (see RfRidgePath); `form` forces primal or dual (default: the smaller side). */
export function rfRidgePath(z: Float64Array, n: number, k: number, y: ArrayLike<number>, outputs = 1, form?: 'primal' | 'dual'): RfRidgePath {
  if (z.length !== n * k) throw new Error(`rfRidgePath: Z has ${z.length} entries, expected ${n} x ${k}`);
  if (y.length !== n * outputs) throw new Error(`rfRidgePath: Y has ${y.length} entries, expected ${n} x ${outputs}`);
  const f = form ?? (k <= n ? 'primal' : 'dual');
  const inv = 1 / k;
  let trace = 0;
  for (let i = 0; i < z.length; i++) trace += z[i] * z[i];
  const kernelScale = (trace * inv) / n;
  const rootK = Math.sqrt(k);
  const evaluationSet = (zEval: Float64Array, rows: number): RfEvaluationSet => {
    if (zEval.length !== rows * k) throw new Error(`rfRidgePath.evaluationSet: Z has ${zEval.length} entries, expected ${rows} x ${k}`);
    if (f === 'primal') return { rows, z: zEval };
    const cross = matMulT(zEval, z, rows, k, n);
    for (let i = 0; i < cross.length; i++) cross[i] *= inv;
    return { rows, z: zEval, cross };
  };
  if (f === 'primal') {
    const g = gram(z, n, k);
    for (let i = 0; i < g.length; i++) g[i] *= inv;
    // Phi^T Y (k x outputs), one column per output
    const rhs: Float64Array[] = [];
    for (let o = 0; o < outputs; o++) {
      const b = new Float64Array(k);
      for (let r = 0; r < n; r++) { const yr = y[r * outputs + o] / rootK; const zo = r * k; for (let c = 0; c < k; c++) b[c] += z[zo + c] * yr; }
      rhs.push(b);
    }
    const solve = (delta: number): Float64Array => {
      checkDelta(delta);
      const m = g.slice();
      for (let i = 0; i < k; i++) m[i * k + i] += delta;
      const l = cholesky(m, k);
      const theta = new Float64Array(k * outputs);
      for (let o = 0; o < outputs; o++) { const t = choleskySolve(l, k, rhs[o]); for (let c = 0; c < k; c++) theta[c * outputs + o] = t[c]; }
      return theta;
    };
    return {
      n, k, outputs, form: f, kernelScale, solve, evaluationSet,
      fit(delta: number): RfRidgeFit {
        const theta = solve(delta);
        return { delta, theta: () => theta, trainPredictions: () => rfPredict(z, n, k, theta, outputs), predict: (e) => rfPredict(e.z, e.rows, k, theta, outputs) };
      },
    };
  }
  const h = outerGram(z, n, k);
  for (let i = 0; i < h.length; i++) h[i] *= inv;
  const cols: Float64Array[] = Array.from({ length: outputs }, (_, o) => Float64Array.from({ length: n }, (_, r) => y[r * outputs + o]));
  // alpha = (Phi Phi^T + delta I)^{-1} Y (n x outputs); theta = Phi^T alpha
  const dualCoefficients = (delta: number): Float64Array => {
    checkDelta(delta);
    const m = h.slice();
    for (let i = 0; i < n; i++) m[i * n + i] += delta;
    const l = cholesky(m, n);
    const alpha = new Float64Array(n * outputs);
    for (let o = 0; o < outputs; o++) { const a = choleskySolve(l, n, cols[o]); for (let r = 0; r < n; r++) alpha[r * outputs + o] = a[r]; }
    return alpha;
  };
  const thetaOf = (alpha: Float64Array): Float64Array => {
    const theta = new Float64Array(k * outputs);
    for (let r = 0; r < n; r++) for (let o = 0; o < outputs; o++) {
      const a = alpha[r * outputs + o] / rootK;
      const zo = r * k;
      for (let c = 0; c < k; c++) theta[c * outputs + o] += z[zo + c] * a;
    }
    return theta;
  };
  const kernelTimes = (kern: Float64Array, rows: number, alpha: Float64Array): Float64Array => {
    const out = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) {
      const v = kern[r * n + j];
      for (let o = 0; o < outputs; o++) out[r * outputs + o] += v * alpha[j * outputs + o];
    }
    return out;
  };
  return {
    n, k, outputs, form: f, kernelScale, evaluationSet,
    solve: (delta: number) => thetaOf(dualCoefficients(delta)),
    fit(delta: number): RfRidgeFit {
      const alpha = dualCoefficients(delta);
      return {
        delta,
        theta: () => thetaOf(alpha),
        trainPredictions: () => kernelTimes(h, n, alpha),
        predict: (e) => {
          if (!e.cross || e.cross.length !== e.rows * n) throw new Error('RfRidgeFit.predict: the evaluation set was not made by this path');
          return kernelTimes(e.cross, e.rows, alpha);
        },
      };
    },
  };
}

function checkDelta(delta: number): void {
  if (!(delta > 0)) throw new Error(`rfRidgePath: delta must be > 0 (use a tiny ridge for the ridgeless limit), got ${delta}`);
}

/** Mean over rows of the squared error summed over outputs, (1/rows) sum_r ||y_r - prediction_r||^2, for row-major rows x outputs arrays. */
export function meanSquaredErrorRows(prediction: ArrayLike<number>, y: ArrayLike<number>, rows: number): number {
  if (prediction.length !== y.length) throw new Error(`meanSquaredErrorRows: ${prediction.length} predictions for ${y.length} targets`);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - prediction[i]) ** 2;
  return s / rows;
}

/** Predictions Phi theta (rows x outputs) of raw features Z (rows x k; phi = Z / sqrt(k)). */
export function rfPredict(z: Float64Array, rows: number, k: number, theta: Float64Array, outputs = 1): Float64Array {
  if (z.length !== rows * k) throw new Error(`rfPredict: Z has ${z.length} entries, expected ${rows} x ${k}`);
  if (theta.length !== k * outputs) throw new Error(`rfPredict: theta has ${theta.length} entries, expected ${k} x ${outputs}`);
  const out = new Float64Array(rows * outputs);
  const s = 1 / Math.sqrt(k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) {
    const v = z[r * k + c] * s;
    if (v === 0) continue;
    for (let o = 0; o < outputs; o++) out[r * outputs + o] += v * theta[c * outputs + o];
  }
  return out;
}

/** Mean over rows of the squared error summed over outputs: (1/rows) sum_r ||y_r - (Phi theta)_r||^2. */
export function rfMeanSquaredError(z: Float64Array, rows: number, k: number, theta: Float64Array, y: ArrayLike<number>, outputs = 1): number {
  const p = rfPredict(z, rows, k, theta, outputs);
  if (y.length !== p.length) throw new Error(`rfMeanSquaredError: Y has ${y.length} entries, expected ${rows} x ${outputs}`);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (y[i] - p[i]) ** 2;
  return s / rows;
}

/**
 * The exact test risk E (y - f(x))^2 of theta (k-vector) on the Gaussian task, given the first k rows of the
 * feature map F (k x M): ||F^T theta / sqrt(k) - v||^2 + sigma^2.
 */
export function rfPopulationRisk(f: Float64Array, k: number, task: GaussianRfTask, theta: ArrayLike<number>): number {
  const m = task.eigenvalues.length;
  if (f.length < k * m) throw new Error(`rfPopulationRisk: feature map has ${f.length} entries, fewer than ${k} x ${m}`);
  if (theta.length !== k) throw new Error(`rfPopulationRisk: theta has ${theta.length} entries, expected k = ${k}`);
  const u = new Float64Array(m);
  const s = 1 / Math.sqrt(k);
  for (let j = 0; j < k; j++) { const t = theta[j] * s; const o = j * m; for (let i = 0; i < m; i++) u[i] += f[o + i] * t; }
  let r = task.noiseVar;
  for (let i = 0; i < m; i++) r += (u[i] - task.coefficients[i]) ** 2;
  return r;
}

/** Bisection for the root of a decreasing function on log-scale [lo, hi] (both finite, positive). */
function logBisect(g: (x: number) => number, lo: number, hi: number, iters = 200): number {
  let a = Math.log(lo), b = Math.log(hi);
  for (let i = 0; i < iters; i++) {
    const m = (a + b) / 2;
    if (g(Math.exp(m)) > 0) a = m; else b = m;
  }
  return Math.exp((a + b) / 2);
}

function learnabilitySums(eig: ArrayLike<number>, g: number): { z: number; q: number } {
  let z = 0, q = 0;
  for (let i = 0; i < eig.length; i++) { const l = eig[i] / (eig[i] + g); z += l; q += l * l; }
  return { z, q };
}

/**
 * The paper's omniscient test-risk estimate of RF ridge regression with n samples, k features and ridge
 * delta > 0 (module comment), from the kernel's eigenvalues, the target's squared eigencoefficients v_i^2 and
 * the noise variance. Returns the risk and the two effective ridges.
 */
export function rfRiskEstimate(eigenvalues: ArrayLike<number>, coef2: ArrayLike<number>, n: number, k: number, delta: number, noiseVar = 0): { risk: number; kappa: number; gamma: number } {
  if (eigenvalues.length !== coef2.length) throw new Error(`rfRiskEstimate: ${eigenvalues.length} eigenvalues but ${coef2.length} coefficients`);
  if (!(n > 0 && k > 0)) throw new Error(`rfRiskEstimate: n and k must be > 0, got ${n}, ${k}`);
  if (!(delta > 0)) throw new Error(`rfRiskEstimate: delta must be > 0, got ${delta}`);
  // eliminating kappa = gamma (k - z) / k leaves one equation in gamma, decreasing in gamma
  const eq = (g: number) => {
    const { z } = learnabilitySums(eigenvalues, g);
    if (z >= k) return Infinity;
    return z + (delta * k) / (g * (k - z)) - n;
  };
  const gamma = logBisect(eq, 1e-300, 1e300, 400);
  const { z, q } = learnabilitySums(eigenvalues, gamma);
  const kappa = (gamma * (k - z)) / k;
  const e0 = 1 / (1 - (q * (k - 2 * z) + z * z) / (n * (k - q)));
  let bias = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const lam = eigenvalues[i], l = lam / (lam + gamma);
    bias += ((1 - l) - (kappa * k * l) / ((lam + gamma) * (k - q))) * coef2[i];
  }
  return { risk: e0 * (bias + noiseVar), kappa, gamma };
}

/**
 * Kernel ridge regression's eigenlearning estimate (the k -> infinity limit of rfRiskEstimate): test risk,
 * train error (delta / (n kappa))^2 test, and the effective ridge kappa, for n samples and ridge delta > 0.
 */
export function krrRiskEstimate(eigenvalues: ArrayLike<number>, coef2: ArrayLike<number>, n: number, delta: number, noiseVar = 0): { test: number; train: number; kappa: number } {
  if (eigenvalues.length !== coef2.length) throw new Error(`krrRiskEstimate: ${eigenvalues.length} eigenvalues but ${coef2.length} coefficients`);
  if (!(delta > 0)) throw new Error(`krrRiskEstimate: delta must be > 0, got ${delta}`);
  const kappa = logBisect((c) => learnabilitySums(eigenvalues, c).z + delta / c - n, 1e-300, 1e300, 400);
  const { q } = learnabilitySums(eigenvalues, kappa);
  let bias = 0;
  for (let i = 0; i < eigenvalues.length; i++) bias += (kappa / (eigenvalues[i] + kappa)) ** 2 * coef2[i];
  const test = (n / (n - q)) * (bias + noiseVar);
  return { test, train: (delta / (n * kappa)) ** 2 * test, kappa };
}

/**
 * The power-law exponent a of values ~ rank^-a: minus the least-squares slope of log value on log rank over
 * ranks from..to (1-based, inclusive) of values sorted descending.
 */
export function powerLawExponent(values: ArrayLike<number>, from: number, to: number): number {
  const v = Array.from(values).sort((a, b) => b - a);
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to > from && to <= v.length)) throw new Error(`powerLawExponent: ranks ${from}..${to} outside 1..${v.length}`);
  const xs: number[] = [], ys: number[] = [];
  for (let r = from; r <= to; r++) {
    if (!(v[r - 1] > 0)) throw new Error(`powerLawExponent: value at rank ${r} is ${v[r - 1]}, not positive`);
    xs.push(Math.log(r)); ys.push(Math.log(v[r - 1]));
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; }
  return -sxy / sxx;
}

/**
 * A Gaussian-task RF design's exact test risk and train error as closed-form functions of the ridge delta,
 * from the eigendecomposition of the smaller Gram matrix (Phi^T Phi when k <= n, else Phi Phi^T; Phi = Z /
 * sqrt(k)) with eigenvalues s_j: theta(delta) = sum_j e_j a_j / (s_j + delta), so with d_j = a_j / (s_j + delta)
 * the population risk is d^T H d - 2 d . hv + constant (H = P^T P, hv = P^T v, P_j = F^T e_j / sqrt(k),
 * constant = |v|^2 + sigma^2) and the train error is (rest + sum_j p_j (delta / (s_j + delta))^2) / n.
 * Plain arrays (JSON-serialisable), evaluated in O(min(n, k)^2) per ridge by `rfSpectrumRisk`, so the ridge
 * can be optimised continuously.
 */
export interface RfRidgeSpectrum {
  n: number;
  k: number;
  /** mean diagonal of the kernel matrix Phi Phi^T */
  kernelScale: number;
  /** eigenvalues s_j of the smaller Gram matrix, j < m = min(n, k) */
  s: number[];
  /** coefficients a_j of theta(delta) = sum_j e_j a_j / (s_j + delta) */
  a: number[];
  /** squared projections of y on the left singular vectors of Phi */
  p: number[];
  /** squared norm of y outside Phi's column space */
  rest: number;
  /** H = P^T P, m x m row-major */
  h: number[];
  /** P^T v */
  hv: number[];
  /** |v|^2 + sigma^2 */
  constant: number;
}

/**
 * The ridge spectrum (RfRidgeSpectrum) of RF ridge regression on the Gaussian task: raw features Z (n x k),
 * labels y, the feature map F (at least k rows of M) and the task.
 */
export function rfRidgeSpectrum(z: Float64Array, n: number, k: number, y: ArrayLike<number>, f: Float64Array, task: GaussianRfTask): RfRidgeSpectrum {
  if (z.length !== n * k) throw new Error(`rfRidgeSpectrum: Z has ${z.length} entries, expected ${n} x ${k}`);
  if (y.length !== n) throw new Error(`rfRidgeSpectrum: y has ${y.length} entries, expected ${n}`);
  const mDim = task.eigenvalues.length;
  if (f.length < k * mDim) throw new Error(`rfRidgeSpectrum: feature map has ${f.length} entries, fewer than ${k} x ${mDim}`);
  const inv = 1 / k, rootK = Math.sqrt(k);
  let trace = 0;
  for (let i = 0; i < z.length; i++) trace += z[i] * z[i];
  const zt = new Float64Array(k * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) zt[c * n + r] = z[r * k + c];
  let yy = 0;
  for (let r = 0; r < n; r++) yy += y[r] * y[r];
  const primal = k <= n;
  const m = primal ? k : n;
  // E^T (m x k): rows e_j
  const et = new Float64Array(m * k);
  const s: number[] = [], a: number[] = [], p: number[] = [];
  let rest = 0;
  if (primal) {
    const g = matMulT(zt, zt, k, n, k);
    for (let i = 0; i < g.length; i++) g[i] *= inv;
    const { values, vectors } = jacobiEigen(g, k, { tol: 1e-15 });
    // Phi^T y
    const b = new Float64Array(k);
    for (let r = 0; r < n; r++) { const yr = y[r] / rootK; for (let c = 0; c < k; c++) b[c] += z[r * k + c] * yr; }
    let fitted = 0;
    for (let j = 0; j < m; j++) {
      const v = vectors[j];
      let t = 0;
      for (let c = 0; c < k; c++) { et[j * k + c] = v[c]; t += v[c] * b[c]; }
      const sj = Math.max(values[j], 0);
      s.push(sj); a.push(t);
      const pj = sj > 0 ? (t * t) / sj : 0;
      p.push(pj); fitted += pj;
    }
    rest = Math.max(0, yy - fitted);
  } else {
    const h = matMulT(z, z, n, k, n);
    for (let i = 0; i < h.length; i++) h[i] *= inv;
    const { values, vectors } = jacobiEigen(h, n, { tol: 1e-15 });
    const ut = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const u = vectors[j];
      let t = 0;
      for (let r = 0; r < n; r++) { ut[j * n + r] = u[r]; t += u[r] * y[r]; }
      s.push(Math.max(values[j], 0)); a.push(t); p.push(t * t);
    }
    // e_j = Phi^T u_j
    const e = matMulT(ut, zt, n, n, k);
    for (let i = 0; i < e.length; i++) et[i] = e[i] / rootK;
  }
  // P^T (m x M): rows F^T e_j / sqrt(k)
  const ft = new Float64Array(mDim * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < mDim; i++) ft[i * k + c] = f[c * mDim + i];
  const pt = matMulT(et, ft, m, k, mDim);
  for (let i = 0; i < pt.length; i++) pt[i] /= rootK;
  const hm = matMulT(pt, pt, m, mDim, m);
  const hv: number[] = [];
  let vv = 0;
  for (let i = 0; i < mDim; i++) vv += task.coefficients[i] ** 2;
  for (let j = 0; j < m; j++) { let t = 0; for (let i = 0; i < mDim; i++) t += pt[j * mDim + i] * task.coefficients[i]; hv.push(t); }
  return { n, k, kernelScale: (trace * inv) / n, s, a, p, rest, h: Array.from(hm), hv, constant: vv + task.noiseVar };
}

/** Exact population test risk and train error (mean squared, over the n training rows) of the fit at ridge delta > 0, from its ridge spectrum. */
export function rfSpectrumRisk(sp: RfRidgeSpectrum, delta: number): { test: number; train: number } {
  if (!(delta > 0)) throw new Error(`rfSpectrumRisk: delta must be > 0, got ${delta}`);
  const m = sp.s.length;
  const d = new Float64Array(m);
  let train = sp.rest;
  for (let j = 0; j < m; j++) { d[j] = sp.a[j] / (sp.s[j] + delta); const q = delta / (sp.s[j] + delta); train += sp.p[j] * q * q; }
  let test = sp.constant;
  for (let j = 0; j < m; j++) {
    let t = 0;
    const o = j * m;
    for (let l = 0; l < m; l++) t += sp.h[o + l] * d[l];
    test += d[j] * t - 2 * d[j] * sp.hv[j];
  }
  return { test, train: train / sp.n };
}

/**
 * Golden-section search for the minimum of a unimodal function on [lo, hi] (to within `tol`): the argument and
 * the value there.
 */
export function goldenSectionMinimum(g: (x: number) => number, lo: number, hi: number, tol = 1e-6): { x: number; value: number } {
  if (!(hi > lo)) throw new Error(`goldenSectionMinimum: need lo < hi, got ${lo}, ${hi}`);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lo, b = hi;
  let c = b - phi * (b - a), d = a + phi * (b - a);
  let gc = g(c), gd = g(d);
  while (b - a > tol) {
    if (gc <= gd) { b = d; d = c; gd = gc; c = b - phi * (b - a); gc = g(c); } else { a = c; c = d; gc = gd; d = a + phi * (b - a); gd = g(d); }
  }
  const x = (a + b) / 2;
  const candidates = [[lo, g(lo)], [x, g(x)], [hi, g(hi)]];
  let best = candidates[1];
  for (const q of candidates) if (q[1] < best[1]) best = q;
  return { x: best[0], value: best[1] };
}
