/** The exact regression toolkit against closed forms on small cases. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  cholesky, choleskySolve, collapseChain, gaussianMatrix, gram, matMul, matTVec, matVec, minNormFit, mpExpectation, olsCollapseError, optimalCollapseRidge,
  outerGram, ridgeCollapseError, ridgeFit, ridgeGradient,
} from '../src/techniques/high-dim-regression/index.js';

describe('linear algebra', () => {
  it('gram, outerGram, matMul and a Cholesky solve agree with direct computation', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 10, 1, 0, 2, 3, 1, 1); // 5 x 3
    const g = gram(a, 5, 3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let r = 0; r < 5; r++) s += a[r * 3 + i] * a[r * 3 + j];
      expect(g[i * 3 + j]).toBe(s);
    }
    const at = new Float64Array(15);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) at[c * 5 + r] = a[r * 3 + c];
    expect(Array.from(outerGram(at, 3, 5))).toEqual(Array.from(g));
    expect(Array.from(matMul(at, a, 3, 5, 3))).toEqual(Array.from(g));
    const b = Float64Array.of(1, -2, 0.5);
    const x = choleskySolve(cholesky(g, 3), 3, b);
    const back = matVec(g, 3, 3, x);
    for (let i = 0; i < 3; i++) expect(back[i]).toBeCloseTo(b[i], 10);
  });

  it('throws on bad input, naming the function', () => {
    expect(() => cholesky(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/cholesky: .*not positive definite/);
    expect(() => gram(new Float64Array(5), 2, 3)).toThrow(/gram: /);
    expect(() => ridgeFit(new Float64Array(6), [1, 2], 2, 3, 0)).toThrow(/ridgeFit: OLS needs n > d/);
    expect(() => mpExpectation(() => 1, 2)).toThrow(/mpExpectation: .*atZero/);
    expect(() => olsCollapseError({ d: 10, T: 11, T0: 30, sigma: 1, sigma0: 1 }, 1)).toThrow(/olsCollapseError: T must exceed d \+ 1/);
  });
});

describe('least-squares fits', () => {
  it('ridge is stationary; the min-norm fit interpolates and lies in the row space (the ridgeless limit)', () => {
    const rng = new Rng(3);
    const [n, d] = [8, 5];
    const x = gaussianMatrix(n, d, rng), y = gaussianMatrix(1, n, rng);
    const g = ridgeGradient(x, y, n, d, 0.7, ridgeFit(x, y, n, d, 0.7));
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-12);
    // n < d: X w = y exactly, and w = X^T alpha; ridge with a tiny lambda approaches it
    const xw = gaussianMatrix(4, 9, rng), yw = gaussianMatrix(1, 4, rng);
    const w = minNormFit(xw, yw, 4, 9);
    const fit = matVec(xw, 4, 9, w);
    for (let i = 0; i < 4; i++) expect(fit[i]).toBeCloseTo(yw[i], 10);
    const alpha = choleskySolve(cholesky(outerGram(xw, 4, 9), 4), 4, matVec(xw, 4, 9, w));
    const rowSpace = matTVec(xw, 4, 9, alpha);
    for (let j = 0; j < 9; j++) expect(rowSpace[j]).toBeCloseTo(w[j], 10);
    const tiny = ridgeFit(xw, yw, 4, 9, 1e-9);
    for (let j = 0; j < 9; j++) expect(tiny[j]).toBeCloseTo(w[j], 5);
  });
});

describe('Marchenko-Pastur', () => {
  it('has the law\'s moments: E 1 = 1, E mu = 1, E mu^2 = 1 + gamma, E 1/mu = 1/(1 - gamma); the atom at 0 for gamma > 1', () => {
    for (const g of [0.2, 0.5, 0.8]) {
      expect(mpExpectation(() => 1, g)).toBeCloseTo(1, 10);
      expect(mpExpectation((m) => m, g)).toBeCloseTo(1, 10);
      expect(mpExpectation((m) => m * m, g)).toBeCloseTo(1 + g, 10);
      expect(mpExpectation((m) => 1 / m, g)).toBeCloseTo(1 / (1 - g), 8);
    }
    expect(mpExpectation(() => 1, 2.5, { atZero: 1 })).toBeCloseTo(1, 10);
    expect(mpExpectation((m) => m, 2.5, { atZero: 0 })).toBeCloseTo(1, 10);
    expect(mpExpectation((m) => m * m, 2.5, { atZero: 0 })).toBeCloseTo(3.5, 10);
  });
});

describe('model collapse', () => {
  const s = { d: 10, T: 30, T0: 25, sigma: 0.5, sigma0: 1 };
  it('the ridge formula at lambda = 0 is the OLS formula in its proportional limit (d / (T - d) for the downstream part)', () => {
    for (const n of [0, 3]) expect(ridgeCollapseError(s, n, 0, 4)).toBeCloseTo((0.25 * 10) / 20 + (n * 10) / 14, 8);
    // clean data: the optimal ridge is the classical sigma^2 d / (T |w0|^2) (per-direction Bayes ridge)
    expect(optimalCollapseRidge(s, 0, 4)).toBeCloseTo((0.25 * 10) / (30 * 4), 5);
  });

  it('without fake-label noise every generation reproduces w0 exactly, so the test error is flat', () => {
    const w0 = gaussianMatrix(1, 10, new Rng(1));
    const out = collapseChain({ ...s, sigma0: 0 }, w0, 4, [{ name: 'ols', lambda: () => 0 }], new Rng(2));
    for (const e of out.ols) expect(e).toBeCloseTo(out.ols[0], 10);
  });

  it('the mean OLS test error over chains matches sigma^2 d/(T-d-1) + n sigma0^2 d/(T0-d-1) (Monte Carlo, 3%)', () => {
    const w0 = gaussianMatrix(1, 10, new Rng(4));
    const R = 1500;
    const acc = [0, 0, 0];
    const rng = new Rng(5);
    for (let r = 0; r < R; r++) collapseChain(s, w0, 2, [{ name: 'ols', lambda: () => 0 }], rng.fork(`c${r}`)).ols.forEach((v, n) => (acc[n] += v / R));
    for (let n = 0; n <= 2; n++) expect(Math.abs(acc[n] / olsCollapseError(s, n) - 1)).toBeLessThan(0.03);
  });
});
