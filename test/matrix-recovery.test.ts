/** Matrix-recovery toolkit against exact computations on small cases. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  adjoint, asymmetricGd, exponentialRate, frob2, gaussianSensing, logLogSlope, matMul, matMulT, measure, psdTruth, randomOrthonormal, rebalance,
  recoverLowRank, recoveryLoss, residualGradient, robustProblem, sensingProblem, symmetricEigen, symmetricGd, tMatMul,
} from '../src/techniques/matrix-recovery/index.js';

const rand = (n: number, rng: Rng) => Float64Array.from({ length: n }, () => rng.normal());

describe('matrix-recovery linear algebra', () => {
  it('products agree with each other and the eigendecomposition reconstructs the matrix', () => {
    const rng = new Rng(1);
    const a = rand(3 * 4, rng), b = rand(5 * 4, rng);
    const bt = new Float64Array(4 * 5);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) bt[j * 5 + i] = b[i * 4 + j];
    const c1 = matMulT(a, b, 3, 4, 5), c2 = matMul(a, bt, 3, 4, 5);
    expect(frob2(c1, c2)).toBeLessThan(1e-24);
    expect(matMul(Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), 2, 2, 2)).toEqual(Float64Array.of(19, 22, 43, 50));
    const s = tMatMul(a, a, 3, 4, 4); // 4 x 4 symmetric, rank 3
    const { values, vectors } = symmetricEigen(s, 4);
    const rec = new Float64Array(16);
    for (let l = 0; l < 4; l++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) rec[i * 4 + j] += vectors[i * 4 + l] * values[l] * vectors[j * 4 + l];
    expect(frob2(rec, s) / frob2(s)).toBeLessThan(1e-24);
    expect(Math.min(...Array.from(values, Math.abs))).toBeLessThan(1e-12);
    const u = randomOrthonormal(6, 3, rng);
    const utu = tMatMul(u, u, 6, 3, 3);
    expect(frob2(utu, Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1))).toBeLessThan(1e-28);
  });
});

describe('sensing', () => {
  it('adjoint is the transpose of measure, and the Gram gradient equals the sum over measurements (symmetric and general)', () => {
    const rng = new Rng(2);
    for (const symmetric of [true, false]) {
      const n = 4, op = gaussianSensing(n, n, 30, rng, { symmetric });
      const mStar = psdTruth(n, [1, 0.5], rng);
      let z = rand(n * n, rng);
      if (symmetric) z = Float64Array.from(z, (_, i) => (z[i] + z[(i % n) * n + Math.floor(i / n)]) / 2);
      const w = rand(30, rng);
      const lhs = measure(op, z).reduce((s, y, i) => s + (w[i] * y) / 30, 0);
      const rhs = adjoint(op, w).reduce((s, v, i) => s + v * z[i], 0);
      expect(lhs).toBeCloseTo(rhs, 12);
      const y = measure(op, mStar), yz = measure(op, z);
      const direct = adjoint(op, Float64Array.from(yz, (v, i) => v - y[i]));
      const viaGram = residualGradient(sensingProblem(op, mStar, n), z);
      expect(frob2(viaGram, direct) / frob2(direct)).toBeLessThan(1e-26);
    }
  });

  it('psdTruth is PSD of the asked rank with the asked eigenvalues', () => {
    const m = psdTruth(5, [2, 0.5], new Rng(3));
    const v = Array.from(symmetricEigen(m, 5).values).sort((a, b) => b - a);
    expect(v[0]).toBeCloseTo(2, 12); expect(v[1]).toBeCloseTo(0.5, 12);
    for (const x of v.slice(2)) expect(Math.abs(x)).toBeLessThan(1e-12);
  });

  it('names bad input', () => {
    expect(() => gaussianSensing(3, 4, 10, new Rng(1), { symmetric: true })).toThrow(/gaussianSensing: symmetric sensing needs n1 = n2/);
    expect(() => gaussianSensing(3, 3, 0, new Rng(1))).toThrow(/gaussianSensing: m must be a positive integer/);
    expect(() => measure(gaussianSensing(2, 2, 3, new Rng(1)), new Float64Array(3))).toThrow(/measure: matrix has 3 entries/);
    expect(() => psdTruth(3, [1, 0], new Rng(1))).toThrow(/psdTruth: singular values must be > 0/);
  });
});

describe('factored GD', () => {
  /** the losses the GD steps descend: (1/4m) sum (<A, XX^T> - y)^2 and (1/2m) sum (<A, FG^T> - y)^2 */
  const symLoss = (op: ReturnType<typeof gaussianSensing>, y: Float64Array, x: Float64Array, n: number, k: number) => measure(op, matMulT(x, x, n, k, n)).reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / (4 * op.m);
  const asymLoss = (op: ReturnType<typeof gaussianSensing>, y: Float64Array, f: Float64Array, g: Float64Array, n: number, k: number) => measure(op, matMulT(f, g, n, k, n)).reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / (2 * op.m);
  const fd = (fn: (v: Float64Array) => number, v: Float64Array) => Float64Array.from(v, (_, i) => {
    const h = 1e-6, up = Float64Array.from(v), dn = Float64Array.from(v);
    up[i] += h; dn[i] -= h;
    return (fn(up) - fn(dn)) / (2 * h);
  });

  it('one symmetric and one asymmetric step are X - eta grad f (central differences)', () => {
    const rng = new Rng(4);
    const n = 4, k = 3, eta = 0.05;
    const mStar = psdTruth(n, [1, 0.5], rng);
    const sop = gaussianSensing(n, n, 25, rng, { symmetric: true }), aop = gaussianSensing(n, n, 40, rng);
    const x = rand(n * k, rng), f = rand(n * k, rng), g = rand(n * k, rng);
    const x1 = symmetricGd(sensingProblem(sop, mStar, n), x, k, { eta, steps: 1 }).x;
    const gx = fd((v) => symLoss(sop, measure(sop, mStar), v, n, k), x);
    expect(frob2(x1, Float64Array.from(x, (v, i) => v - eta * gx[i]))).toBeLessThan(1e-16);
    const ya = measure(aop, mStar);
    const r1 = asymmetricGd(sensingProblem(aop, mStar, n), f, g, k, { eta, steps: 1 });
    const gf = fd((v) => asymLoss(aop, ya, v, g, n, k), f), gg = fd((v) => asymLoss(aop, ya, f, v, n, k), g);
    expect(frob2(r1.f, Float64Array.from(f, (v, i) => v - eta * gf[i]))).toBeLessThan(1e-16);
    expect(frob2(r1.g, Float64Array.from(g, (v, i) => v - eta * gg[i]))).toBeLessThan(1e-16);
  });

  it('the population loss in one dimension follows x <- x - eta (x^2 - 1) x exactly; the spurious direction decays as 1/t', () => {
    let x = 0.1;
    const tr = symmetricGd({ n1: 1, n2: 1, mStar: Float64Array.of(1), gram: null }, Float64Array.of(x), 1, { eta: 0.1, steps: 5 });
    for (let t = 0; t <= 5; t++) { expect(tr.err[t]).toBe((x * x - 1) ** 2); x -= 0.1 * (x * x - 1) * x; }
    // M* = 0: s^2 ~ 1/(2 eta t), error s^4 ~ 1/t^2
    const zero = symmetricGd({ n1: 1, n2: 1, mStar: Float64Array.of(0), gram: null }, Float64Array.of(1), 1, { eta: 0.1, steps: 100000, every: 100 });
    expect(logLogSlope(zero, 50000, 100000)).toBeCloseTo(-2, 2);
  });

  it('rebalance leaves F G^T unchanged and makes F^T F = c^2 I', () => {
    const rng = new Rng(5);
    const f = rand(6 * 3, rng), g = rand(5 * 3, rng);
    const r = rebalance(f, g, 6, 5, 3, 2);
    const before = matMulT(f, g, 6, 3, 5);
    expect(frob2(matMulT(r.f, r.g, 6, 3, 5), before) / frob2(before)).toBeLessThan(1e-26);
    expect(frob2(tMatMul(r.f, r.f, 6, 3, 3), Float64Array.of(4, 0, 0, 0, 4, 0, 0, 0, 4))).toBeLessThan(1e-24);
    expect(() => rebalance(f, g, 6, 5, 3, 0)).toThrow(/rebalance: scale c must be > 0/);
  });

  it('rates and slopes of exact curves', () => {
    const t = Array.from({ length: 200 }, (_, i) => i * 5);
    expect(exponentialRate({ t, err: t.map((s) => 3 * Math.exp(-0.07 * s)) }, 1e-30, 1)).toBeCloseTo(0.07, 12);
    expect(logLogSlope({ t, err: t.map((s) => 2 / (s * s)) }, 100, 1000)).toBeCloseTo(-2, 12);
    expect(Number.isNaN(exponentialRate({ t: [0, 1], err: [1, 0.5] }, 0, 1))).toBe(true);
  });

  it('names bad options', () => {
    const p = { n1: 2, n2: 2, mStar: new Float64Array(4), gram: null };
    expect(() => symmetricGd(p, new Float64Array(4), 2, { eta: 0, steps: 1 })).toThrow(/symmetricGd: eta must be > 0/);
    expect(() => symmetricGd(p, new Float64Array(3), 2, { eta: 0.1, steps: 1 })).toThrow(/symmetricGd: needs a square problem and an n x k factor/);
    expect(() => asymmetricGd(p, new Float64Array(4), new Float64Array(2), 2, { eta: 0.1, steps: 1 })).toThrow(/asymmetricGd: factors must be 2 x 2/);
    expect(() => sensingProblem(null, new Float64Array(3), 2)).toThrow(/sensingProblem: mStar has 3 entries/);
  });
});

