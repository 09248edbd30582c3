/** Federated SGLD toolkit against closed forms: Gaussian algebra and W2, the BLR posterior, FSGLD's drift with exact q_s, and ULA's stationary covariance. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  addClientGradient, addDrift, exactPosterior, fitLocalApproximation, gaussianW2Sq, localFactor, matMul, moments, naturalGrad, productOf, runChains, spdInverse, spdSqrt, symEig, type FederatedBlr,
} from '../src/techniques/federated-sgld/index.js';

function problem(seed: number, S = 3, n = 20): FederatedBlr {
  const rng = new Rng(seed);
  const clients = Array.from({ length: S }, (_, s) => {
    const xs = Array.from({ length: n }, () => Float64Array.of(rng.normal() + s, rng.normal()));
    return { xs, ys: xs.map((x) => 0.5 * x[0] - x[1] + s + 0.3 * rng.normal()) };
  });
  return { clients, sigma: 0.3, tau: 2, d: 2 };
}

describe('federated-sgld', () => {
  it('eigen, inverse and square root of an SPD matrix; W2 of Gaussians in closed cases', () => {
    const a = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
    const r = spdSqrt(a), rr = matMul(r, r), inv = matMul(a, spdInverse(a));
    a.forEach((row, i) => row.forEach((v, j) => { expect(rr[i][j]).toBeCloseTo(v, 12); expect(inv[i][j]).toBeCloseTo(i === j ? 1 : 0, 12); }));
    expect(symEig(a).values.reduce((s, v) => s + v, 0)).toBeCloseTo(9, 12);
    // 1-D: (m1 - m2)^2 + (s1 - s2)^2; commuting (diagonal) covariances: the same per axis
    expect(gaussianW2Sq({ mean: [1], cov: [[4]] }, { mean: [-1], cov: [[1]] })).toBeCloseTo(4 + 1, 12);
    expect(gaussianW2Sq({ mean: [0, 0], cov: [[4, 0], [0, 9]] }, { mean: [0, 1], cov: [[1, 0], [0, 1]] })).toBeCloseTo(1 + 1 + 4, 12);
    expect(gaussianW2Sq({ mean: [0, 0], cov: a.slice(0, 2).map((x) => x.slice(0, 2)) }, { mean: [0, 0], cov: a.slice(0, 2).map((x) => x.slice(0, 2)) })).toBeCloseTo(0, 10);
  });

  it('the posterior is the product of the client factors and matches the all-data formula', () => {
    const p = problem(1);
    const post = exactPosterior(p);
    const xs = p.clients.flatMap((c) => c.xs), ys = p.clients.flatMap((c) => c.ys);
    const prec = [[1 / p.tau ** 2, 0], [0, 1 / p.tau ** 2]], b = [0, 0];
    xs.forEach((x, n) => { for (let i = 0; i < 2; i++) { b[i] += x[i] * ys[n] / p.sigma ** 2; for (let j = 0; j < 2; j++) prec[i][j] += x[i] * x[j] / p.sigma ** 2; } });
    const cov = spdInverse(prec), mean = [cov[0][0] * b[0] + cov[0][1] * b[1], cov[1][0] * b[0] + cov[1][1] * b[1]];
    mean.forEach((m, i) => expect(post.mean[i]).toBeCloseTo(m, 10));
    cov.forEach((row, i) => row.forEach((v, j) => expect(post.cov[i][j] / v).toBeCloseTo(1, 10)));
  });

  it('with exact q_s and full client batches, FSGLD\'s drift on every client is the exact posterior gradient; DSGLD\'s is not', () => {
    const p = problem(2), rng = new Rng(3);
    const factors = p.clients.map((_, s) => localFactor(p, s)), post = productOf(factors);
    for (const theta of [[0.3, -1], [2, 1.5]]) {
      const exact = new Float64Array(2);
      naturalGrad(post, theta, exact);
      for (let s = 0; s < 3; s++) {
        const f = new Float64Array(2), dd = new Float64Array(2);
        addDrift(p, s, theta, null, rng, f, { approximations: factors });
        addDrift(p, s, theta, null, rng, dd);
        f.forEach((v, j) => expect(v / exact[j]).toBeCloseTo(1, 9));
        expect(Math.hypot(dd[0] - exact[0], dd[1] - exact[1]) / Math.hypot(...exact)).toBeGreaterThan(0.01);
      }
    }
  });

  it('full-batch Langevin reaches the unadjusted chain\'s stationary law: mean exact, covariance V diag(1 / (l (1 - h l / 4))) V^T', () => {
    const p = problem(4);
    const post = exactPosterior(p), P = spdInverse(post.cov);
    const h = 0.5 / symEig(P).values.reduce((a, b) => Math.max(a, b));
    const kept = runChains(p, { chains: 40, steps: 3000, burnIn: 500, thin: 5, localSteps: 1, h, batch: null, method: 'central', init: post.mean }, new Rng(5));
    const m = moments(kept);
    const { values, vectors } = symEig(P);
    const ula = [0, 1].map((i) => [0, 1].map((j) => values.reduce((s, l, k) => s + vectors[i][k] * vectors[j][k] / (l * (1 - h * l / 4)), 0)));
    // 20000 correlated states: a few percent of the posterior scale
    expect(Math.sqrt(gaussianW2Sq(m, { mean: post.mean, cov: ula })) / Math.sqrt(post.cov[0][0] + post.cov[1][1])).toBeLessThan(0.06);
  });

  it('the local approximation fitted from a client\'s SGLD chain is close to its factor', () => {
    const p = problem(6), s = 1;
    const target = exactPosterior({ ...p, clients: [p.clients[s]], tau: p.tau * Math.sqrt(p.clients.length) });
    const q = fitLocalApproximation(p, s, { chains: 20, steps: 2000, burnIn: 500, thin: 5, h: 1e-3, batch: null, init: target.mean }, new Rng(7));
    const fitted = { mean: spdInverse(q.precision).map((r) => r[0] * q.shift[0] + r[1] * q.shift[1]), cov: spdInverse(q.precision) };
    expect(Math.sqrt(gaussianW2Sq(fitted, target)) / Math.sqrt(target.cov[0][0] + target.cov[1][1])).toBeLessThan(0.1);
  });

  it('minibatch client gradients average to the full-batch one (the factor\'s natural form)', () => {
    const p = problem(9), rng = new Rng(10), theta = [0.4, -0.2];
    const full = new Float64Array(2);
    addClientGradient(p, 2, theta, null, rng, full);
    const direct = new Float64Array(2);
    naturalGrad(localFactor(p, 2), theta, direct);
    full.forEach((v, j) => expect(v).toBeCloseTo(direct[j], 10));
    const avg = new Float64Array(2), reps = 20000;
    for (let r = 0; r < reps; r++) addClientGradient(p, 2, theta, 5, rng, avg, 1 / reps);
    avg.forEach((v, j) => expect(Math.abs(v - full[j]) / Math.hypot(...full)).toBeLessThan(0.03));
  });

  it('bad input throws naming the function', () => {
    const p = problem(8);
    expect(() => runChains(p, { chains: 1, steps: 10, burnIn: 0, thin: 1, localSteps: 1, h: 0, batch: 5, method: 'dsgld', init: [0, 0] }, new Rng(1))).toThrow(/runChains: h/);
    expect(() => runChains(p, { chains: 1, steps: 10, burnIn: 0, thin: 1, localSteps: 1, h: 1e-3, batch: 5, method: 'fsgld', init: [0, 0] }, new Rng(1))).toThrow(/runChains: fsgld/);
    expect(() => localFactor(p, 9)).toThrow(/localFactor/);
    expect(() => spdInverse([[1, 2], [2, 1]])).toThrow(/spdInverse/);
  });
});
