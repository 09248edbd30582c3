import { describe, expect, it } from 'vitest';
import { jacobiEigen } from '../src/linalg/eigen.js';
import { householderQlEigenvalues } from '../src/linalg/symmetric-ql.js';
import { Rng } from '../src/random/rng.js';
import {
  blasRidgeFit, deepFeatureCovariance, deepFeatureSecondMoment, deepGaussianEquivalentFeatures, gaussianFeaturesWithCovariance, deepLinearCovariance, deepRandomFeatures, deepRandomNetwork, dot, gaussianMatrix,
  cholesky, hermiteCoefficients, matMul, matVec, meanSquaredProjection, ridgeCollapseError, ridgeDegreesOfFreedom, ridgeEffectiveRegularization,
  ridgeEquivalent, ridgeEquivalentFromSpectrum, ridgeFit, ridgeRiskGivenDesign, scaledTanh, spdInverse,
} from '../src/techniques/high-dim-regression/index.js';

const symmetric = (n: number, rng: Rng) => {
  const b = gaussianMatrix(n, n, rng);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = b[i * n + j] + b[j * n + i];
  return s;
};
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('householderQlEigenvalues', () => {
  it('matches cyclic Jacobi on random, diagonal and degenerate symmetric matrices', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 7, 35]) {
      const s = symmetric(n, rng);
      expect(maxAbs(householderQlEigenvalues(s, n), jacobiEigen(s, n).values.slice().sort((x, y) => x - y))).toBeLessThan(1e-10);
    }
    const diag = new Float64Array(16);
    [3, -1, 0, 2].forEach((v, i) => (diag[i * 4 + i] = v));
    expect(Array.from(householderQlEigenvalues(diag, 4))).toEqual([-1, 0, 2, 3]);
    // I + u u^T: eigenvalue 1 (n - 1 times) and 1 + |u|^2
    const n = 12, u = gaussianMatrix(1, n, rng);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = (i === j ? 1 : 0) + u[i] * u[j];
    const ev = householderQlEigenvalues(m, n);
    expect(maxAbs(ev.slice(0, n - 1), new Float64Array(n - 1).fill(1))).toBeLessThan(1e-12);
    expect(ev[n - 1]).toBeCloseTo(1 + dot(u, u), 10);
  });
});

describe('ridge deterministic equivalent', () => {
  it('kappa solves its equation, with n above and below k', () => {
    const spec = Float64Array.from({ length: 100 }, (_, i) => 1 / (i + 1));
    for (const n of [30, 100, 400]) for (const lam of [1e-4, 1e-2, 1]) {
      const kappa = ridgeEffectiveRegularization(spec, n, lam);
      expect(kappa).toBeGreaterThanOrEqual(lam);
      expect(Math.abs(kappa - lam - (kappa / n) * ridgeDegreesOfFreedom(spec, kappa).df1) / kappa).toBeLessThan(1e-12);
    }
    expect(() => ridgeEffectiveRegularization(spec, 10, 0)).toThrow(/lambda/);
  });

  it('is the Marchenko-Pastur ridge risk when Sigma = I', () => {
    const d = 80, rng = new Rng(2);
    const theta = gaussianMatrix(1, d, rng);
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    for (const [T, lam] of [[200, 0.01], [100, 0.1], [400, 1]]) {
      const de = ridgeEquivalent(eye, d, theta, T, lam, 0.5);
      const mp = ridgeCollapseError({ d, T, T0: 1000, sigma: Math.sqrt(0.5), sigma0: 0 }, 0, lam, dot(theta, theta));
      expect(Math.abs(de.risk / mp - 1)).toBeLessThan(1e-9);
      expect(de.bias + de.variance).toBeCloseTo(de.risk, 14);
    }
  });

  it('matches a Monte Carlo average of ridge on a Gaussian design with a power-law covariance (fixed and averaged teacher)', () => {
    const rng = new Rng(7);
    const k = 60, s2 = 0.25, draws = 300;
    const spec = Array.from({ length: k }, (_, i) => 1 / (i + 1));
    const sigma = new Float64Array(k * k);
    spec.forEach((v, i) => (sigma[i * k + i] = v));
    const theta = gaussianMatrix(1, k, rng);
    for (const [n, lam] of [[120, 0.01], [40, 0.01]]) {
      const de = ridgeEquivalent(sigma, k, theta, n, lam, s2);
      const deAvg = ridgeEquivalentFromSpectrum(spec, (kap) => spec.reduce((a, s) => a + s / (s + kap) ** 2, 0), n, lam, s2);
      let fixed = 0, averaged = 0;
      for (let r = 0; r < draws; r++) {
        const z = gaussianMatrix(n, k, rng);
        for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) z[i * k + j] *= Math.sqrt(spec[j]);
        const y = matVec(z, n, k, theta).map((v) => v + Math.sqrt(s2) * rng.normal());
        const delta = ridgeFit(z, y, n, k, lam).map((v, i) => v - theta[i]);
        fixed += dot(delta, matVec(sigma, k, k, delta)) / draws;
        averaged += ridgeRiskGivenDesign(z, n, k, lam, s2, { sigma }).risk / draws;
      }
      // finite-size corrections are O(1/k) and the Monte Carlo error about 1% here
      expect(Math.abs(fixed / de.risk - 1)).toBeLessThan(0.035);
      expect(Math.abs(averaged / deAvg.risk - 1)).toBeLessThan(0.02);
    }
  });
});

