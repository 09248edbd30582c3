/** A claim's parameters with a notebook's overrides: merged by name, refused with the path when wrong. */
import { describe, expect, it } from 'vitest';
import { paramsFor } from '../src/claims/run.js';
import type { Claim } from '../src/claims/types.js';

const scale = { seeds: [1, 2], chains: 100, grid: [1, 2, 3], net: { hidden: [8, 8], steps: 50 }, label: 'x' };
const claim = { id: 'Z1', scales: { smoke: scale, ci: scale, full: { ...scale, chains: 1000 } } } as unknown as Claim<typeof scale>;

describe('paramsFor', () => {
  it('replaces values and merges objects key by key, leaving the scale itself untouched', () => {
    const p = paramsFor(claim, 'ci', undefined, { chains: 7, grid: [5], net: { steps: 9 } });
    expect(p).toEqual({ ...scale, chains: 7, grid: [5], net: { hidden: [8, 8], steps: 9 } });
    expect(scale.net.steps).toBe(50);
    expect(paramsFor(claim, 'full', [3])).toEqual({ ...scale, chains: 1000, seeds: [3] });
  });

  it('refuses an unknown name or a value of another kind, naming the path and what exists', () => {
    expect(() => paramsFor(claim, 'ci', undefined, { chain: 7 })).toThrow(/Z1 \(ci\): 'chain' is not a parameter here; the names at this level: seeds, chains, grid, net, label/);
    expect(() => paramsFor(claim, 'ci', undefined, { net: { step: 1 } })).toThrow(/'net.step' is not a parameter here; the names at this level: hidden, steps/);
    expect(() => paramsFor(claim, 'ci', undefined, { chains: '7' })).toThrow(/'chains' must be a number like its value 100, got "7"/);
    expect(() => paramsFor(claim, 'ci', undefined, { grid: 3 })).toThrow(/'grid' must be an array/);
    expect(() => paramsFor(claim, 'ci', undefined, { net: 3 })).toThrow(/overrides.net must be an object/);
    expect(() => paramsFor(claim, 'huge' as never)).toThrow(/Z1 has no scale 'huge'; its scales: smoke, ci, full/);
  });
});
