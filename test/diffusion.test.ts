/**
 * The diffusion toolkit against closed forms: processes against their own marginals by finite
 * differences, mixture scores/divergences/denoisers against finite differences and quadrature, samplers
 * against Gaussian data (whose noised score is exact and whose samplers are affine maps), the ODE
 * likelihood against the exact noised density, and guidance against Gaussian powers.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  cfg,
  componentPosterior,
  ddimStep,
  pcgSample,
  cosineSchedule,
  ddimSample,
  ddpmSample,
  gmm,
  gmmEps,
  gmmMoments,
  gmmScore,
  gmmScoreDivergence,
  linearBetas,
  noisedLogDensity,
  noisedScore,
  noisedScoreDivergence,
  odeLogLikelihood,
  posteriorMean,
  predictorCorrector,
  priorSample,
  probabilityFlow,
  reverseSde,
  sampleGmm,
  snr,
  stepIndices,
  tiltedLogDensity1d,
  veGeometric,
  vpLinear,
  zeroTerminalSnr,
  type NoisingProcess,
} from '../src/techniques/diffusion/index.js';
import { trainTimeScore } from '../src/techniques/score/index.js';

const TMIN = 1e-3;

/** Per-coordinate sample means and variances (n - 1 denominator) of n x d points, and the 0-1 covariance. */
function moments(x: Float64Array, d: number): { mean: number[]; variance: number[]; cov01: number } {
  const n = x.length / d;
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j];
    return s / n;
  });
  const variance = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * d + j] - m) ** 2;
    return s / (n - 1);
  });
  let cov01 = 0;
  if (d > 1) for (let i = 0; i < n; i++) cov01 += ((x[i * d] - mean[0]) * (x[i * d + 1] - mean[1])) / (n - 1);
  return { mean, variance, cov01 };
}

/**
 * Samples of N(m, v I) within 4 standard errors: sqrt(v/n) for a mean, v sqrt(2/(n-1)) for a variance,
 * v/sqrt(n) for a covariance (Gaussian output). Systematic errors of the samplers tested with this are
 * checked separately to lie well below one standard error.
 */
function expectGaussian(x: Float64Array, d: number, m: number[], v: number, label: string): void {
  const n = x.length / d;
  const got = moments(x, d);
  for (let j = 0; j < d; j++) {
    expect(Math.abs(got.mean[j] - m[j]), `${label}: mean[${j}] = ${got.mean[j]} vs ${m[j]}`).toBeLessThan(4 * Math.sqrt(v / n));
    expect(Math.abs(got.variance[j] - v), `${label}: variance[${j}] = ${got.variance[j]} vs ${v}`).toBeLessThan(4 * v * Math.sqrt(2 / (n - 1)));
  }
  if (d > 1) expect(Math.abs(got.cov01), `${label}: covariance ${got.cov01}`).toBeLessThan((4 * v) / Math.sqrt(n));
}

