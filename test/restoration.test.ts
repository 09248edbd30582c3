/** Optimal transport for restoration, against exact answers: the Gaussian map, its W2, and the 1-D monotone map. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gaussianTransport, gaussianW2Sq, monotoneTransport1d, symmetricMatrixFunction } from '../src/techniques/restoration/index.js';

const matmul = (a: Float64Array, b: Float64Array, n: number) => {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
};
const transpose = (a: Float64Array, n: number) => Float64Array.from(a, (_, idx) => a[(idx % n) * n + Math.floor(idx / n)]);
function randomSpd(n: number, rng: Rng): Float64Array {
  const g = Float64Array.from({ length: n * n }, () => rng.normal());
  const s = matmul(g, transpose(g, n), n);
  for (let i = 0; i < n; i++) s[i * n + i] += 0.5;
  return s;
}

describe('Gaussian optimal transport', () => {
  it('the map pushes N(m1, S1) exactly onto N(m2, S2): A S1 A^T = S2, A symmetric positive definite', () => {
    const rng = new Rng(1);
    const n = 5;
    const [s1, s2] = [randomSpd(n, rng), randomSpd(n, rng)];
    const [m1, m2] = [Float64Array.from({ length: n }, () => rng.normal()), Float64Array.from({ length: n }, () => rng.normal())];
    const { a, apply } = gaussianTransport(m1, s1, m2, s2);
    const pushed = matmul(matmul(a, s1, n), transpose(a, n), n);
    pushed.forEach((v, i) => expect(v).toBeCloseTo(s2[i], 9));
    a.forEach((v, i) => expect(v).toBeCloseTo(a[(i % n) * n + Math.floor(i / n)], 12));
    // the mean maps to the mean
    Array.from(apply(m1)).forEach((v, i) => expect(v).toBeCloseTo(m2[i], 12));
  });

  it('W2^2 of commuting (diagonal) Gaussians is sum (sqrt(a) - sqrt(b))^2 plus the mean shift; it is 0 from a Gaussian to itself', () => {
    const n = 3;
    const diag = (v: number[]) => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? v[i / (n + 1)] : 0));
    const [a, b] = [[1, 4, 0.25], [9, 1, 1]];
    const m1 = Float64Array.of(0, 1, 2), m2 = Float64Array.of(1, 1, 0);
    expect(gaussianW2Sq(m1, diag(a), m2, diag(b))).toBeCloseTo(5 + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i])) ** 2, 0), 10);
    const s = randomSpd(4, new Rng(2));
    expect(gaussianW2Sq(new Float64Array(4), s, new Float64Array(4), s)).toBeCloseTo(0, 9);
  });

  it('matrix functions: sqrt(S)^2 = S; a non-positive-definite source is refused', () => {
    const s = randomSpd(4, new Rng(3));
    const r = symmetricMatrixFunction(s, 4, Math.sqrt);
    matmul(r, r, 4).forEach((v, i) => expect(v).toBeCloseTo(s[i], 9));
    expect(() => gaussianTransport(new Float64Array(2), new Float64Array(4), new Float64Array(2), Float64Array.of(1, 0, 0, 1))).toThrow(/positive definite/);
  });
});

describe('1-D monotone transport', () => {
  it('maps uniform samples onto normal quantiles (Phi^-1), monotone, clamped at the ends', () => {
    const rng = new Rng(4);
    const u = Float64Array.from({ length: 20000 }, () => rng.uniform());
    const z = Float64Array.from({ length: 20000 }, () => rng.normal());
    const t = monotoneTransport1d(u, z);
    // Phi^-1(0.5) = 0, Phi^-1(0.8413) = 1, Phi^-1(0.1587) = -1
    expect(t(0.5)).toBeCloseTo(0, 1);
    expect(t(0.8413)).toBeCloseTo(1, 1);
    expect(t(0.1587)).toBeCloseTo(-1, 1);
    for (let x = 0.01; x < 1; x += 0.01) expect(t(x + 0.01)).toBeGreaterThanOrEqual(t(x));
    expect(t(-5)).toBe(Math.min(...z));
    expect(() => monotoneTransport1d([1], [1, 2])).toThrow(/at least 2 samples/);
  });
});
