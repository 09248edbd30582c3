import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import type { Attribution } from '../src/techniques/attribution/attribution.js';
import {
  attackAttribution, ballIntersectionFraction, ballNoise, certifyCosine, concentrationMargin, cosineLowerBound, rowCosine, smoothedShift, stridedCnn, UniformSmoothing, unitMaps,
} from '../src/techniques/uniform-smoothing/index.js';
import { Saliency } from '../src/techniques/attribution/attribution.js';
import {
  certifyCosineExact, disposeSignMaps, randomSignMaps, SignAttribution, signSmoothedCoefficient, signWorstCosine, slabProbability,
} from '../src/techniques/uniform-smoothing/index.js';
import { expectNoLeak } from './helpers.js';

describe('uniform-smoothing: the certificate', () => {
  it('the intersection fraction of two balls matches the closed forms in 1, 2 and 3 dimensions', () => {
    const r = 1.3;
    for (const d of [0, 0.1, 0.7, 1.5, 2.5, 2.6]) {
      expect(ballIntersectionFraction(d, r, 1)).toBeCloseTo(Math.max(0, 1 - d / (2 * r)), 12);
      const lens = d >= 2 * r ? 0 : 2 * r * r * Math.acos(d / (2 * r)) - (d / 2) * Math.sqrt(4 * r * r - d * d);
      expect(ballIntersectionFraction(d, r, 2)).toBeCloseTo(lens / (Math.PI * r * r), 12);
      const cap3 = d >= 2 * r ? 0 : (Math.PI * (4 * r + d) * (2 * r - d) ** 2) / 12;
      expect(ballIntersectionFraction(d, r, 3)).toBeCloseTo(cap3 / ((4 / 3) * Math.PI * r ** 3), 12);
    }
    // in high dimension the lune is thin only for eps << r / sqrt(D): D = 784, eps = r / 100 leaves ~11% outside
    expect(1 - ballIntersectionFraction(0.01, 1, 784)).toBeGreaterThan(0.1);
    expect(1 - ballIntersectionFraction(0.01, 1, 784)).toBeLessThan(0.12);
  });

  it('the shift bound 2M(1 - fraction) is attained by +-M on the two lunes and respected by other bounded fields (2-D quadrature)', () => {
    const r = 1, eps = 0.4, m = 1200;
    const lo = -r - 0.01, hi = r + eps + 0.01, step = (hi - lo) / m;
    const inA = (x: number, y: number) => x * x + y * y <= r * r;
    const inB = (x: number, y: number) => (x - eps) ** 2 + y * y <= r * r;
    const field = (x: number, y: number): [number, number] => { const t = Math.sin(3 * x) + y * y; return [Math.cos(t), Math.sin(t)]; };
    let worst = 0, other = [0, 0];
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      const x = lo + (i + 0.5) * step, y = -hi + (j + 0.5) * ((2 * hi) / m);
      const w = step * ((2 * hi) / m) / (Math.PI * r * r);
      const diff = Number(inB(x, y)) - Number(inA(x, y));
      worst += diff * w; // the signed lune areas cancel
      const f = field(x, y);
      other = [other[0] + diff * f[0] * w, other[1] + diff * f[1] * w];
    }
    // the extremal field's shift: the integral of |diff|, i.e. 2 (1 - fraction); recompute it directly
    let extremal = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      const x = lo + (i + 0.5) * step, y = -hi + (j + 0.5) * ((2 * hi) / m);
      extremal += Math.abs(Number(inB(x, y)) - Number(inA(x, y))) * step * ((2 * hi) / m) / (Math.PI * r * r);
    }
    expect(Math.abs(worst)).toBeLessThan(2e-3); // the two lunes have equal area
    expect(extremal).toBeCloseTo(smoothedShift(eps, r, 2), 2);
    expect(Math.hypot(other[0], other[1])).toBeLessThanOrEqual(smoothedShift(eps, r, 2) + 2e-3);
  });

  it('the cosine bound is attained on the tangent cone and never beaten', () => {
    const rng = new Rng(3);
    const a = [2, 0, 0], s = 0.8;
    // b = a + v with v tangent to the sphere of radius s around a: angle arcsin(s / |a|)
    const v = [-(s * s) / 2, s * Math.sqrt(1 - (s * s) / 4), 0];
    const cos = (p: number[], q: number[]) => p.reduce((t, x, i) => t + x * q[i], 0) / (Math.hypot(...p) * Math.hypot(...q));
    expect(cos(a, a.map((x, i) => x + v[i]))).toBeCloseTo(cosineLowerBound(2, s), 12);
    for (let t = 0; t < 2000; t++) {
      const u = [rng.normal(), rng.normal(), rng.normal()];
      const len = s * Math.pow(rng.uniform(), 1 / 3) / Math.hypot(...u);
      expect(cos(a, a.map((x, i) => x + u[i] * len))).toBeGreaterThanOrEqual(cosineLowerBound(2, s) - 1e-12);
    }
    expect(cosineLowerBound(1, 1)).toBe(-1);
  });

  it('the McDiarmid margin covers the Monte Carlo mean of unit vectors at least 1 - alpha of the time', () => {
    const rng = new Rng(5);
    const n = 40, alpha = 0.2, margin = concentrationMargin(n, alpha);
    let misses = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      // unit vectors uniform on the circle: mean 0
      let sx = 0, sy = 0;
      for (let i = 0; i < n; i++) { const th = 2 * Math.PI * rng.uniform(); sx += Math.cos(th); sy += Math.sin(th); }
      if (Math.hypot(sx / n, sy / n) >= margin) misses++;
    }
    expect(misses / trials).toBeLessThanOrEqual(alpha);
    // by hand, in D = 1: the two intervals of radius 2 with centres 0.4 apart overlap in 0.9 of one, so shift = 2 (1 - 0.9) = 0.2;
    // alpha = e^-2 makes each margin (1 + sqrt(4)) / sqrt(900) = 0.1; radius 0.4 around a map of norm 0.5: cosine sqrt(1 - 0.64) = 0.6
    const c = certifyCosine({ norm: 0.5, n: 900, nEval: 900, eps: 0.4, r: 2, dim: 1, alpha: Math.exp(-2) });
    expect(c.shift).toBeCloseTo(0.2, 12);
    expect(c.margin).toBeCloseTo(0.1, 12);
    expect(c.marginEval).toBeCloseTo(0.1, 12);
    expect(c.cosine).toBeCloseTo(0.6, 12);
  });
});