describe('noising processes', () => {
  const fd = (f: (t: number) => number, t: number, h = 1e-6) => (f(t + h) - f(t - h)) / (2 * h);

  it('VP keeps alpha^2 + sigma^2 = 1; f = d/dt log alpha and d sigma^2/dt = 2 f sigma^2 + g^2 (VP and VE, finite differences)', () => {
    const vp = vpLinear();
    for (const t of [0, 1e-4, 0.01, 0.3, 0.7, 1]) expect(vp.alpha(t) ** 2 + vp.sigma(t) ** 2).toBeCloseTo(1, 14);
    expect(vp.sigma(1e-8)).toBeGreaterThan(0);
    // the closed form at t = 1: alpha = exp(-(betaMin + betaMax)/4)
    expect(vp.alpha(1)).toBeCloseTo(Math.exp(-(0.1 + 20) / 4), 15);
    for (const p of [vp, vpLinear(1, 5), veGeometric(), veGeometric(0.1, 10)]) {
      for (const t of [0.05, 0.3, 0.7, 0.95]) {
        const f = fd((u) => Math.log(p.alpha(u)), t);
        expect(Math.abs(f - p.f(t)), `${p.name} f at ${t}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(p.f(t))));
        const dv = fd((u) => p.sigma(u) ** 2, t);
        const want = 2 * p.f(t) * p.sigma(t) ** 2 + p.g2(t);
        expect(Math.abs(dv - want), `${p.name} variance ODE at ${t}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(want)));
      }
    }
    const ve = veGeometric(0.01, 50);
    expect(ve.sigma(0)).toBeCloseTo(0.01, 15);
    expect(ve.sigma(1)).toBeCloseTo(50, 10);
    expect(snr(ve, 0.5)).toBeCloseTo(1 / ve.sigma(0.5) ** 2, 12);
    expect(() => vpLinear(1, 0.5)).toThrow(/vpLinear: need 0 <= betaMin <= betaMax/);
    expect(() => veGeometric(0, 1)).toThrow(/veGeometric: need 0 < sigmaMin < sigmaMax/);
  });

  it('linear and cosine schedules: alphaBar is the running product of 1 - betas; cosine follows h(t)/h(0) where unclipped', () => {
    const lin = linearBetas(1000);
    expect(lin.betas[0]).toBeCloseTo(1e-4, 15);
    expect(lin.betas[999]).toBeCloseTo(0.02, 15);
    const cos = cosineSchedule(1000);
    for (const s of [lin, cos]) {
      let prod = 1;
      s.betas.forEach((b, t) => {
        prod *= 1 - b;
        expect(s.alphaBar[t]).toBeCloseTo(prod, 14);
      });
      for (let t = 1; t < s.alphaBar.length; t++) expect(s.alphaBar[t]).toBeLessThan(s.alphaBar[t - 1]);
    }
    const h = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 10, 500, 900]) expect(cos.alphaBar[t]).toBeCloseTo(h(t + 1) / h(0), 10);
    expect(cos.betas[999]).toBe(0.999);
    expect(() => linearBetas(0)).toThrow(/linearBetas: T must be an integer >= 1/);
  });

  it('zero terminal SNR keeps alphaBar[0], makes alphaBar[T-1] = 0, and is affine in sqrt(alphaBar) (Lin et al. 2024)', () => {
    for (const base of [linearBetas(1000), cosineSchedule(200)]) {
      const z = zeroTerminalSnr(base);
      const T = base.alphaBar.length;
      expect(z.alphaBar[0]).toBe(base.alphaBar[0]);
      expect(z.alphaBar[T - 1]).toBe(0);
      expect(z.betas[T - 1]).toBe(1);
      expect(snr(z)[T - 1]).toBe(0);
      // sqrt(alphaBar) new = k (sqrt(alphaBar) old - sqrt(alphaBar[T-1]) old), one k for all steps
      const k = Math.sqrt(z.alphaBar[0]) / (Math.sqrt(base.alphaBar[0]) - Math.sqrt(base.alphaBar[T - 1]));
      for (const t of [1, T >> 1, T - 2]) expect(Math.sqrt(z.alphaBar[t])).toBeCloseTo(k * (Math.sqrt(base.alphaBar[t]) - Math.sqrt(base.alphaBar[T - 1])), 12);
      // betas recover alphaBar as a running product
      let prod = 1;
      z.betas.forEach((b, t) => {
        prod *= 1 - b;
        expect(prod).toBeCloseTo(z.alphaBar[t], 12);
      });
    }
  });
});

