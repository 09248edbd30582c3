/** Sketched ridgeless regression against exact computations and the derived finite-size risks. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { cholesky, choleskySolve, gaussianMatrix, gram, matVec, sqDist } from '../src/techniques/high-dim-regression/index.js';
import { conditionalSketchedRisk, optimalSketchSize, sketchedRidgeless, sketchedRisk, sketchedRiskExact, sketchMatrix, type SketchKind } from '../src/techniques/sketching/index.js';

describe('sketches', () => {
  it('orthogonal sketches have orthonormal rows; Gaussian sketches have entries of variance 1/n', () => {
    const rng = new Rng(1);
    const s = sketchMatrix('orthogonal', 20, 50, rng);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) {
      let d = 0;
      for (let k = 0; k < 50; k++) d += s[i * 50 + k] * s[j * 50 + k];
      expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-13);
    }
    const g = sketchMatrix('gaussian', 100, 400, rng);
    const v = g.reduce((a, b) => a + b * b, 0) / g.length;
    expect(Math.abs(v * 400 - 1)).toBeLessThan(0.02);
    expect(() => sketchMatrix('orthogonal', 5, 4, rng)).toThrow(/sketchMatrix: need integers 0 < m <= n/);
    expect(() => sketchedRisk('orthogonal', { n: 100, p: 50, signal: 1, noiseVar: 1 }, 50)).toThrow(/sketchedRisk: m = p/);
  });
});

describe('risk given the design and the sketch', () => {
  it('without a sketch and p < n it is noiseVar tr (X^T X)^{-1} (explicit inverse)', () => {
    const rng = new Rng(2);
    const [n, p] = [30, 12];
    const x = gaussianMatrix(n, p, rng);
    const l = cholesky(gram(x, n, p), p);
    let tr = 0;
    for (let j = 0; j < p; j++) { const e = new Float64Array(p); e[j] = 1; tr += choleskySolve(l, p, e)[j]; }
    const r = conditionalSketchedRisk(null, x, n, n, p, 3, 0.7);
    expect(r.bias).toBe(0);
    expect(r.variance).toBeCloseTo(0.7 * tr, 10);
  });

  it('equals the Monte Carlo mean of |beta_hat - beta|^2 over random beta and noise, for both sketches on both sides of m = p', () => {
    const rng = new Rng(3);
    const [n, p] = [40, 16];
    const x = gaussianMatrix(n, p, rng);
    for (const kind of ['orthogonal', 'gaussian'] as SketchKind[]) for (const m of [8, 30]) {
      const s = sketchMatrix(kind, m, n, rng);
      const exact = conditionalSketchedRisk(s, x, m, n, p, 2, 0.5).risk;
      let mc = 0;
      const R = 4000;
      for (let r = 0; r < R; r++) {
        const beta = gaussianMatrix(1, p, rng, Math.sqrt(2 / p));
        const y = matVec(x, n, p, beta);
        for (let i = 0; i < n; i++) y[i] += Math.sqrt(0.5) * rng.normal();
        mc += sqDist(sketchedRidgeless(s, x, y, m, n, p), beta) / R;
      }
      expect(Math.abs(mc / exact - 1), `${kind} m = ${m}`).toBeLessThan(0.05);
    }
  });
});

describe('closed-form risks', () => {
  it('the finite-size risks (derived in sketch.ts) match the mean conditional risk over designs and sketches', () => {
    const rng = new Rng(4);
    const [n, p] = [60, 20];
    const set = { n, p, signal: 2, noiseVar: 1 };
    for (const [kind, m] of [['gaussian', 40], ['gaussian', 10], ['orthogonal', 40], ['orthogonal', 10]] as [SketchKind, number][]) {
      let mean = 0;
      const R = 600;
      for (let r = 0; r < R; r++) mean += conditionalSketchedRisk(sketchMatrix(kind, m, n, rng), gaussianMatrix(n, p, rng), m, n, p, 2, 1).risk / R;
      expect(Math.abs(mean / sketchedRiskExact(kind, set, m) - 1), `${kind} m = ${m}`).toBeLessThan(0.04);
    }
  });

  it('the proportional limits: Hastie et al.\'s ridgeless risk at p/m, the Gaussian sketch\'s extra variance, and the optimal sketch size', () => {
    const s = { n: 100, p: 50, signal: 4, noiseVar: 1 };
    expect(sketchedRisk('orthogonal', s, 100)).toBeCloseTo(1, 12); // phi/(1 - phi) at phi = 1/2
    expect(sketchedRisk('gaussian', s, 100)).toBeCloseTo(2, 12); // phi/(1 - phi) + phi/(psi - phi)
    expect(sketchedRisk('gaussian', s, 25)).toBeCloseTo(4 * 0.5 + 1, 12); // p/m = 2
    expect(sketchedRisk('orthogonal', s, 25)).toBe(sketchedRisk('gaussian', s, 25));
    const b = { n: 100, p: 90, signal: 4, noiseVar: 1 };
    expect(optimalSketchSize(b)).toBe(45);
    expect(sketchedRisk('orthogonal', b, 45)).toBeCloseTo(2 * 2 * 1 - 1, 12); // 2 alpha sigma - sigma^2
  });
});
