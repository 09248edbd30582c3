/** The (U)SAM edge of stability: the usam transform's map on a quadratic against I - eta (H + rho H^2), and the edges against their equations. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { jacobiEigen } from '../src/techniques/curvature/index.js';
import { sam } from '../src/techniques/sharpness/index.js';
import { quadraticStep, samEdge, stepMatrix, usam, usamEdge, usamEigenvalue } from '../src/techniques/sam-edge/index.js';
import { Rng } from '../src/random/rng.js';

/** Q diag(lambdas) Q^T with Q a random orthogonal matrix (Gram-Schmidt on Gaussian columns). */
function randomSymmetric(lambdas: number[], rng: Rng): Float64Array {
  const n = lambdas.length;
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const u of q) { const d = u.reduce((s, x, i) => s + x * v[i], 0); u.forEach((x, i) => { v[i] -= d * x; }); }
    const nv = Math.hypot(...v); q.push(v.map((x) => x / nv));
  }
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) h[i * n + k] = q.reduce((s, u, j) => s + lambdas[j] * u[i] * u[k], 0);
  return h;
}

describe('sam-edge', () => {
  const lambdas = [4, 2.5, 1, 0.3, -0.5];
  const h = randomSymmetric(lambdas, new Rng(7));
  const n = lambdas.length;

  it('the usam transform on a quadratic is the linear map with eigenvalues 1 - eta (lambda + rho lambda^2)', () => {
    const before = tf.memory().numTensors;
    const [eta, rho] = [0.2, 0.3];
    const m = stepMatrix((th) => quadraticStep(usam(rho), h, th, eta), n);
    // the map is symmetric (a polynomial in H), so its eigenvalues are real: compare them sorted
    const sym = m.map((v, k) => (v + m[(k % n) * n + Math.floor(k / n)]) / 2);
    const got = jacobiEigen(sym, n).values.sort((a, b) => a - b);
    const want = lambdas.map((l) => usamEigenvalue(l, eta, rho)).sort((a, b) => a - b);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5)); // float32 inside tf
    expect(Math.max(...Array.from(m, (v, k) => Math.abs(v - m[(k % n) * n + Math.floor(k / n)])))).toBeLessThan(1e-5);
    // rho = 0 is gradient descent: I - eta H
    const gd = stepMatrix((th) => quadraticStep(usam(0), h, th, eta), n);
    gd.forEach((v, k) => expect(v).toBeCloseTo((k % (n + 1) === 0 ? 1 : 0) - eta * h[k], 6));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the USAM edge solves eta (lambda + rho lambda^2) = 2: there the multiplier is exactly -1', () => {
    for (const [eta, rho] of [[0.2, 0.05], [0.2, 0.2], [0.3, 0.1], [1e-3, 10], [0.5, 1e-9]]) {
      const l = usamEdge(eta, rho);
      expect(usamEigenvalue(l, eta, rho)).toBeCloseTo(-1, 12);
      expect(l).toBeGreaterThan(0);
      expect(l).toBeLessThanOrEqual(2 / eta);
    }
    expect(usamEdge(0.2, 0)).toBe(10);
    // decreasing in rho at fixed eta
    expect(usamEdge(0.2, 0.2)).toBeLessThan(usamEdge(0.2, 0.1));
    // on the quadratic: a top eigenvalue just below the edge is stable under USAM, just above it is not
    const [eta, rho] = [0.2, 0.2];
    const edge = usamEdge(eta, rho);
    for (const [f, stable] of [[0.99, true], [1.01, false]] as const) {
      const hh = randomSymmetric([f * edge, 1, 0.2], new Rng(3));
      let th: Float64Array = Float64Array.of(1, 1, 1);
      for (let t = 0; t < 400; t++) th = quadraticStep(usam(rho), hh, th, eta);
      expect(Math.hypot(...th) < 1).toBe(stable);
    }
  });

  it('SAM on a quadratic is one USAM step with radius rho/|g|, so its edge is usamEdge(eta, rho/|g|)', () => {
    const [eta, rho] = [0.2, 0.05];
    const th = Float64Array.of(0.3, -1.2, 0.5, 0.1, 0.7);
    const g = Array.from({ length: n }, (_, i) => th.reduce((s, x, k) => s + h[i * n + k] * x, 0));
    const gn = Math.hypot(...g);
    const a = quadraticStep(sam({ rho }), h, th, eta), b = quadraticStep(usam(rho / gn), h, th, eta);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    const edge = samEdge(eta, rho, gn);
    expect(eta * (edge + (rho * edge * edge) / gn)).toBeCloseTo(2, 12);
    // independent of the formula: along the top eigenvector v (lambda = 4), theta = s v has |g| = 4 s, and the sam transform's
    // multiplier there is 1 - eta (4 + 4 rho / s); at s = 4 rho eta / (2 - 4 eta) it is exactly -1, so the SAM edge at |g| = 4 s is 4
    const { values, vectors } = jacobiEigen(h, n);
    const v = vectors[values.indexOf(Math.max(...values))];
    const s = (4 * rho * eta) / (2 - 4 * eta);
    expect(samEdge(eta, rho, 4 * s)).toBeCloseTo(4, 12);
    const next = quadraticStep(sam({ rho }), h, v.map((x) => s * x), eta);
    next.forEach((x, i) => expect(x).toBeCloseTo(-s * v[i], 6));
  });

  it('rejects bad arguments', () => {
    expect(() => usamEdge(0, 0.1)).toThrow(/eta/);
    expect(() => usamEdge(0.1, -1)).toThrow(/rho/);
    expect(() => samEdge(0.1, 0.1, 0)).toThrow(/gradient norm/);
    expect(() => usam(-0.1)).toThrow(/rho/);
  });
});