describe('Gaussian mixtures', () => {
  const g = gmm([0.2, 0.5, 0.3], [[-2, 1], [1.5, 0.5], [0, -1.5]], [0.3, 0.6, 0.1]);
  const points = Float64Array.from([0.3, -0.2, -2.5, 1.1, 1.4, 0.9, 4, -3, 0, 0]);
  const settings: [number, number][] = [[1, 0.05], [0.8, 0.6], [0.2, 1], [1, 2]];

  it('validates its arguments', () => {
    expect(() => gmm([0.5, 0.4], [[0], [1]], 1)).toThrow('gmm: weights must sum to 1, got 0.9');
    expect(() => gmm([1], [[0, 1]], [-1])).toThrow(/gmm: vars must be finite and >= 0/);
    expect(() => gmm([0.5, 0.5], [[0], [1, 2]], 1)).toThrow(/gmm: means must all have the same dimension/);
    expect(() => noisedScore(g, Float64Array.from([1, 2, 3]), 1, 1)).toThrow(/noisedScore: x has 3 values, not a multiple of the mixture's dimension 2/);
    expect(() => noisedScore(gmm([1], [[0]], 0), Float64Array.from([1]), 1, 0)).toThrow(/point mass needs s > 0/);
  });

  it('the score is the central finite difference of the log density', () => {
    const h = 1e-5;
    for (const [a, s] of settings) {
      const score = noisedScore(g, points, a, s);
      for (let i = 0; i < points.length; i++) {
        const [up, dn] = [Float64Array.from(points), Float64Array.from(points)];
        up[i] += h;
        dn[i] -= h;
        const p = i >> 1;
        const diff = (noisedLogDensity(g, up, a, s)[p] - noisedLogDensity(g, dn, a, s)[p]) / (2 * h);
        expect(Math.abs(score[i] - diff), `a=${a}, s=${s}, coordinate ${i}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(diff)));
      }
    }
  });

  it("the divergence is the finite-difference trace of the score's Jacobian", () => {
    const h = 1e-5;
    for (const [a, s] of settings) {
      const div = noisedScoreDivergence(g, points, a, s);
      const trace = new Float64Array(div.length);
      for (let i = 0; i < points.length; i++) {
        const [up, dn] = [Float64Array.from(points), Float64Array.from(points)];
        up[i] += h;
        dn[i] -= h;
        trace[i >> 1] += (noisedScore(g, up, a, s)[i] - noisedScore(g, dn, a, s)[i]) / (2 * h);
      }
      div.forEach((v, p) => expect(Math.abs(v - trace[p]), `a=${a}, s=${s}, point ${p}: ${v} vs ${trace[p]}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
    }
  });

  it("the posterior mean is Tweedie's formula and E[x0 | x_t] by quadrature in 1-D", () => {
    for (const [a, s] of settings) {
      const pm = posteriorMean(g, points, a, s);
      const score = noisedScore(g, points, a, s);
      pm.forEach((v, j) => expect(v).toBeCloseTo((points[j] + s * s * score[j]) / a, 10));
    }
    // 1-D: E[x0 | xt] = int x0 p(x0) N(xt; a x0, s^2) / int p(x0) N(xt; a x0, s^2) on a fine grid
    const g1 = gmm([0.3, 0.7], [[-1], [2]], [0.25, 0.5]);
    const grid = Float64Array.from({ length: 24001 }, (_, i) => -12 + i * 1e-3);
    const prior = noisedLogDensity(g1, grid, 1, 0);
    for (const [a, s] of [[1, 0.05], [0.8, 0.6], [0.3, 1], [0, 1]]) {
      for (const xt of [-2, 0.1, 1.3, 3]) {
        let [num, den] = [0, 0];
        grid.forEach((x0, i) => {
          const w = Math.exp(prior[i] - (xt - a * x0) ** 2 / (2 * s * s)) * (i === 0 || i === grid.length - 1 ? 0.5 : 1);
          num += w * x0;
          den += w;
        });
        expect(posteriorMean(g1, Float64Array.of(xt), a, s)[0], `a=${a}, s=${s}, xt=${xt}`).toBeCloseTo(num / den, 8);
      }
    }
  });

  it("component posteriors are Bayes' rule: rows sum to 1 and weight the component densities", () => {
    const [a, s] = [0.8, 0.6];
    const r = componentPosterior(g, points, a, s);
    const logp = noisedLogDensity(g, points, a, s);
    for (let i = 0; i < points.length / 2; i++) {
      const x = points.subarray(2 * i, 2 * i + 2);
      let total = 0;
      for (let k = 0; k < 3; k++) {
        const c = a * a * g.vars[k] + s * s;
        const sq = (x[0] - a * g.means[k][0]) ** 2 + (x[1] - a * g.means[k][1]) ** 2;
        const joint = g.weights[k] * Math.exp(-sq / (2 * c)) / (2 * Math.PI * c);
        expect(r[i * 3 + k]).toBeCloseTo(joint / Math.exp(logp[i]), 12);
        total += r[i * 3 + k];
      }
      expect(total).toBeCloseTo(1, 14);
    }
  });

  it('is stable far from every component (log-sum-exp)', () => {
    const far = Float64Array.from([1e3, -1e3]);
    const lp = noisedLogDensity(g, far, 1, 0.1)[0];
    expect(Number.isFinite(lp)).toBe(true);
    const score = noisedScore(g, far, 1, 0.1);
    // the nearest component in variance-scaled distance dominates: here the widest one
    expect(score[0]).toBeCloseTo((1.5 - 1e3) / (0.6 + 0.01), 6);
    expect(Number.isFinite(noisedScoreDivergence(g, far, 1, 0.1)[0])).toBe(true);
  });

  it('sampled moments match gmmMoments within 4 standard errors', () => {
    const n = 40000;
    const x = sampleGmm(g, n, new Rng(11));
    const { mean, variance } = gmmMoments(g);
    const got = moments(x, 2);
    for (let j = 0; j < 2; j++) {
      // SE of a sample variance from the fourth central moment, estimated from the sample
      let m4 = 0;
      for (let i = 0; i < n; i++) m4 += (x[2 * i + j] - got.mean[j]) ** 4 / n;
      expect(Math.abs(got.mean[j] - mean[j])).toBeLessThan(4 * Math.sqrt(variance[j] / n));
      expect(Math.abs(got.variance[j] - variance[j])).toBeLessThan(4 * Math.sqrt((m4 - got.variance[j] ** 2) / n));
    }
    // by hand: mean = sum w mu, variance = sum w (v + mu^2) - mean^2
    expect(mean[0]).toBeCloseTo(0.2 * -2 + 0.5 * 1.5, 14);
    expect(variance[1]).toBeCloseTo(0.2 * 1.3 + 0.5 * 0.85 + 0.3 * 2.35 - (0.2 + 0.25 - 0.45) ** 2, 14);
  });
});

describe('samplers on Gaussian data (exact score)', () => {
  // N(m, v I): the noised score is affine, so every sampler is an affine map of x_T (plus noise)
  const [m1, v] = [0.5, 0.5];
  const g1 = gmm([1], [[m1]], [v]);
  const m2 = [0.5, -0.5];
  const g2 = gmm([1], [m2], [v]);

  /** The exact flow's pushforward of N(0, sigma(1)^2): x -> alpha0 m + sqrt(c0/c1) (x - alpha1 m), c = alpha^2 v + sigma^2. */
  function exactFlowMoments(p: NoisingProcess): [number, number] {
    const [a1, a0] = [p.alpha(1), p.alpha(TMIN)];
    const [c1, c0] = [a1 * a1 * v + p.sigma(1) ** 2, a0 * a0 * v + p.sigma(TMIN) ** 2];
    const k = Math.sqrt(c0 / c1);
    return [a0 * m1 - k * a1 * m1, k * k * p.sigma(1) ** 2];
  }

  it('probability flow: Heun is second order and within 1e-3 of the exact pushforward at 500 steps (VP and VE)', () => {
    for (const p of [vpLinear(), veGeometric()]) {
      const [mean, variance] = exactFlowMoments(p);
      const err = (steps: number, method: 'euler' | 'heun') => {
        // the map is affine: x(0) is its offset, x(1) - x(0) its slope
        const out = probabilityFlow(p, gmmScore(g1, p), Float64Array.of(0, 1), { steps, method });
        return Math.max(Math.abs(out[0] - mean), Math.abs((out[1] - out[0]) ** 2 * p.sigma(1) ** 2 - variance));
      };
      const [h100, h500, e500] = [err(100, 'heun'), err(500, 'heun'), err(500, 'euler')];
      // 1e-3 is a seventh of the standard error of 10000 chains: the Monte Carlo tests below see the sampler, not the grid
      expect(h500, p.name).toBeLessThan(1e-3);
      // second order: 5x the steps, 25x less error (first order: 5x)
      expect(h100 / h500, p.name).toBeGreaterThan(12);
      expect(h500, p.name).toBeLessThan(e500 / 10);
    }
  });

  // the prior N(0, sigma(1)^2) misses the signal alpha(1) m = 3.3e-3 left at t = 1 (half a standard error of
  // 10000 chains); the grid's error is checked above (ODE) or is of order h (SDE, 0.2% of v at 500 steps)
  it('probability flow (Heun, 500 steps) maps prior draws to N(m, v), 1-D and 2-D', () => {
    const p = vpLinear();
    const rng = new Rng(1);
    expectGaussian(probabilityFlow(p, gmmScore(g1, p), priorSample(p, 10000, 1, rng), { steps: 500, method: 'heun' }), 1, [m1], v, 'ODE 1-D');
    expectGaussian(probabilityFlow(p, gmmScore(g2, p), priorSample(p, 5000, 2, rng), { steps: 500, method: 'heun' }), 2, m2, v, 'ODE 2-D');
  });

  it('reverse SDE (Euler-Maruyama, 500 steps) maps prior draws to N(m, v), 1-D and 2-D, VP and VE', () => {
    const rng = new Rng(2);
    for (const p of [vpLinear(), veGeometric()]) {
      expectGaussian(reverseSde(p, gmmScore(g1, p), priorSample(p, 10000, 1, rng), { steps: 500, rng }), 1, [m1], v, `SDE 1-D ${p.name}`);
      expectGaussian(reverseSde(p, gmmScore(g2, p), priorSample(p, 5000, 2, rng), { steps: 500, rng }), 2, m2, v, `SDE 2-D ${p.name}`);
    }
  });

  it('predictor-corrector (r = 0.05) maps prior draws to N(m, v); with no corrector steps it is the reverse SDE', () => {
    const p = vpLinear();
    const score = gmmScore(g1, p);
    const xT = priorSample(p, 10000, 1, new Rng(3));
    // Langevin's stationary variance with step e is c / (1 - e/(2c)); e = 2 r^2 c here, a bias of r^2 = 0.25%
    expectGaussian(predictorCorrector(p, score, xT, { steps: 500, correctorSteps: 1, snr: 0.05, rng: new Rng(4) }), 1, [m1], v, 'PC');
    const small = xT.subarray(0, 100);
    expect(predictorCorrector(p, score, small, { steps: 50, correctorSteps: 0, snr: 0.16, rng: new Rng(5) })).toEqual(reverseSde(p, score, small, { steps: 50, rng: new Rng(5) }));
  });

  it('DDPM ancestral sampling with the exact eps maps prior draws to N(m, v), 1-D and 2-D', () => {
    const s = linearBetas(1000);
    const rng = new Rng(6);
    expectGaussian(ddpmSample(s, gmmEps(g1, s), priorSample(s, 10000, 1, rng), rng), 1, [m1], v, 'DDPM 1-D');
    expectGaussian(ddpmSample(s, gmmEps(g2, s), priorSample(s, 5000, 2, rng), rng), 2, m2, v, 'DDPM 2-D');
  });

  it('DDIM with the exact eps maps prior draws to N(m, v); eta = 0 is deterministic; strided DDIM converges as steps grow', () => {
    const s = linearBetas(1000);
    const rng = new Rng(7);
    // at all T steps the deterministic map's variance is 0.5% of v short (a third of a standard error); strided
    // DDIM is far coarser (4% at 100 steps), so only its convergence is tested, deterministically, below
    const xT = priorSample(s, 10000, 1, rng);
    const out = ddimSample(s, gmmEps(g1, s), xT, { eta: 0 });
    expectGaussian(out, 1, [m1], v, 'DDIM 1-D');
    expectGaussian(ddimSample(s, gmmEps(g2, s), priorSample(s, 5000, 2, rng), {}), 2, m2, v, 'DDIM 2-D');
    expectGaussian(ddimSample(s, gmmEps(g1, s), xT, { eta: 1, rng }), 1, [m1], v, 'DDIM eta = 1');
    // eta = 0 uses no randomness: any rng, or none, gives the same output
    const small = xT.subarray(0, 200);
    const again = ddimSample(s, gmmEps(g1, s), small, { eta: 0, steps: 50, rng: new Rng(99) });
    expect(again).toEqual(ddimSample(s, gmmEps(g1, s), small, { eta: 0, steps: 50 }));
    expect(ddimSample(s, gmmEps(g1, s), small, { eta: 0.5, rng: new Rng(1) })).not.toEqual(ddimSample(s, gmmEps(g1, s), small, { eta: 0.5, rng: new Rng(2) }));
    // the deterministic map is affine: its variance error against the exact pushforward shrinks with the step count
    const c = s.alphaBar[999] * v + 1 - s.alphaBar[999];
    const varErr = (steps: number) => {
      const o = ddimSample(s, gmmEps(g1, s), Float64Array.of(0, 1), { steps });
      return Math.abs((o[1] - o[0]) ** 2 * (1 - s.alphaBar[999]) - (v * (1 - s.alphaBar[999])) / c);
    };
    const errs = [10, 50, 200, 1000].map(varErr);
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
  });

  it('strided steps follow Lin et al. 2024 Table 2; eps samplers refuse a zero-SNR step', () => {
    expect(Array.from(stepIndices(1000, 10, 'trailing'))).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(Array.from(stepIndices(1000, 10, 'leading'))).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    expect(Array.from(stepIndices(1000, 10, 'linspace'))).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    expect(Array.from(stepIndices(5, 5, 'leading'))).toEqual([4, 3, 2, 1, 0]);
    // ties round half to even, as numpy does in the reference schedulers: round(812.5) = 812, round(937.5) = 938
    expect(Array.from(stepIndices(1000, 16, 'trailing'))).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
    // linspace(0, 9, 5) = [0, 2.25, 4.5, 6.75, 9] rounds to [0, 2, 4, 7, 9]
    expect(Array.from(stepIndices(10, 5, 'linspace'))).toEqual([9, 7, 4, 2, 0]);
    const z = zeroTerminalSnr(linearBetas(100));
    const eps = gmmEps(g1, z);
    expect(() => ddpmSample(z, eps, Float64Array.of(0), new Rng(1))).toThrow(/ddpmSample: step 99 has beta=1/);
    expect(() => ddimSample(z, eps, Float64Array.of(0))).toThrow(/ddimSample: step 99 has alphaBar=0/);
    expect(() => ddimSample(z, eps, Float64Array.of(0), { eta: 1 })).toThrow('ddimSample: eta > 0 needs an rng');
    // its prior is exactly N(0, I)
    expect(priorSample(z, 1, 1, new Rng(1))[0]).toBe(new Rng(1).normal());
  });
});

describe('ODE log-likelihood', () => {
  const g = gmm([0.3, 0.7], [[-1, 0.5], [0.6, -0.2]], [0.2, 0.5]);
  const x = sampleGmm(g, 30, new Rng(21));
  const p = vpLinear();
  const exact = noisedLogDensity(g, x, p.alpha(TMIN), p.sigma(TMIN));
  const maxErr = (ll: Float64Array) => ll.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i])), 0);
  const run = (steps: number, method: 'euler' | 'heun', exactPrior: boolean) =>
    maxErr(odeLogLikelihood(p, gmmScore(g, p), gmmScoreDivergence(g, p), x, { d: 2, steps, method, priorLogDensity: exactPrior ? (x1) => noisedLogDensity(g, x1, p.alpha(1), p.sigma(1)) : undefined }));

  it('with the exact p_1 it converges to the exact log density at second order (Heun)', () => {
    const [h100, h1000] = [run(100, 'heun', true), run(1000, 'heun', true)];
    expect(h1000).toBeLessThan(1e-4);
    // second order: 10x the steps, 100x less error (first order: 10x)
    expect(h100 / h1000).toBeGreaterThan(30);
  });

  // the prior misses p_1 by the signal alpha(1) x_0 left at t = 1, a floor of ~2e-3 here that Heun reaches by
  // 100 steps (its error then wobbles around the floor, so only Euler's, still solver-dominated, must fall)
  it('with the N(0, sigma(1)^2) prior it approaches the exact log density as steps grow (VP)', () => {
    expect(run(1000, 'euler', false)).toBeLessThan(run(100, 'euler', false) / 3);
    expect(run(1000, 'heun', false)).toBeLessThan(1e-2);
    expect(() => odeLogLikelihood(p, gmmScore(g, p), gmmScoreDivergence(g, p), x, { d: 7, steps: 10 })).toThrow(/odeLogLikelihood: d must be an integer >= 1 dividing x0.length/);
  });
});

