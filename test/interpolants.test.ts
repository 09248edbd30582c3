import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gmm } from '../src/techniques/diffusion/index.js';
import { gmmInterpolantFields, interpolantOde, interpolantSde, learnInterpolantFields, linearInterpolant, trigInterpolant } from '../src/techniques/interpolants/index.js';

const interpolants = [linearInterpolant(), trigInterpolant(), linearInterpolant(0)];

describe('stochastic interpolants: exact fields', () => {
  it('coefficients bridge the ends, and gamma gamma\' is d(gamma^2)/dt / 2 with gamma\' by finite differences', () => {
    for (const I of interpolants) {
      expect([I.alpha(0), I.beta(0), I.gamma(0), I.alpha(1), I.gamma(1)]).toEqual([1, 0, 0, expect.closeTo(0, 15), 0]);
      expect(I.beta(1)).toBeCloseTo(1, 15);
      for (const t of [0.1, 0.4, 0.8]) {
        const h = 1e-6;
        const fd = (f: (t: number) => number) => (f(t + h) - f(t - h)) / (2 * h);
        expect(I.dAlpha(t)).toBeCloseTo(fd(I.alpha), 7);
        expect(I.dBeta(t)).toBeCloseTo(fd(I.beta), 7);
        expect(I.dGamma(t)).toBeCloseTo(fd(I.gamma), 6);
        expect(I.gammaDGamma(t)).toBeCloseTo(fd((s) => I.gamma(s) ** 2) / 2, 7);
      }
    }
    expect(() => linearInterpolant(-1)).toThrow('linearInterpolant: a must be a finite number >= 0, got -1');
  });

  it('to a Gaussian target the velocity is the Gaussian path\'s, m\' + (c\'/2c)(x - m), m = beta mu, c = alpha^2 + gamma^2 + beta^2 v', () => {
    const [mu, v] = [[1.5, -0.5], 0.3];
    const fields = (I: (typeof interpolants)[number]) => gmmInterpolantFields(I, gmm([1], [mu], v));
    const x = Float64Array.of(0.3, 0.7, -1.2, 2);
    for (const I of interpolants) for (const t of [0, 0.2, 0.5, 0.9, 1]) {
      const c = I.alpha(t) ** 2 + I.gamma(t) ** 2 + I.beta(t) ** 2 * v;
      const dc = 2 * I.alpha(t) * I.dAlpha(t) + 2 * I.gammaDGamma(t) + 2 * I.beta(t) * I.dBeta(t) * v;
      const b = fields(I).velocity(x, t);
      for (let j = 0; j < 4; j++) expect(b[j], `${I.name} t=${t}`).toBeCloseTo(I.dBeta(t) * mu[j % 2] + (dc / (2 * c)) * (x[j] - I.beta(t) * mu[j % 2]), 12);
      // eta = -gamma score, score = -(x - m)/c
      const eta = fields(I).denoiser(x, t);
      for (let j = 0; j < 4; j++) expect(eta[j]).toBeCloseTo((I.gamma(t) * (x[j] - I.beta(t) * mu[j % 2])) / c, 12);
    }
  });

  it('a mixture\'s density solves the transport equation d rho/dt + div(b rho) = 0 and, for eps > 0, the Fokker-Planck equation with b + eps score', () => {
    const target = gmm([0.3, 0.7], [[-1, 0.5], [1.2, -0.4]], [0.1, 0.25]);
    for (const I of interpolants.slice(0, 2)) {
      const f = gmmInterpolantFields(I, target);
      const rho = (x: number, y: number, t: number) => Math.exp(f.logDensity(Float64Array.of(x, y), t)[0]);
      const flux = (x: number, y: number, t: number, eps: number) => {
        const p = Float64Array.of(x, y);
        const [b, s, r] = [f.velocity(p, t), f.score(p, t), rho(x, y, t)];
        return [r * (b[0] + eps * s[0]), r * (b[1] + eps * s[1])];
      };
      const h = 1e-4;
      for (const t of [0.2, 0.5, 0.8]) for (const [x, y] of [[-1, 0.3], [0.2, 0], [0.9, -0.5], [0, 1]]) {
        const dt = (rho(x, y, t + h) - rho(x, y, t - h)) / (2 * h);
        for (const eps of [0, 0.5]) {
          const div = (flux(x + h, y, t, eps)[0] - flux(x - h, y, t, eps)[0]) / (2 * h) + (flux(x, y + h, t, eps)[1] - flux(x, y - h, t, eps)[1]) / (2 * h);
          const H = 1e-3;
          const lap = (rho(x + H, y, t) + rho(x - H, y, t) + rho(x, y + H, t) + rho(x, y - H, t) - 4 * rho(x, y, t)) / (H * H);
          const residual = dt + div - eps * lap;
          expect(Math.abs(residual) / (Math.abs(dt) + Math.abs(div) + 1e-12), `${I.name} t=${t} (${x}, ${y}) eps=${eps}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('the ODE and the SDE (eps = 1) carry N(0, I) to a Gaussian target: mean and variance within Monte Carlo error', () => {
    const [mu, v] = [[1.5, -0.5], 0.3];
    const f = gmmInterpolantFields(linearInterpolant(), gmm([1], [mu], v));
    const rng = new Rng(1);
    const n = 10000;
    const x0 = Float64Array.from({ length: 2 * n }, () => rng.normal());
    for (const x of [interpolantOde(f.velocity, x0, { steps: 100 }), interpolantSde(f.velocity, f.score, x0, { steps: 500, eps: 1, rng })]) {
      for (let j = 0; j < 2; j++) {
        let [s, ss] = [0, 0];
        for (let i = 0; i < n; i++) [s, ss] = [s + x[2 * i + j], ss + x[2 * i + j] ** 2];
        const m = s / n;
        expect(Math.abs(m - mu[j])).toBeLessThan(4 * Math.sqrt(v / n));
        expect(Math.abs(ss / n - m * m - v)).toBeLessThan(4 * v * Math.sqrt(2 / n) + 0.01);
      }
    }
    expect(x0[0]).toBe(new Rng(1).normal());
    expect(() => interpolantSde(f.velocity, f.score, x0, { steps: 10, eps: -1, rng })).toThrow('interpolantSde: eps must be a finite number >= 0, got -1');
    expect(() => interpolantOde(f.velocity, x0, { steps: 0 })).toThrow('interpolantOde: steps must be an integer >= 1, got 0');
    expect(() => interpolantOde(() => new Float64Array(1), x0, { steps: 1 })).toThrow(/interpolantOde: the field returned 1 values for 20000 inputs/);
  });
});

describe('stochastic interpolants: learned fields', () => {
  it('the quadratic objectives recover the exact velocity and score of a Gaussian target, leaving no tensors', async () => {
    const target = gmm([1], [[1, -0.5]], 0.3);
    const I = linearInterpolant();
    const exact = gmmInterpolantFields(I, target);
    const rng = new Rng(2);
    const data = Float64Array.from({ length: 8000 }, (_, j) => [1, -0.5][j % 2] + Math.sqrt(0.3) * rng.normal());
    const before = tf.memory().numTensors;
    const learned = await learnInterpolantFields(I, data, 2, { hidden: [128, 128], steps: 1500, batchSize: 256, lr: 5e-3, rng: new Rng(3) });
    const rel = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
    for (const t of [0.3, 0.5, 0.7]) {
      // points where the objectives weigh: draws of x_t itself
      const x = Float64Array.from({ length: 1000 }, (_, j) => I.alpha(t) * rng.normal() + I.beta(t) * ([1, -0.5][j % 2] + Math.sqrt(0.3) * rng.normal()) + I.gamma(t) * rng.normal());
      // a ReLU net of this size leaves 5-10% approximation error (a larger batch does not reduce it); a wrong
      // target (sign, factor, the gamma' term) would leave 50% or more
      expect(rel(learned.velocity(x, t), exact.velocity(x, t)), `velocity t=${t}`).toBeLessThan(0.15);
      expect(rel(learned.score(x, t), exact.score(x, t)), `score t=${t}`).toBeLessThan(0.1);
    }
    expect(learned.losses.length).toBe(50);
    learned.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
