/** Tabular MDPs and KL-regularised value iteration against exact computations. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  approximateValueIteration, evaluatePolicy, expectNext, garnet, klValueIteration, optimalQ, softmaxRows, type Mdp,
} from '../src/techniques/kl-value-iteration/index.js';

describe('tabular MDPs', () => {
  it('Garnet transitions are distributions over `branching` states; q* is the Bellman fixed point; exact evaluation agrees with iterating the Bellman operator', () => {
    const m = garnet(12, 3, 4, 0.8, new Rng(1));
    for (let sa = 0; sa < 36; sa++) {
      const row = m.transition.subarray(sa * 12, (sa + 1) * 12);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(row.filter((x) => x > 0).length).toBeLessThanOrEqual(4);
    }
    const q = optimalQ(m);
    const v = new Float64Array(12).map((_, s) => Math.max(...q.subarray(s * 3, s * 3 + 3)));
    const pv = expectNext(m, v);
    for (let sa = 0; sa < 36; sa++) expect(q[sa]).toBeCloseTo(m.reward[sa] + 0.8 * pv[sa], 10);
    const pi = softmaxRows(q, 12, 3, 2);
    let w = new Float64Array(12);
    for (let it = 0; it < 400; it++) {
      const pw = expectNext(m, w);
      w = new Float64Array(12).map((_, s) => [0, 1, 2].reduce((acc, a) => acc + pi[s * 3 + a] * (m.reward[s * 3 + a] + 0.8 * pw[s * 3 + a]), 0));
    }
    const exact = evaluatePolicy(m, pi);
    for (let s = 0; s < 12; s++) expect(exact[s]).toBeCloseTo(w[s], 10);
  });

  it('throws on bad input, naming the function', () => {
    expect(() => garnet(5, 2, 6, 0.9, new Rng(1))).toThrow(/garnet: branching/);
    expect(() => garnet(5, 2, 2, 1, new Rng(1))).toThrow(/garnet: gamma/);
    const m = garnet(5, 2, 2, 0.9, new Rng(1));
    expect(() => klValueIteration(m, new Float64Array(5), 0, { iterations: 3, checkpoints: [1], noise: 0, rng: new Rng(1) })).toThrow(/klValueIteration: lambda/);
    expect(() => approximateValueIteration(m, new Float64Array(5), { iterations: 3, checkpoints: [4], noise: 0, rng: new Rng(1) })).toThrow(/approximateValueIteration: checkpoints/);
  });
});

describe('KL-regularised value iteration', () => {
  // one state, two actions, self-loop: r = (1, 0), gamma = 1/2, lambda = 1
  const bandit: Mdp = { states: 1, actions: 2, gamma: 0.5, reward: Float64Array.of(1, 0), transition: Float64Array.of(1, 1) };

  it('follows the MD-VI recursion by hand: q_1 = r, q_2 = r + gamma lambda log((1 + e)/2)', () => {
    const run = klValueIteration(bandit, Float64Array.of(2), 1, { iterations: 3, checkpoints: [2, 3], noise: 0, rng: new Rng(1) });
    // the policy after k steps acts on the average of q_0..q_{k-1}
    expect(run.actedOn[0][0]).toBeCloseTo(0.5, 14);
    expect(run.actedOn[0][1]).toBeCloseTo(0, 14);
    const c = 0.5 * Math.log((1 + Math.E) / 2);
    expect(run.actedOn[1][0]).toBeCloseTo((1 + 1 + c) / 3, 14);
    expect(run.actedOn[1][1]).toBeCloseTo(c / 3, 14);
    expect(run.identityError).toBeLessThan(1e-14);
  });

  it('its policy is the softmax of the summed q-values, with and without errors', () => {
    const m = garnet(10, 3, 3, 0.9, new Rng(2));
    const vStar = new Float64Array(10);
    for (const noise of [0, 1]) expect(klValueIteration(m, vStar, 0.5, { iterations: 200, checkpoints: [200], noise, rng: new Rng(3) }).identityError).toBeLessThan(1e-10);
  });

  it('without errors both schemes reach the optimal policy; with errors AVI stays away from it', () => {
    const m = garnet(10, 3, 3, 0.9, new Rng(4));
    const q = optimalQ(m);
    const vStar = new Float64Array(10).map((_, s) => Math.max(...q.subarray(s * 3, s * 3 + 3)));
    const o = { iterations: 400, checkpoints: [400], noise: 0, rng: new Rng(5) };
    expect(klValueIteration(m, vStar, 1, o).suboptimality[0]).toBeLessThan(1e-3);
    expect(Math.abs(approximateValueIteration(m, vStar, o).suboptimality[0])).toBeLessThan(1e-9);
    expect(approximateValueIteration(m, vStar, { ...o, noise: 1 }).suboptimality[0]).toBeGreaterThan(0.05);
  });
});
