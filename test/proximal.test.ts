import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { icnn, laplaceMmse, prox, proxJacobian, sampleLaplace, softThreshold, trainLpn } from '../src/techniques/proximal/index.js';

describe('Laplace prior under Gaussian noise', () => {
  it('soft-thresholding, sampling and the MMSE denoiser by quadrature (odd, shrinking, y - sigma^2/b in the tails)', () => {
    expect(Array.from(softThreshold(Float64Array.of(-2, -0.5, 0, 0.7, 3), 1))).toEqual([-1, -0, 0, 0, 2]);
    const x = sampleLaplace(100000, 2, new Rng(1));
    // E|x| = b, Var x = 2 b^2
    expect(x.reduce((s, v) => s + Math.abs(v), 0) / x.length).toBeCloseTo(2, 1);
    const y = Float64Array.of(-8, -1, 0, 0.5, 1, 8);
    const m = laplaceMmse(y, 1, 1);
    expect(m[2]).toBeCloseTo(0, 12);
    expect(m[1]).toBeCloseTo(-m[4], 12);
    expect(Math.abs(m[3])).toBeLessThan(0.5);
    // far in the tails the posterior is N(y - sign(y) sigma^2/b, sigma^2): mean y - 1
    expect(m[5]).toBeCloseTo(7, 6);
    // against a brute-force Riemann sum on a much finer grid
    const brute = (v: number) => {
      let [num, den] = [0, 0];
      for (let i = -400000; i <= 400000; i++) {
        const t = i * 5e-5;
        const w = Math.exp(-Math.abs(t) - (v - t) ** 2 / 2);
        [num, den] = [num + w * t, den + w];
      }
      return num / den;
    };
    // the trapezoid rule meets the kink of |x| at 0: error O(h^2), about 1e-6 at 4001 nodes
    expect(m[4]).toBeCloseTo(brute(1), 5);
    expect(() => softThreshold(y, -1)).toThrow('softThreshold: lambda must be >= 0, got -1');
    expect(() => laplaceMmse(y, 0, 1)).toThrow('laplaceMmse: b and sigma must be > 0, got b=0, sigma=1');
  });
});

describe('learned proximal networks', () => {
  it('f = grad psi matches central differences of psi, and its Jacobian is symmetric positive semidefinite at random points (2-D)', () => {
    const before = tf.memory().numTensors;
    const psi = icnn({ d: 2, hidden: [16, 16, 16] }, new Rng(2));
    const rng = new Rng(3);
    for (let k = 0; k < 20; k++) {
      const y = Float64Array.of(3 * rng.normal(), 3 * rng.normal());
      const J = proxJacobian(psi, y);
      expect(Math.abs(J[1] - J[2])).toBeLessThan(1e-5 * (Math.abs(J[0]) + Math.abs(J[3]) + 1e-6));
      // eigenvalues of the symmetric 2 x 2: trace and determinant both >= 0
      expect(J[0] + J[3]).toBeGreaterThanOrEqual(-1e-6);
      expect(J[0] * J[3] - J[1] * J[2]).toBeGreaterThanOrEqual(-1e-6);
    }
    const y = Float64Array.of(0.3, -0.4);
    const f = prox(psi, y, 2);
    const value = (p: Float64Array) => tf.tidy(() => psi.apply(tf.tensor2d(Float32Array.from(p), [1, 2])).dataSync()[0]);
    const h = 1e-2;
    for (let j = 0; j < 2; j++) {
      const [up, down] = [Float64Array.from(y), Float64Array.from(y)];
      [up[j], down[j]] = [y[j] + h, y[j] - h];
      expect(f[j]).toBeCloseTo((value(up) - value(down)) / (2 * h), 2);
    }
    psi.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => icnn({ d: 0, hidden: [4] }, new Rng(1))).toThrow('icnn: need an integer d >= 1 and at least one hidden width, got d=0, hidden=[4]');
  });

  it('MSE training on a Gaussian prior learns its MMSE denoiser y/2 (noise sd 1), leaving no tensors', async () => {
    const before = tf.memory().numTensors;
    const psi = icnn({ d: 1, hidden: [16, 16] }, new Rng(4));
    const losses = await trainLpn(psi, 1, { loss: 'mse', sample: (n, r) => Float64Array.from({ length: n }, () => r.normal()), sigma: 1, steps: 600, batchSize: 256, lr: 1e-2, rng: new Rng(5) });
    const grid = Float64Array.from({ length: 21 }, (_, i) => -2 + i * 0.2);
    const f = prox(psi, grid, 1);
    expect(Math.max(...grid.map((v, i) => Math.abs(f[i] - v / 2)))).toBeLessThan(0.15);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    psi.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainLpn(psi, 1, { loss: 'huber' as 'mse', sample: (n) => new Float64Array(n), sigma: 1, steps: 1, batchSize: 1, lr: 1, rng: new Rng(1) })).rejects.toThrow("trainLpn: loss must be 'mse', 'l1' or 'proximal-matching', got huber");
  }, 60_000);
});
