/** PSGD's Lie-group preconditioner against exact computations on small cases. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { initQ, inverseHessianError, precondition, preconditionerMatrix, solveQt, updateQ } from '../src/techniques/psgd/index.js';

describe('psgd dense preconditioner', () => {
  it('solveQt, precondition and the preconditioner matrix agree with dense products', () => {
    const d = 4, q = Float64Array.of(2, 1, 0, -1, 0, 3, 1, 0, 0, 0, 1, 2, 0, 0, 0, 0.5);
    const v = Float64Array.of(1, -2, 0.5, 3);
    const b = solveQt(q, v);
    // Q^T b = v
    for (let j = 0; j < d; j++) { let s = 0; for (let i = 0; i <= j; i++) s += q[i * d + j] * b[i]; expect(s).toBeCloseTo(v[j], 13); }
    const p = preconditionerMatrix(q, d);
    const pv = precondition(q, v);
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += p[i * d + j] * v[j]; expect(pv[i]).toBeCloseTo(s, 13); }
  });

  it('one update is Q - (mu / max|G|) triu(a a^T - b b^T) Q, in one dimension exactly', () => {
    // d = 1: a = q h, b = v / q, G = q^2 h^2 - v^2 / q^2
    const q = 0.5, v = 2, h = 3, mu = 0.1;
    const g = q * q * h * h - (v * v) / (q * q);
    expect(updateQ(Float64Array.of(q), [v], [h], mu)[0]).toBeCloseTo(q - (mu / Math.abs(g)) * g * q, 14);
  });

  it('fitted from exact pairs on a 3 x 3 quadratic, P converges to H^{-1} and Q stays upper triangular', () => {
    const rng = new Rng(1);
    const hess = Float64Array.of(4, 1, 0, 1, 3, 0.5, 0, 0.5, 1);
    let q = initQ(3, 1);
    for (let t = 0; t < 20000; t++) {
      const v = Float64Array.from({ length: 3 }, () => rng.normal());
      const h = Float64Array.from({ length: 3 }, (_, i) => hess[i * 3] * v[0] + hess[i * 3 + 1] * v[1] + hess[i * 3 + 2] * v[2]);
      q = updateQ(q, v, h, 0.1 / (1 + t / 200));
    }
    expect(inverseHessianError(q, hess, 3)).toBeLessThan(0.02);
    expect([q[3], q[6], q[7]]).toEqual([0, 0, 0]);
    expect(inverseHessianError(initQ(3, 1), Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 3)).toBe(0);
  });

  it('names bad input', () => {
    expect(() => initQ(0, 1)).toThrow(/initQ: d must be a positive integer/);
    expect(() => initQ(2, 0)).toThrow(/initQ: scale must be > 0/);
    expect(() => updateQ(initQ(2, 1), [1, 2], [1], 0.1)).toThrow(/updateQ: v \(2\), h \(1\)/);
    expect(() => updateQ(initQ(2, 1), [1, 2], [1, 2], 1)).toThrow(/updateQ: step mu must be in \(0, 1\)/);
  });
});
