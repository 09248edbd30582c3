/** M-FAC's inverse empirical-Fisher products against a dense damped solve on small cases. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { denseDampedSolve, mfac, obsPruneStep } from '../src/techniques/mfac/index.js';

const rand = (n: number, rng: Rng) => Float64Array.from({ length: n }, () => rng.normal());
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
};

describe('mfac', () => {
  it('F^{-1} x equals the dense damped solve, and F (F^{-1} x) = x, for m < d and m > d', () => {
    const rng = new Rng(1);
    for (const [m, d, lambda] of [[8, 30, 0.1], [40, 12, 1e-3], [1, 5, 2]] as const) {
      const g = rand(m * d, rng), x = rand(d, rng);
      const inv = mfac(g, m, d, lambda);
      const y = inv.ihvp(x);
      expect(relErr(y, denseDampedSolve(g, m, d, lambda, x))).toBeLessThan(1e-10);
      // apply F = lambda I + (1/m) G^T G to y directly
      const fy = Float64Array.from(y, (v) => lambda * v);
      for (let i = 0; i < m; i++) { let s = 0; for (let l = 0; l < d; l++) s += g[i * d + l] * y[l]; for (let l = 0; l < d; l++) fy[l] += (s * g[i * d + l]) / m; }
      expect(relErr(fy, x)).toBeLessThan(1e-10);
      // the diagonal: e_i^T F^{-1} e_i
      const diag = inv.inverseDiagonal();
      for (const i of [0, d - 1]) { const e = new Float64Array(d); e[i] = 1; expect(diag[i]).toBeCloseTo(inv.ihvp(e)[i], 10); }
    }
  });

  it('one gradient: Sherman-Morrison in closed form', () => {
    const g = Float64Array.of(3, 4), lambda = 0.5, x = Float64Array.of(1, 0);
    // F = 0.5 I + g g^T; F^{-1} x = x / 0.5 - g (g.x) / (0.5 (0.5 + |g|^2))
    const want = [2 - (3 * 3) / (0.5 * 25.5), -(4 * 3) / (0.5 * 25.5)];
    const y = mfac(g, 1, 2, lambda).ihvp(x);
    expect(y[0]).toBeCloseTo(want[0], 14); expect(y[1]).toBeCloseTo(want[1], 14);
  });

  it('float32 storage stays within 1e-3 of the dense solve', () => {
    const rng = new Rng(2);
    const m = 16, d = 50, g = rand(m * d, rng), x = rand(d, rng);
    const e = relErr(mfac(g, m, d, 0.05, { storage: 'float32' }).ihvp(x), denseDampedSolve(g, m, d, 0.05, x));
    expect(e).toBeLessThan(1e-3);
    expect(e).toBeGreaterThan(1e-12);
  });

  it('an OBS step removes the least salient weights, zeroes them, and equals the closed form for one weight', () => {
    const rng = new Rng(3);
    const m = 6, d = 8, g = rand(m * d, rng), lambda = 0.2;
    const inv = mfac(g, m, d, lambda);
    const w = rand(d, rng), mask = new Uint8Array(d).fill(1), prunable = new Uint8Array(d).fill(1);
    const r = obsPruneStep(w, mask, prunable, inv, 1);
    const diag = inv.inverseDiagonal();
    const sal = Array.from(w, (v, i) => (v * v) / diag[i]);
    const q = sal.indexOf(Math.min(...sal));
    expect(r.mask[q]).toBe(0); expect(r.w[q]).toBe(0);
    const e = new Float64Array(d); e[q] = 1;
    const col = inv.ihvp(e);
    for (let i = 0; i < d; i++) if (i !== q) expect(r.w[i]).toBeCloseTo(w[i] - (w[q] / diag[q]) * col[i], 12);
    expect(() => obsPruneStep(w, mask, prunable, inv, 9)).toThrow(/obsPruneStep: cannot remove 9 of 8/);
  });

  it('names bad input', () => {
    expect(() => mfac(new Float64Array(5), 2, 3, 1)).toThrow(/mfac: grads has 5 entries, expected m x d = 2 x 3/);
    expect(() => mfac(new Float64Array(6), 2, 3, 0)).toThrow(/mfac: damping lambda must be > 0/);
    expect(() => mfac(new Float64Array(6), 2, 3, 1).ihvp([1, 2])).toThrow(/mfac.ihvp: vector has 2 entries, expected d = 3/);
    expect(() => denseDampedSolve(new Float64Array(6), 2, 3, 1, [1])).toThrow(/denseDampedSolve: grads must be m x d/);
  });
});
