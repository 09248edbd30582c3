/**
 * The manifold toolkit against exact values: scaled Bessel functions against scipy's ive (values copied
 * from scipy 1.10), their ratio against the closed forms for half-integer orders, the sphere's ideal
 * denoiser against the posterior mean by a much finer quadrature over the circle's angle (and the closed
 * forms for k = 1 and 3), and the sigma-form samplers against the diffusion toolkit's DDIM step and a
 * hand-computed gradient-estimation step.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { ddimStep } from '../src/techniques/diffusion/index.js';
import {
  besselRatio, epsFromDenoiser, gradientEstimationSample, logGamma, logLinearSigmas, logScaledBesselI, sampleSigmas, sampleSphere, sphere,
  sphereDenoiser, sphereDistance, sphereProjection,
} from '../src/techniques/manifold/index.js';

const XS = [1e-3, 1, 10, 29.9, 30.1, 100, 285, 287, 1e4];
// ln(scipy.special.ive(nu, x)) at XS
const SCIPY: Record<number, number[]> = {
  0: [-0.000999750000015594, -0.7640856414928214, -2.0570279168813044, -2.613614689444905, -2.616976791048818, -3.2202673100574164, -3.7447437545523536, -3.7482433394651147, -5.524096218567699],
  0.5: [-3.6806688254691333, -1.0643519910735304, -2.070231081762847, -2.617867773402993, -2.621201119082088, -3.2215236261987186, -3.745183123338998, -3.7486796410844834, -5.524108719192764],
  1: [-7.6019023345420855, -1.5706479874908315, -2.1097961658957876, -2.630625726925142, -2.633872831467421, -3.2252925424085515, -3.7465012283346395, -3.749988544606719, -5.524146221067928],
  1.5: [-11.687036459786041, -2.2257913526447264, -2.1755915928403318, -2.6518846586812472, -2.6549881166594713, -3.2315739620522197, -3.7486980654464426, -3.7521700460242515, -5.524208724193097],
  4: [-33.58266361851628, -6.900848925501371, -2.8880878511624495, -2.885378300382792, -2.8869088878859976, -3.3006607242251307, -3.7728628985213715, -3.776166194277481, -5.5248962585613635],
  16: [-152.28729944404813, -42.74751511380088, -13.504884293363972, -6.865092800641036, -6.8410184368872455, -4.503944950078233, -4.194538408354339, -4.194899691218133, -5.536896855905559],
};

/** E[u | x] for u uniform on the unit circle in the first two coordinates, by the trapezoid rule on m angles (spectrally accurate for periodic integrands). */
function circlePosteriorMean(x: number[], sigma: number, m: number): number[] {
  const w = new Float64Array(m);
  let top = -Infinity;
  for (let i = 0; i < m; i++) {
    const t = (2 * Math.PI * i) / m;
    w[i] = (x[0] * Math.cos(t) + x[1] * Math.sin(t)) / (sigma * sigma);
    top = Math.max(top, w[i]);
  }
  let [z, c, s] = [0, 0, 0];
  for (let i = 0; i < m; i++) {
    const t = (2 * Math.PI * i) / m;
    const p = Math.exp(w[i] - top);
    [z, c, s] = [z + p, c + p * Math.cos(t), s + p * Math.sin(t)];
  }
  return [c / z, s / z, ...x.slice(2).map(() => 0)];
}

describe('Bessel functions', () => {
  it('ln(I_nu(x) e^-x) matches scipy on both branches (series and asymptotic) and across the switch', () => {
    for (const [nu, ref] of Object.entries(SCIPY)) XS.forEach((x, i) => expect(Math.abs(logScaledBesselI(Number(nu), x) - ref[i])).toBeLessThan(1e-12));
  });

  it('ratios for half-integer orders have closed forms: tanh x (nu = 1/2), coth x - 1/x (nu = 3/2)', () => {
    for (const x of [1e-3, 0.2, 1, 5, 29, 31, 200, 1e5]) {
      expect(Math.abs(besselRatio(0.5, x) - Math.tanh(x))).toBeLessThan(1e-13);
      const langevin = x < 1e-2 ? x / 3 - x ** 3 / 45 + (2 * x ** 5) / 945 : 1 / Math.tanh(x) - 1 / x;
      expect(Math.abs(besselRatio(1.5, x) - langevin)).toBeLessThan(1e-13);
    }
    expect(besselRatio(1, 0)).toBe(0);
  });

  it('logGamma matches factorials and Gamma(1/2)', () => {
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(11) - Math.log(3628800))).toBeLessThan(1e-12);
    expect(Math.abs(logGamma(0.1) - Math.log(9.513507698668732))).toBeLessThan(1e-13);
  });

  it('bad input throws naming the function', () => {
    expect(() => logScaledBesselI(-1, 1)).toThrow(/logScaledBesselI: nu/);
    expect(() => logScaledBesselI(1, 0)).toThrow(/logScaledBesselI: x/);
    expect(() => besselRatio(0, 1)).toThrow(/besselRatio: nu/);
    expect(() => besselRatio(1, -1)).toThrow(/besselRatio: x/);
  });
});

