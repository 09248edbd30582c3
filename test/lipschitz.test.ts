/** Conv-layer spectral norms: frequency-domain exact norm vs the explicit operator; Gram bounds; power iteration. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { jacobiEigen } from '../src/techniques/curvature/spectrum.js';
import {
  circularConvMatrix, exactConvNorm, frequencyMatrices, gramIterationBounds, powerIterationEstimates, type ConvKernel,
} from '../src/techniques/lipschitz/index.js';

function randomKernel(shape: [number, number, number, number], rng: Rng): ConvKernel {
  return { shape, values: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()) };
}

/** sigma_1 of the explicit matrix A [m, k] from the top eigenvalue of A^T A. */
function explicitNorm(a: Float64Array, m: number, k: number): number {
  const ata = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) {
    let s = 0;
    for (let r = 0; r < m; r++) s += a[r * k + i] * a[r * k + j];
    ata[i * k + j] = ata[j * k + i] = s;
  }
  return Math.sqrt(jacobiEigen(ata, k).values[0]);
}

describe('conv spectral norm', () => {
  it.each([
    [[3, 3, 2, 3], 5], [[3, 3, 3, 2], 4], [[2, 2, 1, 4], 6], [[1, 1, 3, 3], 3],
  ] as [[number, number, number, number], number][])('kernel %j on %i x %i: the frequency-domain norm equals the explicit operator\'s', (shape, n) => {
    const k = randomKernel(shape, new Rng(n + shape[2]));
    const exact = exactConvNorm(frequencyMatrices(k, n));
    const [, , cin, cout] = shape;
    expect(exact).toBeCloseTo(explicitNorm(circularConvMatrix(k, n), cout * n * n, cin * n * n), 9);
  });

  it('a 1x1 convolution has the norm of its channel matrix', () => {
    const k: ConvKernel = { shape: [1, 1, 2, 2], values: Float64Array.from([3, 0, 0, 1]) };
    expect(exactConvNorm(frequencyMatrices(k, 4))).toBeCloseTo(3, 12);
  });

  it('Gram iteration bounds the norm at every iteration and closes the gap superlinearly', () => {
    const f = frequencyMatrices(randomKernel([3, 3, 4, 6], new Rng(5)), 8);
    const exact = exactConvNorm(f);
    const bounds = gramIterationBounds(f, 8);
    bounds.forEach((b) => expect(b).toBeGreaterThanOrEqual(exact * (1 - 1e-12)));
    for (let t = 1; t < bounds.length; t++) expect(bounds[t]).toBeLessThanOrEqual(bounds[t - 1] * (1 + 1e-12));
    expect((bounds[6] - exact) / exact).toBeLessThan(1e-3);
  });

  it('power iteration estimates stay below the norm and approach it', () => {
    const f = frequencyMatrices(randomKernel([3, 3, 3, 3], new Rng(6)), 6);
    const exact = exactConvNorm(f);
    const est = powerIterationEstimates(f, 200, new Rng(7));
    est.forEach((e) => expect(e).toBeLessThanOrEqual(exact * (1 + 1e-12)));
    expect(est.at(-1)! / exact).toBeGreaterThan(0.99);
  });

  it('names a bad input size', () => {
    expect(() => frequencyMatrices(randomKernel([3, 3, 1, 1], new Rng(1)), 2)).toThrow(/n=2/);
  });
});
