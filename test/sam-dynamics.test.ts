/** (U)SAM on 2-D quadratics: the step against its closed-form map, and the moment formulas against brute-force recursions and Monte Carlo. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  add2, eigSym2, fromEigen, matMul2, matVec2, samStep, scale2, transpose2, usamDiscreteMoments, usamMap, usamMapByStep, usamMultiplier,
  noisyQuadratic, usamSdeMoments, usamStep, type Mat2,
} from '../src/techniques/sam-dynamics/index.js';

const H = fromEigen(-0.7, 1.6, 0.4); // a rotated saddle
const SIGMA: Mat2 = [0.5, 0.2, 0.2, 0.3];

describe('sam-dynamics', () => {
  it('diagonalises symmetric 2x2 matrices', () => {
    const e = eigSym2(H);
    expect(e.values[0]).toBeCloseTo(-0.7, 13);
    expect(e.values[1]).toBeCloseTo(1.6, 13);
    for (let k = 0; k < 2; k++) {
      const hv = matVec2(H, e.vectors[k]);
      expect(hv[0]).toBeCloseTo(e.values[k] * e.vectors[k][0], 13);
      expect(hv[1]).toBeCloseTo(e.values[k] * e.vectors[k][1], 13);
    }
  });

  it('USAM on a quadratic is the linear map I - eta (H + rho H^2) with eigenvalues 1 - eta (lambda + rho lambda^2)', () => {
    const [eta, rho] = [0.1, 2];
    const byStep = usamMapByStep(H, eta, rho), closed = usamMap(H, eta, rho);
    byStep.forEach((v, i) => expect(v).toBeCloseTo(closed[i], 14));
    const ev = eigSym2(closed).values;
    const want = [usamMultiplier(-0.7, eta, rho), usamMultiplier(1.6, eta, rho)].sort((a, b) => a - b);
    expect(ev[0]).toBeCloseTo(want[0], 13);
    expect(ev[1]).toBeCloseTo(want[1], 13);
    // rho |lambda_min| = 1.4 > 1: the saddle direction contracts
    expect(Math.abs(usamMultiplier(-0.7, eta, rho))).toBeLessThan(1);
    expect(usamMultiplier(-0.7, eta, 0)).toBeGreaterThan(1);
  });

  it('SAM normalises the ascent to length rho', () => {
    const grad = (x: Float64Array) => Float64Array.from(matVec2(H, x));
    const x = Float64Array.of(0.3, -1.2);
    const g = matVec2(H, x), n = Math.hypot(...g);
    const probe = [x[0] + 0.5 * g[0] / n, x[1] + 0.5 * g[1] / n];
    const gp = matVec2(H, probe);
    const got = samStep(grad, x, 0.1, 0.5);
    expect(got[0]).toBeCloseTo(x[0] - 0.1 * gp[0], 14);
    expect(got[1]).toBeCloseTo(x[1] - 0.1 * gp[1], 14);
  });

  it('discrete moments equal the recursion iterated in the standard basis', () => {
    const [eta, rho, steps] = [0.05, 1.5, 37];
    const m0 = [0.8, -0.3];
    const c0: Mat2 = [0.1, 0.02, 0.02, 0.05];
    const a = usamMap(H, eta, rho);
    const d = add2([1, 0, 0, 1], H, rho);
    const q = scale2(matMul2(d, matMul2(SIGMA, transpose2(d))), eta * eta);
    let m: number[] = m0, c = c0;
    for (let k = 0; k < steps; k++) { m = matVec2(a, m); c = add2(matMul2(a, matMul2(c, transpose2(a))), q); }
    const got = usamDiscreteMoments(H, SIGMA, eta, rho, steps, m0, c0);
    got.mean.forEach((v, i) => expect(v).toBeCloseTo(m[i], 12));
    got.cov.forEach((v, i) => expect(v).toBeCloseTo(c[i], 12));
    expect(got.second[1]).toBeCloseTo(c[1] + m[0] * m[1], 12);
  });

  it('SDE moments equal a fine RK4 integration of the moment ODEs, for both diffusions', () => {
    const [eta, rho, t] = [0.05, 1.5, 1.3];
    const m0 = [0.8, -0.3];
    const a = add2(H, matMul2(H, H), rho);
    for (const diffusion of ['paper', 'exact'] as const) {
      const d = add2([1, 0, 0, 1], H, rho);
      const s = diffusion === 'exact' ? matMul2(d, matMul2(SIGMA, d)) : add2(SIGMA, add2(matMul2(H, SIGMA), matMul2(SIGMA, H)), rho);
      const f = (y: number[]): number[] => {
        const m = [y[0], y[1]], c: Mat2 = [y[2], y[3], y[4], y[5]];
        const dm = matVec2(a, m).map((v) => -v);
        const dc = add2(scale2(add2(matMul2(a, c), matMul2(c, a)), -1), s, eta);
        return [...dm, ...dc];
      };
      let y = [...m0, 0, 0, 0, 0];
      const n = 4000, h = t / n;
      for (let k = 0; k < n; k++) {
        const k1 = f(y), k2 = f(y.map((v, i) => v + h / 2 * k1[i])), k3 = f(y.map((v, i) => v + h / 2 * k2[i])), k4 = f(y.map((v, i) => v + h * k3[i]));
        y = y.map((v, i) => v + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
      }
      const got = usamSdeMoments(H, SIGMA, eta, rho, t, m0, [0, 0, 0, 0], { diffusion });
      got.mean.forEach((v, i) => expect(v).toBeCloseTo(y[i], 10));
      got.cov.forEach((v, i) => expect(v).toBeCloseTo(y[2 + i], 10));
    }
  });

  it('Monte Carlo noisy USAM matches the discrete second moment', () => {
    const [eta, rho, steps, runs] = [0.2, 1, 8, 20000];
    const rng = new Rng(3);
    const q = noisyQuadratic(H, SIGMA);
    const acc = [0, 0, 0];
    for (let r = 0; r < runs; r++) {
      let x = Float64Array.of(1, 0.5);
      for (let k = 0; k < steps; k++) { q.draw(rng); x = usamStep(q.grad, x, eta, rho); }
      acc[0] += x[0] * x[0]; acc[1] += x[0] * x[1]; acc[2] += x[1] * x[1];
    }
    const want = usamDiscreteMoments(H, SIGMA, eta, rho, steps, [1, 0.5]).second;
    expect(acc[0] / runs / want[0]).toBeCloseTo(1, 1);
    expect(acc[2] / runs / want[3]).toBeCloseTo(1, 1);
    expect(Math.abs(acc[1] / runs - want[1])).toBeLessThan(0.05 * Math.sqrt(want[0] * want[3]));
  });

  it('names bad input', () => {
    const g = (x: Float64Array) => x;
    expect(() => usamStep(g, Float64Array.of(1, 2), 0, 1)).toThrow(/usamStep: eta/);
    expect(() => samStep(g, Float64Array.of(1, 2), 0.1, -1)).toThrow(/samStep: rho/);
    expect(() => eigSym2([1, 2, 3, 4])).toThrow(/symmetric/);
    expect(() => noisyQuadratic(H, [1, 0, 0, -1])).toThrow(/noisyQuadratic: sigma/);
    expect(() => usamDiscreteMoments(H, SIGMA, 0.1, 1, 1.5, [0, 0])).toThrow(/steps/);
    expect(() => usamSdeMoments(H, SIGMA, 0.1, 1, -1, [0, 0])).toThrow(/usamSdeMoments: t/);
  });
});