describe('sphere', () => {
  it('the circle\'s ideal denoiser equals the posterior mean by a 16384-angle quadrature, in R^2 and R^5', () => {
    const cases: [number[], number][] = [[[0.3, -0.2], 0.05], [[1.2, 0.4], 0.3], [[-0.1, 0.05], 1], [[2, -3], 3], [[0.9, 0.1, 0.4, -2, 0.3], 0.1], [[-0.6, 0.8, 5, 0, -1], 0.02]];
    for (const [x, sigma] of cases) {
      const s = sphere(2, x.length);
      const got = sphereDenoiser(s, Float64Array.from(x), sigma);
      const want = circlePosteriorMean(x, sigma, 16384);
      want.forEach((v, j) => expect(Math.abs(got[j] - v)).toBeLessThan(1e-12));
    }
  });

  it('k = 1 (the points +-e1) gives tanh(x1 / sigma^2) e1; k = 3 gives the Langevin function along P x', () => {
    const s1 = sphere(1, 3);
    const d1 = sphereDenoiser(s1, Float64Array.of(0.2, 5, -1), 0.5);
    expect(Math.abs(d1[0] - Math.tanh(0.2 / 0.25))).toBeLessThan(1e-14);
    expect([d1[1], d1[2]]).toEqual([0, 0]);
    const s3 = sphere(3, 4);
    const x = Float64Array.of(0.6, -0.3, 0.2, 7);
    const r = Math.hypot(0.6, -0.3, 0.2);
    const kappa = r / 0.3 ** 2;
    const a = 1 / Math.tanh(kappa) - 1 / kappa;
    const d3 = sphereDenoiser(s3, x, 0.3);
    [0.6, -0.3, 0.2, 0].forEach((v, j) => expect(Math.abs(d3[j] - (a * v) / r)).toBeLessThan(1e-14));
  });

  it('as sigma -> 0 the denoiser falls short of the projection by (k - 1) sigma^2 / (2 |P x|)', () => {
    for (const k of [2, 3, 5]) {
      const s = sphere(k, k + 2);
      const x = Float64Array.from({ length: k + 2 }, (_, j) => (j < k ? 0.7 / Math.sqrt(k) : 0.4));
      const r = 0.7;
      const sigma = 1e-3;
      const gap = Math.hypot(...Array.from(sphereDenoiser(s, x, sigma), (v, j) => v - sphereProjection(s, x)[j]));
      expect(Math.abs(gap / (((k - 1) * sigma * sigma) / (2 * r)) - 1)).toBeLessThan(1e-3);
    }
  });

  it('projection and distance are exact; the axis P x = 0 denoises to the centre', () => {
    const s = sphere(2, 4);
    const x = Float64Array.of(3, 4, 0, 12, 0, 0, 1, 0);
    expect(Array.from(sphereDistance(s, x))).toEqual([Math.sqrt(16 + 144), Math.sqrt(1 + 1)]);
    expect(() => sphereProjection(s, x)).toThrow(/sphereProjection: point 1 is on the axis/);
    expect(Array.from(sphereProjection(s, x.slice(0, 4)))).toEqual([0.6, 0.8, 0, 0]);
    expect(Array.from(sphereDenoiser(s, x, 0.5).slice(4))).toEqual([0, 0, 0, 0]);
  });

  it('samples lie on the sphere, uniformly (mean ~ 0, second moment 1/k per coordinate)', () => {
    const s = sphere(3, 5);
    const x = sampleSphere(s, 20000, new Rng(1));
    expect(Math.max(...sphereDistance(s, x))).toBeLessThan(1e-12);
    for (let j = 0; j < 5; j++) {
      let [m, m2] = [0, 0];
      for (let i = 0; i < 20000; i++) [m, m2] = [m + x[i * 5 + j] / 20000, m2 + x[i * 5 + j] ** 2 / 20000];
      expect(Math.abs(m)).toBeLessThan(0.02);
      expect(Math.abs(m2 - (j < 3 ? 1 / 3 : 0))).toBeLessThan(0.02);
    }
  });

  it('bad input throws naming the function', () => {
    expect(() => sphere(3, 2)).toThrow(/sphere: need/);
    expect(() => sphereDenoiser(sphere(2, 2), new Float64Array(3), 1)).toThrow(/sphereDenoiser: x has 3 values/);
    expect(() => sphereDenoiser(sphere(2, 2), new Float64Array(2), 0)).toThrow(/sphereDenoiser: sigma/);
  });
});

