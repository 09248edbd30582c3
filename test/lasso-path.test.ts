/** The lasso solvers against closed forms: orthogonal designs (soft thresholding), the objective from data, KKT, and the 1-D subgradient orbit. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { ista, kktResidual, l1, lambdaMax, lassoExact, lassoFromData, lassoObjective, smoothness, softThreshold, subgradientDescent } from '../src/techniques/lasso-path/index.js';

function randomProblem(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const xs = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => rng.normal()));
  const ys = xs.map((x) => x[0] - 2 * x[1] + 0.5 * rng.normal());
  return { xs, ys, p: lassoFromData(xs, ys) };
}

describe('lasso-path', () => {
  it('with an orthogonal design the exact solution is soft thresholding of X^T y / n', () => {
    // rows: sqrt(n) times the identity's rows (n = d), so G = I and c = y / sqrt(n)
    const d = 4, ys = [3, -1, 0.2, -2.5];
    const xs = Array.from({ length: d }, (_, i) => Float64Array.from({ length: d }, (_, j) => (i === j ? Math.sqrt(d) : 0)));
    const p = lassoFromData(xs, ys);
    for (const lambda of [0, 0.3, 0.9, 2]) {
      const w = lassoExact(p, lambda);
      ys.forEach((y, j) => expect(w[j]).toBeCloseTo(softThreshold(y / Math.sqrt(d), lambda), 12));
    }
    expect(lambdaMax(p)).toBeCloseTo(1.5, 14);
    expect(smoothness(p)).toBeCloseTo(1, 12);
  });

  it('the Gram-form objective equals (1/2n)|y - Xw|^2 + lambda |w|_1 computed from the data', () => {
    const { xs, ys, p } = randomProblem(30, 5, 1);
    const w = Float64Array.of(0.3, -1, 0, 2, 0.1), lambda = 0.7;
    const direct = xs.reduce((s, x, i) => s + (ys[i] - x.reduce((t, v, j) => t + v * w[j], 0)) ** 2, 0) / (2 * xs.length) + lambda * l1(w);
    expect(lassoObjective(p, w, lambda)).toBeCloseTo(direct, 12);
  });

  it('the exact solution meets KKT, beats perturbations, ISTA reaches it, and its L1 norm falls along lambda', () => {
    const { p } = randomProblem(40, 8, 2);
    let previous = Infinity;
    for (const f of [0.05, 0.1, 0.2, 0.4, 0.8, 1.2]) {
      const lambda = f * lambdaMax(p);
      const w = lassoExact(p, lambda);
      expect(kktResidual(p, w, lambda)).toBeLessThan(1e-11);
      const rng = new Rng(3), obj = lassoObjective(p, w, lambda);
      for (let k = 0; k < 20; k++) expect(lassoObjective(p, w.map((v) => v + 1e-3 * rng.normal()), lambda)).toBeGreaterThan(obj);
      const wi = ista(p, lambda, 1 / smoothness(p), 5000);
      wi.forEach((v, j) => expect(v).toBeCloseTo(w[j], 9));
      expect(l1(w)).toBeLessThanOrEqual(previous + 1e-12);
      previous = l1(w);
    }
    expect(l1(lassoExact(p, 1.2 * lambdaMax(p)))).toBe(0);
  });

  it('in 1-D with |a| < lambda, subgradient descent does not reach the solution 0 but circles it within eta (lambda + |a|)', () => {
    // f(w) = (w - a)^2 / 2 + lambda |w|: one row x = 1, y = a (n = 1)
    const a = 0.4, lambda = 1, eta = 0.05;
    const p = lassoFromData([Float64Array.of(1)], [a]);
    expect(lassoExact(p, lambda)[0]).toBe(0);
    const late: number[] = [];
    subgradientDescent(p, lambda, eta, 400, Float64Array.of(2), (k, w) => { if (k > 200) late.push(w[0]); });
    expect(late.every((v) => v !== 0 && Math.abs(v) <= eta * (lambda + a) + 1e-15)).toBe(true);
    // the orbit straddles 0: steps of -eta (w - a + lambda) from above and -eta (w - a - lambda) from below
    expect(Math.min(...late)).toBeLessThan(0);
    expect(Math.max(...late)).toBeGreaterThan(0);
  });

  it('bad input throws naming the function', () => {
    const { p } = randomProblem(10, 3, 4);
    expect(() => lassoExact(p, -1)).toThrow(/lassoExact: lambda/);
    expect(() => ista(p, 0.1, 0, 10)).toThrow(/ista: eta/);
    expect(() => subgradientDescent(p, 0.1, -1, 10)).toThrow(/subgradientDescent: eta/);
    expect(() => lassoFromData([Float64Array.of(1, 2)], [1, 2])).toThrow(/lassoFromData/);
  });
});
