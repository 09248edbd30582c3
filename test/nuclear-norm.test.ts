import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import {
  denoisingFrobeniusSq, effectiveRank, factorisationPenalty, forward64, jacobian64, minFactorisation, nuclearNorm, nuclearLossGrad, randomMlp64, singularValues, trainNuclear,
} from '../src/techniques/nuclear-norm/index.js';

const gauss = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.normal());

describe('nuclear-norm: variational identity', () => {
  it('singular values of a known matrix (diag(3, 2) rotated)', () => {
    const c = 1 / Math.sqrt(2);
    // R diag(3, 2) with R a rotation: singular values 3 and 2
    const a = Float64Array.of(3 * c, -2 * c, 3 * c, 2 * c);
    expect(Array.from(singularValues(a, 2, 2))).toEqual([expect.closeTo(3, 12), expect.closeTo(2, 12)]);
    expect(nuclearNorm(a, 2, 2)).toBeCloseTo(5, 12);
    expect(effectiveRank(a, 2, 2)).toBeCloseTo(25 / 13, 12);
    // a rank-one 2 x 3 matrix u v^T: nuclear norm |u| |v|, effective rank 1
    const r1 = Float64Array.of(1, 2, 2, 2, 4, 4);
    expect(nuclearNorm(r1, 2, 3)).toBeCloseTo(Math.sqrt(5) * 3, 10);
    expect(effectiveRank(r1, 2, 3)).toBeCloseTo(1, 8);
  });

  it('the minimising re-factorisation of A B has penalty ||A B||_*, and random ones lie above', () => {
    const rng = new Rng(7);
    for (const [m, k, n] of [[4, 2, 3], [6, 4, 5], [5, 5, 5]]) {
      const a = gauss(rng, m * k), b = gauss(rng, k * n);
      const c = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + l] * b[l * n + j];
      const nuc = nuclearNorm(c, m, n);
      const best = minFactorisation(a, b, m, k, n);
      // (zero singular values come from square roots of ~1e-16 eigenvalues: 1e-8-level error, so 1e-7)
      expect(Math.abs(best.penalty - nuc) / nuc).toBeLessThan(1e-7);
      // the identity (M = I) is one re-factorisation: never below
      const eye = Float64Array.from({ length: k * k }, (_, q) => (q % (k + 1) === 0 ? 1 : 0));
      expect(factorisationPenalty(a, b, m, k, n, eye, eye)).toBeGreaterThanOrEqual(nuc * (1 - 1e-12));
      // scaling the minimiser by t changes the penalty to (t^2 P1 + P2 / t^2) / 2 >= the minimum (P1 = P2 at balance)
      const scaled = factorisationPenalty(a, b, m, k, n, best.mix.map((v) => 2 * v), best.mixInv.map((v) => v / 2));
      expect(Math.abs(scaled / (nuc * (4 + 1 / 4) / 2) - 1)).toBeLessThan(1e-7);
    }
  });

  it('throws on a rank-deficient factor and on bad shapes', () => {
    expect(() => minFactorisation(new Float64Array(6), new Float64Array(6), 3, 2, 3)).toThrow(/minFactorisation: a needs full column rank/);
    expect(() => nuclearNorm(new Float64Array(5), 2, 3)).toThrow(/singularValues: c has 5 entries/);
    expect(() => effectiveRank(new Float64Array(4), 2, 2)).toThrow(/effectiveRank/);
  });
});

describe('nuclear-norm: MLP Jacobian and the denoising estimate', () => {
  const rng = new Rng(3);
  const net = randomMlp64([4, 8, 3], () => rng.normal(), 0.3);
  const x = Float64Array.of(0.3, -0.5, 0.8, 0.1);

  it('the exact Jacobian matches central differences', () => {
    const j = jacobian64(net, x);
    const h = 1e-6;
    for (let c = 0; c < 4; c++) {
      const up = forward64(net, x.map((v, i) => v + (i === c ? h : 0))), dn = forward64(net, x.map((v, i) => v - (i === c ? h : 0)));
      for (let r = 0; r < 3; r++) expect(j[r * 4 + c]).toBeCloseTo((up[r] - dn[r]) / (2 * h), 7);
    }
  });

  it('the denoising estimate is exact for a linear map and its bias shrinks with sigma for the MLP', () => {
    const lin = [{ fanIn: 4, fanOut: 3, kernel: gauss(rng, 12), bias: gauss(rng, 3) }];
    const eps = Array.from({ length: 16 }, () => gauss(rng, 4));
    const jl = jacobian64(lin, x);
    const r = denoisingFrobeniusSq((y) => forward64(lin, y), x, 0.7, eps, { j: jl, rows: 3 });
    expect(r.estimate).toBeCloseTo(r.hutchinson, 10);
    const j = jacobian64(net, x);
    const err = (s: number) => { const q = denoisingFrobeniusSq((y) => forward64(net, y), x, s, eps, { j, rows: 3 }); return Math.abs(q.estimate - q.hutchinson); };
    expect(err(1e-3)).toBeLessThan(err(1e-2));
    expect(err(1e-2)).toBeLessThan(err(1e-1));
    expect(() => denoisingFrobeniusSq((y) => forward64(net, y), x, 0, eps)).toThrow(/denoisingFrobeniusSq: sigma/);
  });
});

describe('nuclear-norm: training', () => {
  it('the hand-written gradient of the penalised loss matches finite differences', () => {
    const rng = new Rng(11);
    const h = randomMlp64([3, 5, 3], () => rng.normal(), 0.2), g = randomMlp64([3, 5, 3], () => rng.normal(), 0.2);
    const xs = [gauss(rng, 3), gauss(rng, 3)], ys = [gauss(rng, 3), gauss(rng, 3)];
    const pen = { eh: [gauss(rng, 3), gauss(rng, 3)], eg: [gauss(rng, 3), gauss(rng, 3)], lambda: 0.3, sigma: 0.1 };
    const r = nuclearLossGrad(h, g, xs, ys, pen);
    const step = 1e-6;
    for (const [net, grads] of [[h, r.gh], [g, r.gg]] as const) {
      for (let li = 0; li < net.length; li++) for (const key of ['kernel', 'bias'] as const) {
        const p = net[li][key];
        for (let i = 0; i < p.length; i += 3) {
          const keep = p[i];
          p[i] = keep + step; const up = nuclearLossGrad(h, g, xs, ys, pen).loss;
          p[i] = keep - step; const dn = nuclearLossGrad(h, g, xs, ys, pen).loss;
          p[i] = keep;
          expect(grads[li][key][i]).toBeCloseTo((up - dn) / (2 * step), 6);
        }
      }
    }
  });

  it('training fits an autoencoder and throws on bad options', () => {
    const rng = new Rng(5);
    const n = 64;
    const x = gauss(rng, n * 3);
    const o = { x, y: x, n, hSizes: [3, 8, 3], gSizes: [3, 8, 3], lambda: 0, sigma: 0.01, steps: 200, batch: 16, lr: 0.01, rng: new Rng(1) };
    const first = trainNuclear({ ...o, steps: 1 }).finalLoss;
    expect(trainNuclear(o).finalLoss).toBeLessThan(first / 3);
    expect(() => trainNuclear({ ...o, sigma: 0 })).toThrow(/trainNuclear: needs/);
    expect(() => trainNuclear({ ...o, gSizes: [4, 8, 3] })).toThrow(/trainNuclear: gSizes/);
  });
});
