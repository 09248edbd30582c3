/**
 * Eigenvalues, traces and spectral densities from Hessian-vector products alone, as in PyHessian:
 * power iteration with deflation, Lanczos with full reorthogonalisation, Hutchinson's trace estimator
 * (Rademacher probes) and stochastic Lanczos quadrature. Plus the exact references used to check them:
 * the dense matrix of an operator and a Jacobi eigensolver.
 */
import type { Rng } from '../../random/rng.js';
import { dot, gaussianVector, norm, normalize, orthogonalize, rademacherVector } from '../../linalg/vectors.js';
import type { SymmetricOperator } from './operator.js';

import { jacobiEigen } from '../../linalg/eigen.js';

// the exact reference solver (src/linalg), part of this toolkit's API too
export { jacobiEigen };

/** Eigenvalues (largest magnitude first) with their unit eigenvectors, and the operator applications spent. */
export interface EigenResult {
  values: number[];
  vectors: Float64Array[];
  /** operator applications used */
  iterations: number;
}

/**
 * The k eigenvalues of largest magnitude by power iteration, deflating the ones found (PyHessian's
 * `eigenvalues`: maxIter = 100, tol = 1e-3 relative change of the Rayleigh quotient).
 */
export function powerIteration(op: SymmetricOperator, opts: { k?: number; maxIter?: number; tol?: number; rng: Rng }): EigenResult {
  const k = opts.k ?? 1;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-3;
  const values: number[] = [];
  const vectors: Float64Array[] = [];
  let iterations = 0;
  for (let j = 0; j < k; j++) {
    let v = gaussianVector(op.dim, opts.rng);
    orthogonalize(v, vectors);
    v = normalize(v);
    let lambda = NaN;
    for (let it = 0; it < maxIter; it++) {
      const hv = op.apply(v);
      iterations++;
      orthogonalize(hv, vectors);
      const next = dot(v, hv);
      const n = norm(hv);
      if (n === 0) { lambda = 0; break; }
      v = hv.map((x) => x / n);
      const converged = Number.isFinite(lambda) && Math.abs(next - lambda) <= tol * (Math.abs(lambda) + 1e-6);
      lambda = next;
      if (converged) break;
    }
    values.push(lambda);
    vectors.push(v);
  }
  return { values, vectors, iterations };
}

/** A symmetric tridiagonal matrix: diagonal `alpha` (m entries) and off-diagonal `beta` (m - 1). */
export interface Tridiagonal {
  alpha: number[];
  beta: number[];
}

/** m steps of Lanczos from `start` with full reorthogonalisation (stops early on an invariant subspace). */
export function lanczos(op: SymmetricOperator, m: number, start: Float64Array): Tridiagonal & { basis: Float64Array[] } {
  const basis: Float64Array[] = [normalize(start)];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (let j = 0; j < Math.min(m, op.dim); j++) {
    const w = op.apply(basis[j]);
    const a = dot(w, basis[j]);
    alpha.push(a);
    orthogonalize(w, basis);
    const b = norm(w);
    if (j === Math.min(m, op.dim) - 1 || b < 1e-10 * (Math.abs(a) + 1)) break;
    beta.push(b);
    basis.push(w.map((x) => x / b));
  }
  return { alpha, beta, basis };
}

/** Eigen-decomposition of a symmetric tridiagonal matrix (via the dense Jacobi solver: m is small). */
export function tridiagonalEigen(t: Tridiagonal): { values: number[]; vectors: Float64Array[] } {
  const m = t.alpha.length;
  const a = new Float64Array(m * m);
  t.alpha.forEach((x, i) => (a[i * m + i] = x));
  t.beta.slice(0, m - 1).forEach((x, i) => { a[i * m + i + 1] = x; a[(i + 1) * m + i] = x; });
  return jacobiEigen(a, m);
}

/** The k largest (algebraic) eigenvalues by Lanczos: Ritz values of an m-step run. */
export function lanczosEigenvalues(op: SymmetricOperator, opts: { k?: number; steps?: number; rng: Rng }): number[] {
  const k = opts.k ?? 1;
  const t = lanczos(op, opts.steps ?? Math.min(op.dim, Math.max(2 * k + 10, 30)), gaussianVector(op.dim, opts.rng));
  return tridiagonalEigen(t).values.sort((x, y) => y - x).slice(0, k);
}

/** A Monte Carlo trace estimate: mean over `samples` probes and its standard error. */
export interface TraceEstimate {
  mean: number;
  /** standard error of the mean over probes */
  stderr: number;
  samples: number;
}

/** Hutchinson: tr(H) = E[z^T H z] for Rademacher z. */
export function hutchinsonTrace(op: SymmetricOperator, opts: { samples?: number; rng: Rng }): TraceEstimate {
  const n = opts.samples ?? 100;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = rademacherVector(op.dim, opts.rng);
    xs.push(dot(z, op.apply(z)));
  }
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return { mean, stderr: sd / Math.sqrt(n), samples: n };
}

/** A stochastic Lanczos quadrature estimate of the spectral density, as parallel arrays of nodes, weights and run indices. */
export interface SpectralDensity {
  /** Ritz values of every run, with their quadrature weights (each run's weights sum to 1/runs) */
  nodes: number[];
  weights: number[];
  /** the run each node came from */
  run: number[];
}

/**
 * The q-th spectral moment (an estimate of tr(H^q) / n) from each run separately: its spread over runs
 * gives the Monte Carlo standard error of the pooled estimate.
 */
export function runMoments(d: SpectralDensity, q: number): number[] {
  const runs = Math.max(...d.run) + 1;
  const m = new Array(runs).fill(0);
  d.nodes.forEach((t, i) => (m[d.run[i]] += d.weights[i] * runs * t ** q));
  return m;
}

/** Stochastic Lanczos quadrature (Ghorbani et al. 2019, PyHessian's density): `runs` probes, m steps each. */
export function spectralDensity(op: SymmetricOperator, opts: { runs?: number; steps?: number; rng: Rng }): SpectralDensity {
  const runs = opts.runs ?? 1;
  const d: SpectralDensity = { nodes: [], weights: [], run: [] };
  for (let r = 0; r < runs; r++) {
    const t = lanczos(op, opts.steps ?? 90, gaussianVector(op.dim, opts.rng));
    const { values, vectors } = tridiagonalEigen(t);
    values.forEach((v, i) => {
      d.nodes.push(v);
      d.weights.push(vectors[i][0] ** 2 / runs);
      d.run.push(r);
    });
  }
  return d;
}

/** The density smoothed with a Gaussian of width `sigma`, on `grid` points (for plotting). */
export function densityOnGrid(d: SpectralDensity, grid: number[], sigma: number): number[] {
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  return grid.map((x) => d.nodes.reduce((s, t, i) => s + d.weights[i] * c * Math.exp(-((x - t) ** 2) / (2 * sigma * sigma)), 0));
}

/** The dense matrix of an operator, column by column (n applications): the exact reference. */
export function denseMatrix(op: SymmetricOperator): Float64Array {
  const n = op.dim;
  const a = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = op.apply(e);
    for (let i = 0; i < n; i++) a[i * n + j] = col[i];
  }
  // symmetrise: float32 HVPs differ from their transpose in the last bits
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = (a[i * n + j] + a[j * n + i]) / 2;
  return a;
}
