/** Random-feature ridge regression (More is Better, I3) against exact computations and Monte Carlo on small cases. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  gaussianFeatureMap, gaussianMatrix, gaussianTaskSample, geometricSpectrum, krrRiskEstimate, leadingColumns, matMul, matMulT, matTVec, meanSquaredErrorRows,
  powerLawExponent, powerLawSpectrum, reluFeatures, rfPopulationRisk, rfPredict, rfRidgePath, rfRiskEstimate, ridgeFit, ridgeGradient, type GaussianRfTask,
  goldenSectionMinimum, rfRidgeSpectrum, rfSpectrumRisk,
} from '../src/techniques/high-dim-regression/index.js';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

function task(m: number, noiseVar = 0.01): GaussianRfTask {
  return { eigenvalues: powerLawSpectrum(m, 1.5), coefficients: powerLawSpectrum(m, 1.5).map(Math.sqrt), noiseVar };
}

describe('spectra and matrix helpers', () => {
  it('power-law and geometric spectra have the asked shape and total; the fitted exponent of an exact power law is exact', () => {
    const p = powerLawSpectrum(50, 1.5, 2);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 12);
    expect(p[0] / p[3]).toBeCloseTo(4 ** 1.5, 10);
    const g = geometricSpectrum(30, 0.7);
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(g[5] / g[4]).toBeCloseTo(0.7, 12);
    expect(powerLawExponent(p, 2, 40)).toBeCloseTo(1.5, 10);
    expect(powerLawExponent(Array.from(p).reverse(), 1, 50)).toBeCloseTo(1.5, 10);
    expect(() => powerLawExponent(p, 3, 3)).toThrow(/powerLawExponent: ranks/);
    expect(() => geometricSpectrum(5, 1)).toThrow(/geometricSpectrum: ratio/);
  });

  it('matMulT is A B^T; leadingColumns keeps the first columns; reluFeatures is max(0, X W^T)', () => {
    const rng = new Rng(1);
    const a = gaussianMatrix(4, 3, rng), b = gaussianMatrix(5, 3, rng);
    const bt = new Float64Array(15);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) bt[c * 5 + r] = b[r * 3 + c];
    expect(maxAbs(matMulT(a, b, 4, 3, 5), matMul(a, bt, 4, 3, 5))).toBeLessThan(1e-14);
    const lc = leadingColumns(b, 5, 3, 2);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 2; c++) expect(lc[r * 2 + c]).toBe(b[r * 3 + c]);
    const z = reluFeatures(a, 4, 3, b, 5), full = matMulT(a, b, 4, 3, 5);
    for (let i = 0; i < z.length; i++) expect(z[i]).toBe(Math.max(0, full[i]));
    expect(() => matMulT(a, b, 4, 2, 5)).toThrow(/matMulT: A has/);
  });
});

describe('RF ridge path', () => {
  const rng = new Rng(7);
  const t = task(60);
  const f = gaussianFeatureMap(40, t.eigenvalues, rng);

  for (const [n, k] of [[25, 40], [40, 25]] as const) {
    it(`primal and dual agree and both are the toolkit's ridge with lambda = delta / n (n = ${n}, k = ${k})`, () => {
      const { x, y } = gaussianTaskSample(t, n, rng);
      const z = matMulT(x, f.subarray(0, k * 60), n, 60, k);
      const phi = z.map((v) => v / Math.sqrt(k));
      const delta = 0.02;
      const primal = rfRidgePath(z, n, k, y, 1, 'primal'), dual = rfRidgePath(z, n, k, y, 1, 'dual');
      const tp = primal.solve(delta), td = dual.solve(delta);
      const scale = Math.max(...tp.map(Math.abs));
      expect(maxAbs(tp, td) / scale).toBeLessThan(1e-9);
      // ridgeFit minimises (1/n)|y - Phi w|^2 + lambda |w|^2: the same theta at lambda = delta / n, and its gradient vanishes
      expect(maxAbs(ridgeFit(phi, y, n, k, delta / n), tp) / scale).toBeLessThan(1e-9);
      expect(Math.max(...ridgeGradient(phi, y, n, k, delta / n, td).map(Math.abs))).toBeLessThan(1e-10);
      // the default form is the smaller side; the kernel scale is the mean diagonal of Phi Phi^T
      expect(rfRidgePath(z, n, k, y).form).toBe(k <= n ? 'primal' : 'dual');
      let diag = 0;
      for (let i = 0; i < n * k; i++) diag += phi[i] ** 2;
      expect(primal.kernelScale).toBeCloseTo(diag / n, 12);
      // predictions: through theta, and (dual) through the cross-kernel, on training and fresh inputs
      const fresh = gaussianTaskSample(t, 7, rng);
      const zf = matMulT(fresh.x, f.subarray(0, k * 60), 7, 60, k);
      for (const path of [primal, dual]) {
        const fit = path.fit(delta);
        expect(maxAbs(fit.trainPredictions(), rfPredict(z, n, k, fit.theta()))).toBeLessThan(1e-10);
        expect(maxAbs(fit.predict(path.evaluationSet(zf, 7)), rfPredict(zf, 7, k, fit.theta()))).toBeLessThan(1e-10);
      }
      expect(() => primal.solve(0)).toThrow(/delta must be > 0/);
    });
  }

  it('multi-output targets are solved column by column', () => {
    const n = 12, k = 9;
    const z = gaussianMatrix(n, k, rng), y = gaussianMatrix(n, 3, rng);
    for (const form of ['primal', 'dual'] as const) {
      const theta = rfRidgePath(z, n, k, y, 3, form).solve(0.5);
      for (let o = 0; o < 3; o++) {
        const col = Float64Array.from({ length: n }, (_, r) => y[r * 3 + o]);
        const single = rfRidgePath(z, n, k, col, 1, form).solve(0.5);
        expect(maxAbs(Float64Array.from({ length: k }, (_, c) => theta[c * 3 + o]), single)).toBeLessThan(1e-12);
      }
    }
    expect(meanSquaredErrorRows([1, 2, 3, 4], [0, 2, 3, 6], 2)).toBe(2.5);
  });

  it('the population risk of the Gaussian task is |F^T theta / sqrt(k) - v|^2 + sigma^2, matching a large test sample', () => {
    const k = 40, m = 60;
    const { x, y } = gaussianTaskSample(t, 30, rng);
    const theta = rfRidgePath(matMulT(x, f, 30, m, k), 30, k, y).solve(0.01);
    const u = matTVec(f, k, m, theta).map((v) => v / Math.sqrt(k));
    let exact = t.noiseVar;
    for (let i = 0; i < m; i++) exact += (u[i] - t.coefficients[i]) ** 2;
    expect(rfPopulationRisk(f, k, t, theta)).toBeCloseTo(exact, 12);
    const test = gaussianTaskSample(t, 20000, new Rng(11));
    const mc = meanSquaredErrorRows(rfPredict(matMulT(test.x, f, 20000, m, k), 20000, k, theta), test.y, 20000);
    expect(Math.abs(mc / exact - 1)).toBeLessThan(0.03);
  });
});

describe('the paper\'s risk estimates', () => {
  it('KRR: the effective ridge solves its equation, train = (delta / (n kappa))^2 test, and a huge ridge learns nothing', () => {
    const t = task(300);
    const c2 = t.coefficients.map((v) => v * v);
    const r = krrRiskEstimate(t.eigenvalues, c2, 50, 0.01, t.noiseVar);
    const z = t.eigenvalues.reduce((a, l) => a + l / (l + r.kappa), 0);
    expect(z + 0.01 / r.kappa).toBeCloseTo(50, 8);
    expect(r.train / r.test).toBeCloseTo((0.01 / (50 * r.kappa)) ** 2, 12);
    expect(krrRiskEstimate(t.eigenvalues, c2, 50, 1e9, t.noiseVar).test).toBeCloseTo(1 + t.noiseVar, 6);
  });

  it('RF: its k -> infinity limit is the KRR estimate, and its risk tracks the Monte Carlo average of exact RF risks', () => {
    const t = task(300);
    const c2 = t.coefficients.map((v) => v * v);
    expect(rfRiskEstimate(t.eigenvalues, c2, 60, 1e12, 0.003, t.noiseVar).risk / krrRiskEstimate(t.eigenvalues, c2, 60, 0.003, t.noiseVar).test - 1).toBeCloseTo(0, 6);
    const rng = new Rng(5);
    for (const [n, k, delta] of [[60, 30, 0.003], [60, 120, 0.003], [60, 60, 0.03]] as const) {
      let sum = 0;
      const draws = 60;
      for (let d = 0; d < draws; d++) {
        const f = gaussianFeatureMap(k, t.eigenvalues, rng);
        const { x, y } = gaussianTaskSample(t, n, rng);
        sum += rfPopulationRisk(f, k, t, rfRidgePath(matMulT(x, f, n, 300, k), n, k, y).solve(delta));
      }
      const est = rfRiskEstimate(t.eigenvalues, c2, n, k, delta, t.noiseVar).risk;
      // an asymptotic estimate: a few per cent at n = 60 (the Monte Carlo standard error is ~1-2%)
      expect(Math.abs(sum / draws / est - 1)).toBeLessThan(0.08);
    }
  });
});

describe('ridge spectrum: exact risk and train error in closed form in the ridge', () => {
  it('equals the direct Cholesky fit (population risk and train error) for k > n, k < n and k = n, down to the ridgeless limit', () => {
    const rng = new Rng(17);
    const m = 50, n = 20;
    const t = task(m);
    const f = gaussianFeatureMap(45, t.eigenvalues, rng);
    const { x, y } = gaussianTaskSample(t, n, rng);
    const z = matMulT(x, f, n, m, 45);
    let yy = 0;
    for (const v of y) yy += (v * v) / n;
    for (const k of [45, 20, 8]) {
      const zk = leadingColumns(z, n, 45, k);
      const sp = rfRidgeSpectrum(zk, n, k, y, f, t);
      const path = rfRidgePath(zk, n, k, y);
      expect(sp.kernelScale).toBeCloseTo(path.kernelScale, 12);
      for (const e of [-9, -6, -3, -1, 0, 2]) {
        const delta = path.kernelScale * 10 ** e;
        const fit = path.fit(delta);
        const got = rfSpectrumRisk(sp, delta);
        expect(Math.abs(got.test / rfPopulationRisk(f, k, t, fit.theta()) - 1)).toBeLessThan(1e-9);
        expect(Math.abs(got.train - meanSquaredErrorRows(fit.trainPredictions(), y, n)) / yy).toBeLessThan(1e-9);
      }
    }
  });
  it('golden section finds the minimum of a smooth unimodal function to its tolerance, and keeps an end point when the minimum is there', () => {
    const r = goldenSectionMinimum((v) => (v - 0.3) ** 2 + 1, -2, 2, 1e-8);
    expect(Math.abs(r.x - 0.3)).toBeLessThan(1e-7);
    expect(r.value).toBeCloseTo(1, 12);
    expect(goldenSectionMinimum((v) => v, 0, 1, 1e-6).x).toBe(0);
  });
});
