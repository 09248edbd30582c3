import { describe, expect, it } from 'vitest';
import { allocateBySensitivity, quantizeSymmetric } from '../src/techniques/quantization/quantize.js';
import { downsample } from '../src/data/dataset.js';

describe('symmetric uniform quantization', () => {
  it('maps to 2^(b-1)-1 levels per sign, scaled by max|w|, exactly', () => {
    // 2 bits: ternary {-1, 0, 1} x max
    expect(Array.from(quantizeSymmetric([0.9, -0.4, 0.2, -1, 0.55], 2))).toEqual([1, 0, 0, -1, 1]);
    // 3 bits: levels k/3, k = -3..3
    expect(Array.from(quantizeSymmetric([3, 1.4, -0.6, 0.4], 3)).map((v) => +v.toFixed(6))).toEqual([3, 1, -1, 0]);
    const w = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    for (const bits of [2, 4, 8]) {
      const q = quantizeSymmetric(w, bits);
      const step = 1 / (2 ** (bits - 1) - 1);
      expect(new Set(Array.from(q, (v) => Math.round(v / step))).size).toBeLessThanOrEqual(2 ** bits - 1);
      expect(Math.max(...Array.from(w, (v, i) => Math.abs(v - q[i])))).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
    expect(Array.from(quantizeSymmetric([0, 0], 4))).toEqual([0, 0]);
    expect(() => quantizeSymmetric([1], 1)).toThrow(/bits must be an integer >= 2/);
  });
});

describe('bit allocation by sensitivity', () => {
  it('gives the most bits to the most sensitive layer, the reverse with negated sensitivities', () => {
    expect(allocateBySensitivity([0.1, 0.5, 0.3], [8, 4, 2])).toEqual([2, 8, 4]);
    expect(allocateBySensitivity([-0.1, -0.5, -0.3], [8, 4, 2])).toEqual([8, 2, 4]);
    expect(() => allocateBySensitivity([1, 2], [8, 4, 2])).toThrow(/2 layers for 3 bit-widths/);
  });
});

describe('downsampling images', () => {
  it('averages factor x factor blocks', () => {
    const ds = { name: 'd', x: Float32Array.from({ length: 2 * 16 }, (_, i) => i), y: Int32Array.from([0, 1]), featureShape: [4, 4, 1], numClasses: 2 };
    const d = downsample(ds, 2);
    expect(d.featureShape).toEqual([2, 2, 1]);
    // first image rows 0..3: [0 1 2 3 / 4 5 6 7 / ...]: top-left block (0+1+4+5)/4
    expect(Array.from(d.x.subarray(0, 4))).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect(d.x[4]).toBe(18.5);
    expect(() => downsample(ds, 3)).toThrow(/divisible by 3/);
  });
});