describe('uniform-smoothing: sampling, smoothing, attack', () => {
  it('ball noise is uniform in the ball: every norm <= r and E||eta||^2 = D r^2 / (D + 2)', () => {
    const r = 2, dim = 6, k = 20000;
    const eta = ballNoise(new Rng(9), k, [dim], r);
    const sq = eta.square().sum(1).dataSync();
    eta.dispose();
    expect(Math.max(...sq)).toBeLessThanOrEqual(r * r * (1 + 1e-6));
    const mean = Array.from(sq).reduce((a, b) => a + b, 0) / k;
    expect(mean).toBeCloseTo((dim * r * r) / (dim + 2), 1);
  });

  it('the smoothed map of g(z) = z^2 (coordinate-wise) is x^2 + r^2 / (D + 2) exactly; the estimate is within its margin', async () => {
    const square: Attribution = { name: 'square', attribute: (x) => x.square() };
    const x = tf.tensor2d([[0.5, -1, 2, 0]]);
    const r = 1.5, dim = 4, n = 20000;
    await expectNoLeak(() => { const h = new UniformSmoothing(square, { nSamples: n, radius: r, rng: new Rng(11) }).attribute(x, [0]); h.dispose(); });
    const h = new UniformSmoothing(square, { nSamples: n, radius: r, rng: new Rng(11) }).attribute(x, [0]);
    const got = h.dataSync();
    h.dispose();
    // sampling error: Var((v + eta)^2) <= 4 v^2 s + 2 s^2 with s = E eta_i^2 = r^2 / (D + 2); 4 standard errors
    const s = (r * r) / (dim + 2);
    [0.5, -1, 2, 0].forEach((v, i) => expect(Math.abs(got[i] - (v * v + s))).toBeLessThan(4 * Math.sqrt((4 * v * v * s + 2 * s * s) / n)));
    x.dispose();
  });

  it('PGD on the unit gradient of ||x||^2 / 2 reaches the exact worst cosine sqrt(1 - eps^2 / ||x||^2) and never passes it', async () => {
    const x = tf.tensor2d([[3, 4, 0, 0], [1, 1, 1, 1]]);
    const eps = 0.5;
    const ref = unitMaps(x);
    const run = () => attackAttribution((z) => unitMaps(z), x, ref, { eps, steps: 200, stepSize: 0.02, rng: new Rng(13) });
    await expectNoLeak(() => { const r = run(); r.delta.dispose(); });
    const res = run();
    const norms = [5, 2];
    const dn = res.delta.square().sum(1).sqrt().dataSync();
    res.delta.dispose();
    norms.forEach((nx, i) => {
      expect(dn[i]).toBeLessThanOrEqual(eps + 1e-5);
      expect(res.cosine[i]).toBeGreaterThanOrEqual(Math.sqrt(1 - (eps / nx) ** 2) - 1e-5);
      expect(res.cosine[i]).toBeCloseTo(Math.sqrt(1 - (eps / nx) ** 2), 3);
    });
    const c = tf.tidy(() => rowCosine(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 1]])).dataSync()[0]);
    expect(c).toBeCloseTo(Math.SQRT1_2, 6);
    x.dispose(); ref.dispose();
  });

  it('the strided CNN\'s softplus surrogate tends to the ReLU network as beta grows', () => {
    const net = stridedCnn({ inputShape: [8, 8, 1], channels: [2, 3], numClasses: 4 }, new Rng(17));
    const x = new Rng(18).normalTensor([2, 8, 8, 1]);
    const a = net.apply(x), b = net.surrogate(1e4).apply(x), c = net.surrogate(1).apply(x);
    expect(tf.abs(a.sub(b)).max().dataSync()[0]).toBeLessThan(1e-3);
    expect(tf.abs(a.sub(c)).max().dataSync()[0]).toBeGreaterThan(1e-2);
    [a, b, c, x].forEach((t) => t.dispose());
    net.dispose();
  });
});

