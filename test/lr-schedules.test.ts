/** One-cycle and the LR range test against their definitions. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { Rng } from '../src/random/rng.js';
import { exponentialSweep, lrRangeTest, oneCycle, smoothedMinimum } from '../src/techniques/lr-schedules/index.js';
import { momentum } from '../src/train/transforms.js';

describe('one-cycle', () => {
  it('rises linearly from maxLr/div to maxLr, falls back, then anneals to start/finalDiv', () => {
    const s = oneCycle({ maxLr: 1, totalSteps: 101, pctUp: 0.4, div: 10, finalDiv: 100 });
    expect(s(0)).toBeCloseTo(0.1, 12);
    expect(s(20)).toBeCloseTo(0.55, 12);
    expect(s(40)).toBeCloseTo(1, 12);
    expect(s(60)).toBeCloseTo(0.55, 12);
    expect(s(80)).toBeCloseTo(0.1, 12);
    expect(s(100)).toBeCloseTo(0.001, 12);
    for (let t = 1; t < 40; t++) expect(s(t)).toBeGreaterThan(s(t - 1));
    for (let t = 41; t <= 100; t++) expect(s(t)).toBeLessThan(s(t - 1));
  });

  it('names bad options', () => {
    expect(() => oneCycle({ maxLr: 0, totalSteps: 10 })).toThrow(/maxLr/);
    expect(() => oneCycle({ maxLr: 1, totalSteps: 2 })).toThrow(/totalSteps/);
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, pctUp: 0.7 })).toThrow(/pctUp/);
  });
});

describe('LR range test', () => {
  it('sweeps exponentially from minLr to maxLr', () => {
    const s = exponentialSweep(1e-4, 1, 5);
    [1e-4, 1e-3, 1e-2, 1e-1, 1].forEach((v, i) => expect(s(i)).toBeCloseTo(v, 12));
  });

  it('smooths with a bias-corrected moving average and finds its minimum', () => {
    const { smoothed, argmin } = smoothedMinimum([4, 2, 1, 3, 9], 0.5);
    expect(smoothed[0]).toBe(4);
    expect(smoothed[1]).toBeCloseTo((0.25 * 4 + 0.5 * 2) / 0.75, 12);
    expect(argmin).toBe(smoothed.indexOf(Math.min(...smoothed)));
  });

  it('on a real model the loss falls, then blows up, and the suggestion is the smoothed minimum', async () => {
    const data = moons(256, 0.1, new Rng(1));
    const model = mlp({ sizes: [2, 16, 2] }, new Rng(2));
    const before = tf.memory().numTensors;
    const r = await lrRangeTest(model, data, { optimizer: (lr) => momentum(lr, 0.9), minLr: 1e-3, maxLr: 100, steps: 80, batchSize: 32, rng: new Rng(3) });
    expect(tf.memory().numTensors).toBe(before);
    const i = r.lrs.indexOf(r.suggested);
    expect(r.smoothed[i]).toBe(Math.min(...r.smoothed));
    expect(r.smoothed[i]).toBeLessThan(r.smoothed[0]);
    expect(Math.max(...r.losses.slice(i).map((l) => (Number.isFinite(l) ? l : Infinity)))).toBeGreaterThan(r.smoothed[0]);
    model.dispose();
  });
});