describe('classifier-free guidance', () => {
  const grid = Float64Array.from({ length: 8001 }, (_, i) => -20 + i * 0.005);
  const logNormal = (m: number, v: number) => (x: number) => -0.5 * Math.log(2 * Math.PI * v) - (x - m) ** 2 / (2 * v);

  it('cfg is gamma cond + (1 - gamma) uncond (w = gamma - 1 in the other convention)', () => {
    const [c, u] = [Float64Array.of(1, 2), Float64Array.of(3, -1)];
    expect(Array.from(cfg(c, u, 1))).toEqual([1, 2]);
    expect(Array.from(cfg(c, u, 0))).toEqual([3, -1]);
    const w = 2;
    const other = Float64Array.from(c, (ci, j) => (1 + w) * ci - w * u[j]);
    cfg(c, u, w + 1).forEach((v, j) => expect(v).toBeCloseTo(other[j], 14));
    expect(() => cfg(c, Float64Array.of(1), 2)).toThrow(/cfg: conditional and unconditional must have the same length/);
  });

  it("gamma = 1 returns the conditional's exact moments", () => {
    const cond = gmm([0.4, 0.6], [[-1], [1.5]], [0.3, 0.8]);
    const { mean, variance } = gmmMoments(cond);
    const r = tiltedLogDensity1d(noisedLogDensity(cond, grid, 1, 0), logNormal(0, 4), 1, grid);
    expect(r.logZ).toBeCloseTo(0, 8);
    expect(r.mean).toBeCloseTo(mean[0], 8);
    expect(r.variance).toBeCloseTo(variance[0], 8);
  });

  it('N(m1, v1)^g N(m2, v2)^(1-g) is the Gaussian of precision g/v1 + (1-g)/v2, with its closed-form normaliser', () => {
    const [m1, v1, m2, v2] = [1, 1, -0.5, 2];
    for (const gamma of [0.5, 3]) {
      const prec = gamma / v1 + (1 - gamma) / v2;
      const b = (gamma * m1) / v1 + ((1 - gamma) * m2) / v2;
      const c = (gamma * m1 * m1) / v1 + ((1 - gamma) * m2 * m2) / v2;
      const logZ = -0.5 * gamma * Math.log(2 * Math.PI * v1) - 0.5 * (1 - gamma) * Math.log(2 * Math.PI * v2) + 0.5 * Math.log((2 * Math.PI) / prec) + 0.5 * (b * b / prec - c);
      const r = tiltedLogDensity1d(logNormal(m1, v1), logNormal(m2, v2), gamma, grid);
      expect(r.mean, `gamma=${gamma}`).toBeCloseTo(b / prec, 8);
      expect(r.variance, `gamma=${gamma}`).toBeCloseTo(1 / prec, 8);
      expect(r.logZ, `gamma=${gamma}`).toBeCloseTo(logZ, 8);
    }
    expect(() => tiltedLogDensity1d(logNormal(0, 1), logNormal(0, 1), 2, Float64Array.of(0, 0))).toThrow(/grid must be strictly increasing/);
  });

  it('predictor-corrector guidance: at gamma = 1 a valid sampler of p(x|c); at gamma = 3 it converges to DDPM-CFG as the steps grow (same noise)', () => {
    const mix = gmm([0.5, 0.5], [[-1], [1]], 1);
    const cond = gmm([1], [[1]], 1);
    const n = 10000;
    const run = (T: number, gamma: number) => {
      const sch = linearBetas(T, 0.1 / T, 20 / T);
      const [ec, eu] = [gmmEps(cond, sch), gmmEps(mix, sch)];
      const xT = priorSample(sch, n, 1, new Rng(3));
      const pcg = pcgSample(sch, ec, eu, xT, { gamma, rng: new Rng(4) });
      const ddpm = ddpmSample(sch, (x, t) => cfg(ec(x, t), eu(x, t), gamma), xT, new Rng(4));
      const m = (x: Float64Array) => x.reduce((a, v) => a + v, 0) / x.length;
      const v = (x: Float64Array) => { const mu = m(x); return x.reduce((a, u) => a + (u - mu) ** 2, 0) / (x.length - 1); };
      return { pcg: { mean: m(pcg), variance: v(pcg) }, gap: Math.abs(m(pcg) - m(ddpm)) + Math.abs(v(pcg) - v(ddpm)) };
    };
    // unguided: PCG is DDIM plus Langevin on p_t(x|c) itself, so it samples N(1, 1) (4 standard errors)
    const plain = run(200, 1).pcg;
    expect(Math.abs(plain.mean - 1)).toBeLessThan(4 * Math.sqrt(1 / n));
    expect(Math.abs(plain.variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    // guided: the difference from DDPM-CFG is discretisation error, so it shrinks when the steps grow
    const [coarse, fine] = [run(50, 3).gap, run(400, 3).gap];
    expect(fine).toBeLessThan(coarse / 2);
    expect(fine).toBeLessThan(0.02);
    expect(() => pcgSample(linearBetas(10), (x) => x, (x) => x, Float64Array.of(0), { gamma: NaN, rng: new Rng(1) })).toThrow(/gamma must be finite/);
  });
});

describe('continuous-time denoising score matching', () => {
  // Relative score error |s_learned - s| / |s| over noised test points. Where sigma(t) is small against the
  // data's sd (0.55) the target sigma s is a small part of unit noise and DSM resolves it coarsely (Song et al.
  // train 1.3M steps); it must still beat the zero score by half. Where sigma >= 0.5 it must be within 15%.
  it('learns the exact noised score of 2-D Gaussian data, VP and VE', async () => {
    const tf = await import('@tensorflow/tfjs');
    const g = gmm([1], [[1, -0.5]], [0.3]);
    const data = sampleGmm(g, 4000, new Rng(3));
    const before = tf.memory().numTensors;
    const cases: [NoisingProcess, [number, number][]][] = [
      [vpLinear(), [[0.1, 0.5], [0.3, 0.15], [1, 0.15]]],
      [veGeometric(0.01, 10), [[0.3, 0.5], [0.6, 0.15], [1, 0.15]]],
    ];
    for (const [p, bounds] of cases) {
      const net = await trainTimeScore(p, data, 2, { hidden: [64, 64], steps: 1500, batchSize: 256, lr: 2e-3, rng: new Rng(4) });
      expect(net.losses.length).toBe(50);
      for (const [t, bound] of bounds) {
        const x = Float64Array.from(sampleGmm(g, 500, new Rng(5)), (v) => p.alpha(t) * v).map((v, j) => v + p.sigma(t) * [0.7, -1.1][j % 2]);
        const [learned, exact] = [net.score(x, t), noisedScore(g, x, p.alpha(t), p.sigma(t))];
        let [err, size] = [0, 0];
        for (let j = 0; j < x.length; j++) [err, size] = [err + (learned[j] - exact[j]) ** 2, size + exact[j] ** 2];
        expect(Math.sqrt(err / size), `${p.name} t=${t}`).toBeLessThan(bound);
      }
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainTimeScore(vpLinear(), Float64Array.of(1, 2, 3), 2, { hidden: [4], steps: 1, batchSize: 2, lr: 1e-3, rng: new Rng(1) })).rejects.toThrow(/trainTimeScore: need d >= 1 dividing data.length \(3\)/);
  }, 60_000);

  it('ddimStep is the eta = 0 step of ddimSample', () => {
    const s = linearBetas(10);
    const eps = gmmEps(gmm([1], [[0.3]], [0.5]), s);
    const x = Float64Array.of(0.4, -1.2);
    expect(Array.from(ddimSample(s, eps, x, { steps: 1 }))).toEqual(Array.from(ddimStep(x, eps(x, 9), s.alphaBar[9], 1)));
    expect(Array.from(x)).toEqual([0.4, -1.2]);
  });
});
