import { describe, expect, it } from 'vitest';
import { matrixOperator } from '../src/techniques/curvature/operator.js';
import { exactTrace, newtonCgStep } from '../src/techniques/curvature/steps.js';

// A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]] (positive definite), f(x) = 1/2 x'Ax - b'x
const A = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
const b = Float64Array.from([1, 2, 3]);
const mul = (x: Float64Array) => Float64Array.from([0, 1, 2], (i) => A[3 * i] * x[0] + A[3 * i + 1] * x[1] + A[3 * i + 2] * x[2]);
const f = (x: Float64Array) => 0.5 * mul(x).reduce((s, v, i) => s + v * x[i], 0) - b.reduce((s, v, i) => s + v * x[i], 0);
const grad = (x: Float64Array) => mul(x).map((v, i) => v - b[i]);

describe('exact curvature quantities (techniques/curvature/steps)', () => {
  it('exactTrace sums the diagonal exactly', () => {
    expect(exactTrace(matrixOperator(A, 3))).toBe(9);
  });

  it('one undamped Newton-CG step on a quadratic lands on the minimiser A^-1 b (Cramer\'s rule)', () => {
    // det A = 4(6 - 1) - 1(2 - 0) = 18; A^-1 b by Cramer: x = (1/18) [5*1 - 2*2 + 1*3, -2*1 + 8*2 - 4*3, 1*1 - 4*2 + 11*3]
    const xStar = [4 / 18, 2 / 18, 26 / 18];
    const x0 = Float64Array.from([1, -1, 0.5]);
    const s = newtonCgStep(matrixOperator(A, 3), x0, f(x0), grad(x0), f, { damping: 0, maxIter: 3, tol: 1e-14 });
    expect(s.step).toBe(1);
    expect(s.cgIterations).toBeLessThanOrEqual(3);
    s.theta.forEach((v, i) => expect(v).toBeCloseTo(xStar[i], 12));
    expect(s.value).toBeCloseTo(f(Float64Array.from(xStar)), 12);
  });

  it('damping solves (A + lambda I) d = -g, and a step that cannot decrease keeps the point', () => {
    const x0 = Float64Array.from([1, -1, 0.5]);
    const g = grad(x0);
    const s = newtonCgStep(matrixOperator(A, 3), x0, f(x0), g, f, { damping: 2, maxIter: 3, tol: 1e-14 });
    const r = mul(s.direction).map((v, i) => v + 2 * s.direction[i] + g[i]);
    for (const v of r) expect(Math.abs(v)).toBeLessThan(1e-12);
    const stuck = newtonCgStep(matrixOperator(A, 3), x0, f(x0), g, () => Infinity, { damping: 0, maxIter: 3, tol: 1e-14 });
    expect(stuck.step).toBe(0);
    expect(Array.from(stuck.theta)).toEqual(Array.from(x0));
    expect(stuck.value).toBe(f(x0));
  });
});
