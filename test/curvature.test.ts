/**
 * The curvature toolkit against exact computations: a small MLP's full Hessian is built column by
 * column from HVPs and eigendecomposed by Jacobi; power iteration, Lanczos, Hutchinson and SLQ must
 * reproduce its eigenvalues, trace and moments, and per-layer operators its diagonal blocks.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { ggnOperator, hessianOperator, matrixOperator } from '../src/techniques/curvature/operator.js';
import { composeLoss } from '../src/techniques/curvature/ggn.js';
import { backtracking, conjugateGradient } from '../src/techniques/curvature/solve.js';
import { denseMatrix, densityOnGrid, hutchinsonTrace, jacobiEigen, lanczosEigenvalues, powerIteration, spectralDensity } from '../src/techniques/curvature/spectrum.js';

describe('Jacobi eigensolver', () => {
  it('diagonalises a random symmetric matrix', () => {
    const n = 12;
    const rng = new Rng(1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = jacobiEigen(a, n);
    const op = matrixOperator(a, n);
    values.forEach((lam, k) => {
      const av = op.apply(vectors[k]);
      av.forEach((x, i) => expect(x).toBeCloseTo(lam * vectors[k][i], 10));
    });
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(Array.from({ length: n }, (_, i) => a[i * n + i]).reduce((s, v) => s + v, 0), 10);
    expect(values).toEqual([...values].sort((x, y) => y - x));
  });

  it('knows a matrix with known eigenvalues', () => {
    // [[2,1],[1,2]] has eigenvalues 3 and 1
    expect(jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2).values.map((v) => +v.toFixed(12))).toEqual([3, 1]);
  });
});

describe('estimators against the exact Hessian of a small MLP', () => {
  const rng = new Rng(5);
  const model = mlp({ sizes: [4, 6, 3], activation: 'tanh' }, rng);
  const x = rng.normalTensor([32, 4]);
  const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), 'int32');
  const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
  const op = hessianOperator(loss, model.params);
  const H = denseMatrix(op);
  const exact = jacobiEigen(H, op.dim);
  const trace = exact.values.reduce((s, v) => s + v, 0);
  afterAll(() => { model.dispose(); tf.dispose([x, y]); });

  it('has the dimension of all parameters and a symmetric Hessian', () => {
    expect(op.dim).toBe(4 * 6 + 6 + 6 * 3 + 3);
    // the columns came from independent HVPs: symmetric before symmetrising, to float32 precision
    const raw = new Float64Array(op.dim);
    raw[3] = 1;
    const col = op.apply(raw);
    raw[3] = 0;
    raw[17] = 1;
    expect(op.apply(raw)[3]).toBeCloseTo(col[17], 5);
  });

  it('power iteration with deflation finds the top eigenvalues by magnitude', () => {
    const byMagnitude = [...exact.values].sort((a, b) => Math.abs(b) - Math.abs(a)).slice(0, 3);
    const tight = powerIteration(op, { k: 3, maxIter: 2000, tol: 1e-9, rng: new Rng(1) });
    tight.values.forEach((v, i) => expect(Math.abs(v - byMagnitude[i]) / Math.abs(byMagnitude[0])).toBeLessThan(1e-4));
    // PyHessian's defaults (100 iterations, tol 1e-3) land within 1% on the top eigenvalue
    const quick = powerIteration(op, { rng: new Rng(2) });
    expect(Math.abs(quick.values[0] - byMagnitude[0]) / Math.abs(byMagnitude[0])).toBeLessThan(1e-2);
  });

  it('Lanczos finds the top eigenvalues', () => {
    const top = lanczosEigenvalues(op, { k: 3, steps: op.dim, rng: new Rng(3) });
    top.forEach((v, i) => expect(Math.abs(v - exact.values[i]) / Math.abs(exact.values[0])).toBeLessThan(1e-5));
    // 20 steps already give the largest eigenvalue
    expect(Math.abs(lanczosEigenvalues(op, { steps: 20, rng: new Rng(4) })[0] - exact.values[0]) / exact.values[0]).toBeLessThan(1e-3);
  });

  it("Hutchinson's trace is within 3 standard errors of the exact trace", () => {
    const est = hutchinsonTrace(op, { samples: 400, rng: new Rng(6) });
    expect(Math.abs(est.mean - trace)).toBeLessThan(3 * est.stderr);
    // the error shrinks like 1/sqrt(samples)
    expect(hutchinsonTrace(op, { samples: 1600, rng: new Rng(9) }).stderr).toBeLessThan(0.6 * est.stderr);
  });

  it('SLQ reproduces the spectrum: full-length Lanczos nodes are eigenvalues, moments match', () => {
    // one start vector sees each distinct eigenvalue once (this Hessian has a repeated 0)
    const full = spectralDensity(op, { runs: 1, steps: op.dim, rng: new Rng(7) });
    const radius = Math.max(...exact.values.map(Math.abs));
    for (const v of full.nodes) expect(Math.min(...exact.values.map((e) => Math.abs(e - v))) / radius).toBeLessThan(1e-4);
    expect(full.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 10);
    // with distinct eigenvalues the nodes are all of them
    const eig = [5, -2, 0.5, 3.25, 7, 1, 2, 4];
    const diag = new Float64Array(64);
    eig.forEach((e, k) => (diag[k * 9] = e));
    const d8 = spectralDensity(matrixOperator(diag, 8), { runs: 1, steps: 8, rng: new Rng(10) });
    expect([...d8.nodes].sort((a, b) => a - b).map((v) => +v.toFixed(8))).toEqual([...eig].sort((a, b) => a - b));
    // first moment: E[sum w theta] = tr(H) / n over random starts
    const d = spectralDensity(op, { runs: 40, steps: 15, rng: new Rng(8) });
    const m1 = d.nodes.reduce((s, t, i) => s + d.weights[i] * t, 0);
    expect(Math.abs(m1 - trace / op.dim)).toBeLessThan(0.2 * Math.abs(trace / op.dim) + 1e-3);
    const grid = Array.from({ length: 50 }, (_, i) => exact.values.at(-1)! + (i / 49) * (exact.values[0] - exact.values.at(-1)!));
    const dens = densityOnGrid(d, grid, 0.05 * (exact.values[0] - exact.values.at(-1)!));
    expect(dens.every((v) => v >= 0)).toBe(true);
  });

  it('per-layer operators are the diagonal blocks of the full Hessian', () => {
    const n = op.dim;
    const layer = hessianOperator(loss, model.params, [2]);
    const block = denseMatrix(layer);
    const offset = 4 * 6 + 6;
    expect(layer.dim).toBe(6 * 3);
    for (let i = 0; i < layer.dim; i++) for (let j = 0; j < layer.dim; j++) {
      expect(block[i * layer.dim + j]).toBeCloseTo(H[(offset + i) * n + offset + j], 5);
    }
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    op.apply(new Float64Array(op.dim).fill(0.1));
    hutchinsonTrace(op, { samples: 3, rng: new Rng(1) });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => op.apply(new Float64Array(3))).toThrow(/vector of 3, expected 51/);
  });
});

describe('Gauss-Newton products against an explicit J^T H_z J', () => {
  const rng = new Rng(8);
  const n = 6;
  const k = 3;
  const model = mlp({ sizes: [4, 5, k], activation: 'tanh' }, rng);
  const x = rng.normalTensor([n, 4]);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % k), 'int32');
  const outputs = (ps: tf.Tensor[]) => model.apply(x, ps);
  const loss = (z: tf.Tensor) => crossEntropy()(z as tf.Tensor2D, y);
  const op = ggnOperator(outputs, loss, model.params);
  afterAll(() => { model.dispose(); tf.dispose([x, y]); });

  it('matches the Gauss-Newton matrix built from the full Jacobian and the softmax Hessian', () => {
    const d = op.dim;
    // J: one row per output entry, by a vector-Jacobian product with a one-hot cotangent
    const J: Float64Array[] = [];
    for (let r = 0; r < n * k; r++) {
      const row = tf.tidy(() => {
        const u = tf.oneHot(tf.tensor1d([r], 'int32'), n * k).reshape([n, k]);
        const g = tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(outputs(ps), u)))([...model.params]);
        return tf.concat(g.map((t) => t.flatten()));
      });
      J.push(Float64Array.from(row.dataSync()));
      row.dispose();
    }
    // H_z of the mean cross-entropy: block diagonal, (diag(p) - p p^T) / n per sample
    const p = tf.tidy(() => tf.softmax(outputs([...model.params]))).arraySync() as number[][];
    const G = new Float64Array(d * d);
    for (let s = 0; s < n; s++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      const h = ((a === b ? p[s][a] : 0) - p[s][a] * p[s][b]) / n;
      if (h === 0) continue;
      const ja = J[s * k + a];
      const jb = J[s * k + b];
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) G[i * d + j] += ja[i] * h * jb[j];
    }
    const dense = denseMatrix(op);
    let err = 0;
    let scale = 0;
    for (let i = 0; i < d * d; i++) { err = Math.max(err, Math.abs(dense[i] - G[i])); scale = Math.max(scale, Math.abs(G[i])); }
    expect(err / scale).toBeLessThan(1e-5);
    // positive semi-definite, unlike the Hessian of the same loss
    expect(jacobiEigen(dense, d).values.at(-1)!).toBeGreaterThan(-1e-6 * scale);
  });

  it('equals the Hessian for a linear model (the outputs have no curvature)', () => {
    const lin = mlp({ sizes: [4, k] }, new Rng(2));
    const out = (ps: tf.Tensor[]) => lin.apply(x, ps);
    const G = denseMatrix(ggnOperator(out, loss, lin.params));
    const H = denseMatrix(hessianOperator(composeLoss(out, loss), lin.params));
    G.forEach((g, i) => expect(g).toBeCloseTo(H[i], 5));
    lin.dispose();
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    op.apply(new Float64Array(op.dim).fill(0.1));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('conjugate gradient and line search', () => {
  it('solves a damped SPD system to the tolerance, in at most n steps', () => {
    const n = 8;
    const rng = new Rng(3);
    const m = Array.from({ length: n * n }, () => rng.normal());
    // A = M M^T is positive semi-definite
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += m[i * n + k] * m[j * n + k];
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const { x, iterations, relResidual } = conjugateGradient(matrixOperator(a, n), b, { damping: 0.5, tol: 1e-10 });
    expect(iterations).toBeLessThanOrEqual(n + 2);
    expect(relResidual).toBeLessThan(1e-10);
    const ax = matrixOperator(a, n).apply(x);
    ax.forEach((v, i) => expect(v + 0.5 * x[i]).toBeCloseTo(b[i], 8));
  });

  it('backtracking takes the full step when it decreases enough, halves otherwise', () => {
    // f(x) = x^2 from x = 1 along d = -1: slope -2; t = 1 gives f = 0
    expect(backtracking((t) => (1 - t) ** 2, 1, -2).step).toBe(1);
    // along d = -4 the full step overshoots to 9; t = 1/4 lands on 0
    expect(backtracking((t) => (1 - 4 * t) ** 2, 1, -8).step).toBe(0.25);
    expect(backtracking(() => 2, 1, -1, { maxHalvings: 5 })).toEqual({ step: 0, value: 1, evaluations: 5 });
  });
});
