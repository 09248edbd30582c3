import { describe, expect, it } from 'vitest';
import { totalVariation } from '../src/metrics/maps.js';
import { blurToTotalVariation, gaussianBlur, gaussianKernel } from '../src/techniques/attribution/blur.js';

describe('Gaussian blur of a map (SmoothGrad control)', () => {
  it('kernel: normalised Gaussian weights, truncated at 3 sigma', () => {
    expect(Array.from(gaussianKernel(0))).toEqual([1]);
    const k = gaussianKernel(1);
    const raw = [-3, -2, -1, 0, 1, 2, 3].map((i) => Math.exp(-i * i / 2));
    const s = raw.reduce((a, b) => a + b);
    expect(k.length).toBe(7);
    k.forEach((v, i) => expect(v).toBeCloseTo(raw[i] / s, 14));
    expect(() => gaussianKernel(-1)).toThrow(/>= 0/);
  });

  it('blurs a centred delta into the outer product of the kernel; keeps constants; sigma 0 is the identity', () => {
    const n = 9;
    const delta = new Float64Array(n * n);
    delta[4 * n + 4] = 1;
    const k = gaussianKernel(1);
    const b = gaussianBlur(delta, n, n, 1);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      const dy = y - 4, dx = x - 4;
      const want = Math.abs(dy) <= 3 && Math.abs(dx) <= 3 ? k[dy + 3] * k[dx + 3] : 0;
      expect(b[y * n + x]).toBeCloseTo(want, 14);
    }
    expect(Array.from(gaussianBlur(new Float64Array(12).fill(2.5), 3, 4, 1.3)).every((v) => Math.abs(v - 2.5) < 1e-14)).toBe(true);
    const m = Array.from({ length: 12 }, (_, i) => Math.sin(i));
    expect(Array.from(gaussianBlur(m, 3, 4, 0))).toEqual(m);
    // edges clamped: a 1-D step blurred by [k0 k1 k2 ...] on a single row
    const row = gaussianBlur([0, 0, 1, 1], 1, 4, 0.5);
    const k5 = gaussianKernel(0.5); // radius 2
    expect(row[0]).toBeCloseTo(k5[4], 14); // x=0 sees x+2 = 1 only
    expect(row[3]).toBeCloseTo(1 - k5[0], 14); // x=3 sees x-2 = 0 only
  });

  it('finds the blur width that matches a target total variation', () => {
    const h = 10, w = 10;
    const m = Array.from({ length: h * w }, (_, i) => ((i * 7919) % 13) - 6);
    const tv0 = totalVariation(m.map(Math.abs), h, w);
    const r = blurToTotalVariation(m, h, w, 0.6 * tv0);
    expect(r.matched).toBe(true);
    expect(r.sigma).toBeGreaterThan(0);
    expect(Math.abs(r.tv - 0.6 * tv0) / tv0).toBeLessThan(1e-6);
    expect(totalVariation(Array.from(r.blurred, Math.abs), h, w)).toBeCloseTo(r.tv, 12);
    const above = blurToTotalVariation(m, h, w, 2 * tv0);
    expect(above).toMatchObject({ sigma: 0, matched: false });
  });
});