describe('sigma-form samplers', () => {
  it('the log-linear table and trailing subsampling follow the reference code (smalldiffusion)', () => {
    const table = logLinearSigmas(200, 0.005, 10);
    expect(table[0]).toBe(0.005);
    expect(table[199]).toBe(10);
    expect(Math.abs(table[100] / table[99] - (10 / 0.005) ** (1 / 199))).toBeLessThan(1e-12);
    // round(200 (1 - i/5)) - 1 = 199, 159, 119, 79, 39, then the smallest level
    expect(Array.from(sampleSigmas(table, 5))).toEqual([199, 159, 119, 79, 39, 0].map((i) => table[i]));
  });

  it('gamma = 1 is DDIM: the diffusion toolkit\'s ddimStep on x / sqrt(1 + sigma^2) with alphaBar = 1 / (1 + sigma^2)', () => {
    const s = sphere(2, 3);
    const eps = epsFromDenoiser((x, sigma) => sphereDenoiser(s, x, sigma));
    const sigmas = [8, 2.5, 0.6, 0.1, 0.01];
    const rng = new Rng(3);
    const xN = Float64Array.from({ length: 30 }, () => 8 * rng.normal());
    const got = gradientEstimationSample(eps, sigmas, xN, { gamma: 1 });
    let vp = xN.map((v) => v / Math.sqrt(1 + 64));
    for (let i = 0; i + 1 < sigmas.length; i++) {
      const [ab, abPrev] = [1 / (1 + sigmas[i] ** 2), 1 / (1 + sigmas[i + 1] ** 2)];
      vp = ddimStep(vp, eps(vp.map((v) => v / Math.sqrt(ab)), sigmas[i]), ab, abPrev);
    }
    vp.forEach((v, j) => expect(Math.abs(v / Math.sqrt(1 / (1 + 0.01 ** 2)) - got[j])).toBeLessThan(1e-12));
  });

  it('gamma = 2 combines the current and previous eps after a plain first step (hand-computed)', () => {
    // eps(x, sigma) = x / sigma + sigma: step 1 from 4 to 2 with eps = 1 + 4 = 5: x = 4 - 2 * 5 = -6;
    // step 2 from 2 to 1: eps = -3 + 2 = -1, eps_bar = 2 (-1) - 5 = -7: x = -6 + (-1)(-7) = 1
    const seen: number[][] = [];
    const x = gradientEstimationSample((v, s) => v.map((u) => u / s + s), [4, 2, 1], Float64Array.of(4), { gamma: 2, onStep: (y, s) => seen.push([y[0], s]) });
    expect(Array.from(x)).toEqual([1]);
    expect(seen).toEqual([[-6, 2], [1, 1]]);
  });

  it('bad input throws naming the function', () => {
    const e = (x: Float64Array) => x;
    expect(() => gradientEstimationSample(e, [1, 2], new Float64Array(1), { gamma: 2 })).toThrow(/gradientEstimationSample: sigmas must decrease/);
    expect(() => gradientEstimationSample(e, [1], new Float64Array(1), { gamma: 2 })).toThrow(/gradientEstimationSample: need at least 2/);
    expect(() => logLinearSigmas(10, 1, 0.5)).toThrow(/logLinearSigmas: need/);
    expect(() => sampleSigmas(logLinearSigmas(10, 0.1, 1), 10)).toThrow(/sampleSigmas: steps/);
  });
});
