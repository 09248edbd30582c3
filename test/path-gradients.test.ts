/** The hand-derived coupling-flow gradients against finite differences, normalisation, and the path estimator's zero at q = p. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { bananaTarget, estimatorMoments, flowTarget, forward, gradLogQ, inverse, logQ, reverseKl, sampleGradients, trainReverseKl } from '../src/techniques/path-gradients/index.js';

const T = [0.2, -0.3, 0.4, -0.5, 0.7, 0.1];
const fd = (f: (h: number) => number, h = 1e-6) => (f(h) - f(-h)) / (2 * h);

describe('path-gradients', () => {
  it('inverse undoes forward, and q integrates to 1', () => {
    const [x1, x2] = forward(T, 0.3, -1.2);
    const [z1, z2] = inverse(T, x1, x2);
    expect(z1).toBeCloseTo(0.3, 13);
    expect(z2).toBeCloseTo(-1.2, 13);
    let mass = 0;
    const h = 0.02;
    for (let a = -8; a < 8; a += h) for (let b = -12; b < 12; b += h) mass += Math.exp(logQ(T, a, b)) * h * h;
    expect(mass).toBeCloseTo(1, 4);
  });

  it('grad_x log q matches finite differences', () => {
    for (const [x1, x2] of [[0.1, 0.2], [-1, 2], [1.5, -0.7]]) {
      const g = gradLogQ(T, x1, x2);
      expect(g[0]).toBeCloseTo(fd((h) => logQ(T, x1 + h, x2)), 7);
      expect(g[1]).toBeCloseTo(fd((h) => logQ(T, x1, x2 + h)), 7);
    }
  });

  it('the total estimator is d/dtheta [log q(T(z)) - log p(T(z))], and total - path is the score d_theta log q(x) at fixed x', () => {
    const target = bananaTarget(0.5, 0.8);
    for (const [z1, z2] of [[0.3, -1.1], [-1.4, 0.6]]) {
      const { total, path } = sampleGradients(T, target, z1, z2);
      const x = forward(T, z1, z2);
      for (let k = 0; k < 6; k++) {
        const at = (h: number) => T.map((v, j) => (j === k ? v + h : v));
        expect(total[k]).toBeCloseTo(fd((h) => { const y = forward(at(h), z1, z2); return logQ(at(h), y[0], y[1]) - target.logP(y[0], y[1]); }), 6);
        expect(total[k] - path[k]).toBeCloseTo(fd((h) => logQ(at(h), x[0], x[1])), 6);
      }
    }
  });

  it('at q = p the path estimator is 0 on every draw; the total one is not; both have the same mean elsewhere', () => {
    const rng = new Rng(1), zs = Float64Array.from({ length: 20000 }, () => rng.normal());
    const at = estimatorMoments(T, flowTarget(T), zs);
    expect(at.maxAbsPath).toBeLessThan(1e-12);
    expect(at.varTotal).toBeGreaterThan(1);
    const off = estimatorMoments(T, bananaTarget(0.5, 0.8), zs);
    off.meanTotal.forEach((m, k) => expect(Math.abs(m - off.meanPath[k])).toBeLessThan(6 * Math.sqrt((off.varTotal + off.varPath) / 10000)));
  });

  it('Adam with either estimator fits the flow to its own density (reverse KL near 0)', () => {
    const rng = new Rng(2), target = flowTarget(T);
    for (const estimator of ['total', 'path'] as const) {
      const t = trainReverseKl([0, 0, 0, 0, 0, 0], target, { estimator, steps: 3000, batch: 32, lr: 0.01, draw: () => rng.normal() });
      expect(reverseKl(t, target, Float64Array.from({ length: 20000 }, () => rng.normal()))).toBeLessThan(0.01);
    }
  });

  it('bad input throws naming the function', () => {
    expect(() => estimatorMoments([1, 2], bananaTarget(1, 1), [0, 0, 1, 1])).toThrow(/estimatorMoments: theta/);
    expect(() => bananaTarget(1, 0)).toThrow(/bananaTarget: s/);
  });
});