describe('uniform-smoothing: the sign-map power control', () => {
  it('P(|eta_1| < t) for eta uniform in the ball matches Monte Carlo, and the smoothed sign map matches its closed form', async () => {
    const r = 1.5, dim = 6, k = 20000;
    const eta = ballNoise(new Rng(21), k, [dim], r);
    const first = Array.from(eta.slice([0, 0], [-1, 1]).dataSync());
    eta.dispose();
    for (const t of [0.1, 0.3, 0.8]) {
      const q = slabProbability(t, r, dim);
      expect(Math.abs(first.filter((v) => Math.abs(v) < t).length / k - q)).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / k));
    }
    // h(x + t e) = a + b sign(t) P(|eta_1| < |t|): the coefficient on b by projection of the Monte Carlo estimate
    const centre = tf.tensor2d([[0.2, -0.1, 0, 0.4, 0.3, -0.5]]);
    const maps = randomSignMaps(new Rng(22), centre, 0.6);
    await expectNoLeak(() => { const z = centre.add(0.1); new SignAttribution(maps, 3).attribute(z, [0]).dispose(); z.dispose(); });
    const n = 20000;
    for (const t of [-0.4, 0.15, 0.6]) {
      const [coef, onA] = tf.tidy(() => {
        const z = centre.add(maps.e.mul(t));
        const h = new UniformSmoothing(new SignAttribution(maps), { nSamples: n, radius: r, rng: new Rng(23) }).attribute(z, [0]);
        return [h.mul(maps.b).sum().div(maps.b.square().sum()).dataSync()[0], h.mul(maps.a).sum().div(maps.a.square().sum()).dataSync()[0]];
      });
      expect(onA).toBeCloseTo(1, 5);
      expect(Math.abs(coef - signSmoothedCoefficient(t, r, dim))).toBeLessThan(4 / Math.sqrt(n));
    }
    disposeSignMaps(maps);
    centre.dispose();
  });

  it('the sign map respects the certificate and, for small eps in D = 784, moves nearly as far as it allows', () => {
    const r = 4, dim = 784;
    for (const eps of [0.02, 0.04, 0.08, 0.5]) {
      for (const norm of [0.3, 0.5, 0.8]) expect(signWorstCosine(norm, eps, r, dim)).toBeGreaterThanOrEqual(certifyCosineExact(norm, eps, r, dim));
      // displacement with ||b|| = 1 is P(|eta_1| < eps); the certificate's shift is 2 P(|eta_1| < eps / 2)
      const ratio = slabProbability(eps, r, dim) / smoothedShift(eps, r, dim);
      expect(ratio).toBeLessThanOrEqual(1 + 1e-12);
      if (eps <= 0.08) expect(ratio).toBeGreaterThan(0.95);
    }
  });
});

describe('uniform-smoothing: gradients through the softplus CNN', () => {
  it('the gradient of the cosine between a reference and the unit saliency of the surrogate matches central differences', () => {
    const net = stridedCnn({ inputShape: [6, 6, 1], channels: [2, 3], numClasses: 3 }, new Rng(31));
    const sur = net.surrogate(2);
    const sal = new Saliency(sur);
    const x = tf.tidy(() => new Rng(32).normalTensor([1, 6, 6, 1]).mul(0.5));
    const ref = tf.tidy(() => new Rng(33).normalTensor([1, 6, 6, 1]));
    const f = (z: tf.Tensor) => rowCosine(ref, unitMaps(sal.attribute(z, [1]))).sum();
    const g = tf.tidy(() => tf.grad(f)(x).dataSync());
    const xs = x.dataSync();
    const h = 1e-2;
    const rng = new Rng(34);
    const scale = Math.max(...Array.from(g, Math.abs));
    for (let t = 0; t < 8; t++) {
      const i = Math.floor(rng.uniform() * xs.length);
      const at = (d: number) => tf.tidy(() => { const v = Float32Array.from(xs); v[i] += d; return f(tf.tensor(v, x.shape)).dataSync()[0]; });
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(g[i] - fd)).toBeLessThan(2e-2 * scale + 1e-4);
    }
    expect(scale).toBeGreaterThan(1e-3); // not trivially zero: the surrogate's saliency has a non-zero input Jacobian
    [x, ref].forEach((t) => t.dispose());
    net.dispose();
  });
});
