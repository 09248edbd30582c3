/**
 * The native normal stream (native/src/random.cc) draws exactly the numbers src/random/rng.ts draws,
 * so drawing gradient noise natively changes no seeded result: its log is V8's, bit for bit.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addonPath, loadAddon } from '../src/engine/native/addon.js';
import { Rng, useNormalFiller } from '../src/random/rng.js';

const built = existsSync(addonPath());

describe.skipIf(!built)('native normal stream', () => {
  afterEach(() => useNormalFiller(null));

  it('log is bit-identical to Math.log (fdlibm) on the polar method inputs and at the edges', () => {
    const addon = loadAddon();
    const rng = new Rng(9);
    const xs = [1, 0.5, 2, 1 - 2 ** -52, 2 ** -1074, 2 ** -1022, 1e-300, 0.9999999, 1.0000001, 3.7e10, 0, Infinity, Number.MAX_VALUE];
    for (let i = 0; i < 200_000; i++) { const u = 2 * rng.uniform() - 1, v = 2 * rng.uniform() - 1; xs.push(u * u + v * v); }
    const bad = xs.filter((x) => !Object.is(addon.fdlibmLog(x), Math.log(x)));
    expect(bad.slice(0, 5)).toEqual([]);
    expect(addon.fdlibmLog(-1)).toBeNaN();
  });

  it('normalArray draws the same floats natively as in JS, and leaves the stream in the same state', () => {
    const addon = loadAddon();
    for (const [seed, n, mean, std] of [[1, 1000, 0, 1], [2, 257, 0.5, 0.01], [3, 4096, -2, 3]] as const) {
      const js = new Rng(seed);
      const nat = new Rng(seed);
      js.normal(); nat.normal(); // an odd number drawn before: the kept second value must carry over
      const a = js.normalArray(n, mean, std);
      useNormalFiller((state, spare, out, m, s) => addon.normalFill(state, spare, out, m, s));
      const b = nat.normalArray(n, mean, std);
      useNormalFiller(null);
      expect(Array.from(b)).toEqual(Array.from(a));
      // and the streams continue alike
      expect([nat.normal(), nat.uniform(), nat.normal()]).toEqual([js.normal(), js.uniform(), js.normal()]);
    }
  });

  it('small draws stay in JS (a native call costs more than it saves) with the same numbers', () => {
    const addon = loadAddon();
    let calls = 0;
    useNormalFiller((state, spare, out, m, s) => { calls++; addon.normalFill(state, spare, out, m, s); });
    const r = new Rng(5);
    r.normalArray(10);
    expect(calls).toBe(0);
    r.normalArray(300);
    expect(calls).toBe(1);
  });
});