describe('robust recovery (l1 sub-gradient)', () => {
  it('corrupts exactly round(p m) measurements, and the losses read the same residuals as measure', () => {
    const rng = new Rng(6);
    const n = 4, op = gaussianSensing(n, n, 50, rng, { symmetric: true });
    const mStar = psdTruth(n, [1, 0.5], rng);
    const prob = robustProblem(op, mStar, 0.3, 10, rng);
    const clean = measure(op, mStar);
    expect(prob.corrupted.reduce((a, b) => a + b, 0)).toBe(15);
    for (let i = 0; i < 50; i++) {
      expect(prob.y[i]).toBeCloseTo(clean[i] + prob.noise[i], 12);
      if (!prob.corrupted[i]) expect(prob.noise[i]).toBe(0);
    }
    const u = rand(n * 2, rng);
    const z = measure(op, matMulT(u, u, n, 2, n));
    expect(recoveryLoss(prob, u, 2, 'l1')).toBeCloseTo(z.reduce((a, v, i) => a + Math.abs(v - prob.y[i]), 0) / 50, 12);
    expect(recoveryLoss(prob, u, 2, 'l2')).toBeCloseTo(z.reduce((a, v, i) => a + (v - prob.y[i]) ** 2 / 2, 0) / 50, 12);
  });

  it('one SubGM step is U - eta grad f at a differentiable point, and the steps decay geometrically', () => {
    const rng = new Rng(7);
    const n = 4, k = 3, op = gaussianSensing(n, n, 40, rng, { symmetric: true });
    const prob = robustProblem(op, psdTruth(n, [1], rng), 0.2, 5, rng);
    const u = rand(n * k, rng);
    for (const loss of ['l1', 'l2'] as const) {
      const eta = 1e-3;
      const u1 = recoverLowRank(prob, u, k, { loss, eta0: eta, steps: 1 }).u;
      const g = Float64Array.from(u, (_, i) => {
        const e = 1e-6, up = Float64Array.from(u), dn = Float64Array.from(u);
        up[i] += e; dn[i] -= e;
        return (recoveryLoss(prob, up, k, loss) - recoveryLoss(prob, dn, k, loss)) / (2 * e);
      });
      expect(Math.sqrt(frob2(u1, Float64Array.from(u, (v, i) => v - eta * g[i])) / frob2(Float64Array.from(g, (v) => eta * v)))).toBeLessThan(1e-6);
    }
    // with rho, the second step is the first's sub-gradient rule at eta0 rho
    const two = recoverLowRank(prob, u, k, { loss: 'l1', eta0: 0.01, rho: 0.5, steps: 2 }).u;
    const one = recoverLowRank(prob, u, k, { loss: 'l1', eta0: 0.01, steps: 1 }).u;
    expect(frob2(two, recoverLowRank(prob, one, k, { loss: 'l1', eta0: 0.005, steps: 1 }).u)).toBeLessThan(1e-28);
  });

  it('names bad input', () => {
    const rng = new Rng(8);
    const op = gaussianSensing(3, 3, 10, rng, { symmetric: true });
    const m = psdTruth(3, [1], rng);
    expect(() => robustProblem(gaussianSensing(3, 3, 10, rng), m, 0.1, 1, rng)).toThrow(/robustProblem: needs symmetric sensing/);
    expect(() => robustProblem(op, m, 1, 1, rng)).toThrow(/robustProblem: outliers must be a fraction in \[0, 1\)/);
    const prob = robustProblem(op, m, 0, 1, rng);
    expect(() => recoverLowRank(prob, new Float64Array(5), 2, { loss: 'l1', eta0: 0.1, steps: 1 })).toThrow(/recoverLowRank: U0 has 5 entries/);
    expect(() => recoverLowRank(prob, new Float64Array(6), 2, { loss: 'l1', eta0: 0.1, rho: 1.5, steps: 1 })).toThrow(/recoverLowRank: rho must be in \(0, 1\]/);
  });
});