describe('ridgeRiskGivenDesign', () => {
  it('is the exact average over basis teachers and label noise, in both population forms', () => {
    const rng = new Rng(3);
    const k = 12, n = 20, m = 30, lam = 0.05, s2 = 0.4;
    const z = gaussianMatrix(n, k, rng), zt = gaussianMatrix(m, k, rng);
    const sigma = new Float64Array(k * k);
    for (let r = 0; r < m; r++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sigma[i * k + j] += (zt[r * k + i] * zt[r * k + j]) / m;
    const viaSigma = ridgeRiskGivenDesign(z, n, k, lam, s2, { sigma });
    const viaTest = ridgeRiskGivenDesign(z, n, k, lam, s2, { test: zt, m });
    expect(Math.abs(viaTest.risk / viaSigma.risk - 1)).toBeLessThan(1e-5);
    // bias: E_theta over theta = e_j (E theta theta^T = I); variance: s^2 sum_i over eps = e_i of the fitted map's risk
    let bias = 0, variance = 0;
    for (let j = 0; j < k; j++) {
      const w = ridgeFit(z, Float64Array.from({ length: n }, (_, i) => z[i * k + j]), n, k, lam);
      w[j] -= 1;
      bias += dot(w, matVec(sigma, k, k, w));
    }
    for (let i = 0; i < n; i++) {
      const w = ridgeFit(z, Float64Array.from({ length: n }, (_, r) => (r === i ? 1 : 0)), n, k, lam);
      variance += s2 * dot(w, matVec(sigma, k, k, w));
    }
    expect(Math.abs(viaSigma.bias / bias - 1)).toBeLessThan(1e-5);
    expect(Math.abs(viaSigma.variance / variance - 1)).toBeLessThan(1e-4);
  });

  it('spdInverse inverts and blasRidgeFit agrees with ridgeFit', () => {
    const rng = new Rng(4);
    const k = 25, n = 40;
    const z = gaussianMatrix(n, k, rng);
    const g = matMul(z.map((v, i) => z[(i % n) * k + Math.floor(i / n)]), z, k, n, k); // Z^T Z
    const inv = spdInverse(g, k, 0.3);
    const shifted = g.map((v, i) => v + (i % (k + 1) === 0 ? 0.3 : 0));
    const prod = matMul(inv, shifted, k, k, k);
    expect(maxAbs(prod, Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-10);
    const y = gaussianMatrix(1, n, rng);
    const a = ridgeFit(z, y, n, k, 0.01), b = blasRidgeFit(z, y, n, k, 0.01);
    expect(maxAbs(a, b) / Math.max(...a.map(Math.abs))).toBeLessThan(1e-4);
    expect(meanSquaredProjection(z, n, k, a)).toBeCloseTo(dot(matVec(z, n, k, a), matVec(z, n, k, a)) / n, 10);
  });
});

describe('deep random features', () => {
  it('Hermite coefficients of exact cases', () => {
    const id = hermiteCoefficients((z) => z);
    expect(id.mu0).toBeCloseTo(0, 12);
    expect(id.mu1).toBeCloseTo(1, 10);
    expect(id.muStar).toBeLessThan(1e-5);
    const cube = hermiteCoefficients((z) => z ** 3);
    expect(cube.mu1).toBeCloseTo(3, 9);
    expect(cube.second).toBeCloseTo(15, 8);
    expect(cube.muStar ** 2).toBeCloseTo(6, 8);
    // tanh: mu1 = E tanh'(g) by Stein's lemma
    const t = hermiteCoefficients(Math.tanh), tp = hermiteCoefficients((z) => 1 - Math.tanh(z) ** 2);
    expect(t.mu1).toBeCloseTo(tp.mu0, 10);
    expect(t.mu1).toBeCloseTo(0.6057, 3);
  });

  it('rows have unit linearised preactivation variance and Omega has the activation\'s second moment on its diagonal', () => {
    const rng = new Rng(5);
    const d = 10, widths = [8, 7, 6];
    const net = deepRandomNetwork(d, widths, scaledTanh(2), rng);
    let prev = d;
    widths.forEach((k, l) => {
      const w = net.weights[l];
      for (let i = 0; i < k; i++) {
        let q = 0;
        for (let a = 0; a < prev; a++) for (let b = 0; b < prev; b++) q += w[i * prev + a] * w[i * prev + b] * (l === 0 ? (a === b ? 1 : 0) : net.omegas[l - 1][a * prev + b]);
        expect(q).toBeCloseTo(1, 5);
      }
      for (let i = 0; i < k; i++) expect(net.omegas[l][i * k + i]).toBeCloseTo(net.coefficients.second, 10);
      prev = k;
    });
    expect(() => deepRandomNetwork(d, [4], { name: 'exp', f: Math.exp, apply: (t) => t }, rng)).toThrow(/centred/);
  });

  it('real features are the network in float64 up to float32 rounding; the linear part at L = 1 is mu1^2 W W^T / k', () => {
    const rng = new Rng(6);
    const d = 9, k = 7, n = 5;
    const net = deepRandomNetwork(d, [k, k], scaledTanh(2), rng);
    const x = gaussianMatrix(n, d, rng);
    const z = deepRandomFeatures(net, x, n);
    for (let r = 0; r < n; r++) {
      let h = Array.from(x.subarray(r * d, (r + 1) * d));
      for (const w of net.weights) h = Array.from({ length: k }, (_, i) => Math.tanh(2 * h.reduce((a, v, j) => a + w[i * h.length + j] * v, 0)));
      for (let i = 0; i < k; i++) expect(z[r * k + i]).toBeCloseTo(h[i] / Math.sqrt(k), 5);
    }
    const one = deepRandomNetwork(d, [k], scaledTanh(2), rng);
    const lin = deepLinearCovariance(one), w = one.weights[0];
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += w[i * d + a] * w[j * d + a];
      expect(lin[i * k + j]).toBeCloseTo((one.coefficients.mu1 ** 2 * s) / k, 6);
    }
  });

  it('the Gaussian equivalent has the linearised covariance; the real features\' covariance approaches it as the width grows', () => {
    const m = 20000;
    const relFrobenius = (w: number, arm: 'real' | 'gauss') => {
      const rng = new Rng(8);
      const net = deepRandomNetwork(w, [w, w], scaledTanh(2), rng);
      const sigma = deepFeatureCovariance(net);
      const x = gaussianMatrix(m, w, rng);
      const z = arm === 'real' ? deepRandomFeatures(net, x, m) : deepGaussianEquivalentFeatures(net, x, m, rng);
      const c = new Float64Array(w * w);
      for (let r = 0; r < m; r++) for (let i = 0; i < w; i++) for (let j = 0; j < w; j++) c[i * w + j] += (z[r * w + i] * z[r * w + j]) / m;
      let e = 0, s = 0;
      for (let i = 0; i < w * w; i++) { e += (c[i] - sigma[i]) ** 2; s += sigma[i] ** 2; }
      return Math.sqrt(e / s);
    };
    // the Gaussian equivalent: sampling error only (about sqrt(2 w / m) relative)
    expect(relFrobenius(8, 'gauss')).toBeLessThan(0.03);
    // the real features: the linearisation drops higher Hermite terms, O(1 / sqrt(width)) (0.14 at 8, 0.05 at 48, measured)
    const narrow = relFrobenius(8, 'real'), wide = relFrobenius(48, 'real');
    expect(wide).toBeLessThan(0.07);
    expect(wide).toBeLessThan(narrow / 2);
  });
  it('deepFeatureSecondMoment is the chunked mean of z z^T over its inputs; gaussianFeaturesWithCovariance is C xi with C C^T = Sigma', () => {
    const d = 6, k = 5, m = 37;
    const net = deepRandomNetwork(d, [k, k], scaledTanh(2), new Rng(9));
    // exact: the same inputs, drawn in the same order, through deepRandomFeatures and a float64 loop
    for (const gaussianEquivalent of [false, true]) {
      const got = deepFeatureSecondMoment(net, m, new Rng(10), { chunk: 10, gaussianEquivalent });
      const rng = new Rng(10), want = new Float64Array(k * k);
      for (let done = 0; done < m; done += 10) {
        const rows = Math.min(10, m - done);
        const x = gaussianMatrix(rows, d, rng);
        const z = gaussianEquivalent ? deepGaussianEquivalentFeatures(net, x, rows, rng) : deepRandomFeatures(net, x, rows);
        for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) want[i * k + j] += (z[r * k + i] * z[r * k + j]) / m;
      }
      expect(maxAbs(got, want) / Math.max(...want.map(Math.abs))).toBeLessThan(1e-5);
    }
    // C xi: the same xi through the float64 Cholesky factor
    const sigma = deepFeatureCovariance(net), n = 4;
    const g = gaussianFeaturesWithCovariance(sigma, k, n, new Rng(11));
    const xi = gaussianMatrix(n, k, new Rng(11));
    const c = cholesky(sigma, k);
    for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) {
      let v = 0;
      for (let j = 0; j <= i; j++) v += c[i * k + j] * xi[r * k + j];
      expect(g[r * k + i]).toBeCloseTo(v, 5);
    }
    expect(() => gaussianFeaturesWithCovariance(sigma, k + 1, n, new Rng(1))).toThrow(/entries/);
  });
});
