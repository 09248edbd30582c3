/**
 * The ambient (noisy-sample) mixture toolkit against exact computations: EM's fixed point with one
 * component is the precision-weighted mean; one EM step against a hand computation; the likelihood
 * against the diffusion toolkit's independent mixture density; EM never lowers the likelihood;
 * relabelling-invariant errors and the sample size that matches an error, on exact power laws; the
 * Fisher information against its closed forms (one Gaussian; far-apart components).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  asymptoticNoisyPerClean, initMeans, matchedMeanError, meanFisherInformation1d, noisyGmmEm, noisyGmmEmStep, noisyGmmLogLikelihood, samplesToMatch, traceInverse,
} from '../src/techniques/ambient/index.js';
import { gmm, noisedLogDensity } from '../src/techniques/diffusion/index.js';

const normalPdf = (y: number, mu: number, c: number) => Math.exp(-((y - mu) ** 2) / (2 * c)) / Math.sqrt(2 * Math.PI * c);

describe('noisyGmmEm', () => {
  it('with one component converges to the precision-weighted mean sum y_i/(v + s_i^2) / sum 1/(v + s_i^2)', () => {
    const rng = new Rng(1);
    const y = Float64Array.from({ length: 50 }, () => 2 + 3 * rng.normal());
    const noise = Float64Array.from({ length: 50 }, (_, i) => (i % 3) * 1.5);
    const v = 0.7;
    let [num, den] = [0, 0];
    for (let i = 0; i < 50; i++) [num, den] = [num + y[i] / (v + noise[i]), den + 1 / (v + noise[i])];
    const fit = noisyGmmEm(y, 1, noise, { weights: [1], variance: v, init: [[-5]] });
    expect(fit.means[0][0]).toBeCloseTo(num / den, 12);
    // the E-step is trivial (r = 1), so the first M-step lands on the fixed point and the second confirms it
    expect(fit.iterations).toBe(2);
    expect(fit.converged).toBe(true);
    // the unweighted mean differs: noisy points must count less
    expect(Math.abs(num / den - y.reduce((a, b) => a + b, 0) / 50)).toBeGreaterThan(1e-3);
  });

  it('one EM step matches a hand computation (two components, one noisy point)', () => {
    const y = Float64Array.of(0, 1, 3);
    const noise = [0, 1, 0];
    const [w, v, mu] = [[0.3, 0.7], 1, [0, 2]];
    // E-step by hand: r_ik = w_k N(y_i; mu_k, v + s_i^2) / sum over k; M-step: precision-weighted means
    const r = [0, 1, 2].map((i) => { const p = mu.map((m, k) => w[k] * normalPdf(y[i], m, v + noise[i])); const z = p[0] + p[1]; return p.map((x) => x / z); });
    const expected = mu.map((_, k) => {
      let [a, b] = [0, 0];
      for (let i = 0; i < 3; i++) [a, b] = [a + (r[i][k] * y[i]) / (v + noise[i]), b + r[i][k] / (v + noise[i])];
      return a / b;
    });
    const step = noisyGmmEmStep(y, 1, noise, { weights: w, variance: v, means: mu.map((m) => [m]) });
    expect(step[0][0]).toBeCloseTo(expected[0], 12);
    expect(step[1][0]).toBeCloseTo(expected[1], 12);
  });

  it('the log-likelihood equals the diffusion toolkit\'s mixture density with variances v + s^2 (2-D, per-component v)', () => {
    const rng = new Rng(2);
    const y = Float64Array.from({ length: 40 }, () => rng.normal() * 2);
    const means = [[1, 0], [-1, 1], [0, -2]];
    const [w, v] = [[0.2, 0.5, 0.3], [0.5, 1, 2]];
    for (const s2 of [0, 0.8]) {
      // N(a mu, (a^2 v + s^2) I) at a = 1 is the noisy observation's component
      const exact = noisedLogDensity(gmm(w, means, v), y, 1, Math.sqrt(s2)).reduce((a, b) => a + b, 0);
      expect(noisyGmmLogLikelihood(y, 2, s2, { weights: w, variance: v, means })).toBeCloseTo(exact, 9);
    }
  });

  it('never lowers the likelihood, and recovers well-separated 2-D means from many mixed clean and noisy samples', () => {
    const rng = new Rng(3);
    const truth = [[-3, 0], [3, 1]];
    const n = 4000;
    const noise = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 2 : 0));
    const y = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) { const k = rng.int(2); for (let j = 0; j < 2; j++) y[2 * i + j] = truth[k][j] + rng.normal() + Math.sqrt(noise[i]) * rng.normal(); }
    const model = { weights: [0.5, 0.5], variance: 1 };
    let means = [[-0.5, 0], [0.5, 0]];
    let last = -Infinity;
    for (let it = 0; it < 30; it++) {
      const ll = noisyGmmLogLikelihood(y, 2, noise, { ...model, means });
      expect(ll).toBeGreaterThanOrEqual(last - 1e-9);
      last = ll;
      means = noisyGmmEmStep(y, 2, noise, { ...model, means });
    }
    const fit = noisyGmmEm(y, 2, noise, { ...model, init: initMeans(y, 2, 2, 'kmeans++', new Rng(4)) });
    expect(fit.converged).toBe(true);
    expect(matchedMeanError(fit.means, truth)).toBeLessThan(0.1);
  });

  it('throws on bad input, naming the function and argument', () => {
    const y = Float64Array.of(0, 1, 2);
    expect(() => noisyGmmEm(y, 1, [0, 1], { weights: [1], variance: 1, init: [[0]] })).toThrow(/noisyGmmEm: noiseVar/);
    expect(() => noisyGmmEm(y, 1, 0, { weights: [0.5, 0.6], variance: 1, init: [[0], [1]] })).toThrow(/noisyGmmEm: weights/);
    expect(() => noisyGmmEm(y, 1, 0, { weights: [1], variance: 1, init: [[0, 1]] })).toThrow(/noisyGmmEm: means/);
    expect(() => noisyGmmEm(y, 1, -1, { weights: [1], variance: 1, init: [[0]] })).toThrow(/noisyGmmEm: noiseVar/);
    expect(() => noisyGmmEm(y, 1, 0, { weights: [1], variance: 0, init: [[0]] })).toThrow(/noisyGmmEm: v_k \+ sigma_i\^2/);
    expect(() => initMeans(Float64Array.of(0, 1, 2, 3), 2, 2, 'quantiles')).toThrow(/initMeans: 'quantiles' needs d = 1/);
    expect(() => initMeans(y, 1, 2, 'kmeans++')).toThrow(/initMeans: 'kmeans\+\+' needs an rng/);
  });

  it('quantile starts sit at the (k + 1/2)/K quantiles', () => {
    const y = Float64Array.from({ length: 100 }, (_, i) => 99 - i);
    expect(initMeans(y, 1, 4, 'quantiles')).toEqual([[12], [37], [62], [87]]);
  });
});

describe('matchedMeanError and samplesToMatch', () => {
  it('the error does not depend on the order of the estimates, and is the RMS distance under the best matching', () => {
    const truth = [[0, 0], [2, 0], [0, 3]];
    const est = [[0.1, 3], [0, 0.2], [2.3, 0]];
    const expected = Math.sqrt((0.1 ** 2 + 0.2 ** 2 + 0.3 ** 2) / 3);
    expect(matchedMeanError(est, truth)).toBeCloseTo(expected, 12);
    expect(matchedMeanError([est[2], est[0], est[1]], truth)).toBeCloseTo(expected, 12);
    expect(() => matchedMeanError([[0]], [[0], [1]])).toThrow(/matchedMeanError: est/);
  });

  it('recovers the exact n on a power law, extrapolates at rate n^-1/2 past the last size, and flags it', () => {
    const sizes = [100, 200, 400, 800, 1600];
    const errors = sizes.map((n) => 3 * n ** -0.5);
    // between grid points a power law is interpolated exactly
    expect(samplesToMatch(sizes, errors, 3 * 300 ** -0.5).n).toBeCloseTo(300, 9);
    expect(samplesToMatch(sizes, errors, 1).n).toBe(100);
    const past = samplesToMatch(sizes, errors, 3 * 6400 ** -0.5);
    expect(past.extrapolated).toBe(true);
    expect(past.n).toBeCloseTo(6400, 6);
    expect(() => samplesToMatch([2, 1], [1, 1], 1)).toThrow(/samplesToMatch: sizes/);
    expect(() => samplesToMatch([1, 2], [1, 0], 1)).toThrow(/samplesToMatch: errors/);
  });
});

describe('meanFisherInformation1d', () => {
  it('is 1/(v + s^2) for one Gaussian, so a noisy sample is worth v/(v + s^2) of a clean one', () => {
    expect(meanFisherInformation1d([0.5], [1], 2, 3)[0][0]).toBeCloseTo(1 / 5, 8);
    expect(asymptoticNoisyPerClean([0.5], [1], 2, 3)).toBeCloseTo(5 / 2, 8);
  });

  it('is diag(w_k/(v + s^2)) for components too far apart to overlap', () => {
    const I = meanFisherInformation1d([-40, 0, 40], [0.2, 0.3, 0.5], 1, 1);
    const expected = [0.2 / 2, 0.3 / 2, 0.5 / 2];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(I[a][b]).toBeCloseTo(a === b ? expected[a] : 0, 8);
    expect(traceInverse(I)).toBeCloseTo(2 / 0.2 + 2 / 0.3 + 2 / 0.5, 6);
  });

  it('loses information faster than 1/(v + s^2) when the components overlap', () => {
    const r = asymptoticNoisyPerClean([-2, 0, 2], [1 / 3, 1 / 3, 1 / 3], 1, 4);
    expect(r).toBeGreaterThan(5);
    expect(() => traceInverse([[1, 2], [2, 1]])).toThrow(/traceInverse: a is not positive definite/);
    expect(() => meanFisherInformation1d([0, 1], [1], 1, 0)).toThrow(/meanFisherInformation1d: weights/);
  });
});
