/** The perceptron model, hinge-loss SGD and the temperature-crossover tools against exact values. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { hingeSgd, logCrossing, logspace, margins, norm, perceptronTask, teacherError, temperatureGrid } from '../src/techniques/sgd-temperature/index.js';

describe('perceptron task', () => {
  it('labels every point by the sign of its first coordinate', () => {
    const t = perceptronTask(200, 5, new Rng(1));
    for (let i = 0; i < 200; i++) expect(t.y[i]).toBe(Math.sign(t.x[i * 5]));
  });

  it.each([0, 1, 3])('draws |x_1| with density ~ |x_1|^chi e^{-x_1^2/2} (chi = %i: E x_1^2 = chi + 1)', (chi) => {
    const n = 20000;
    const t = perceptronTask(n, 2, new Rng(chi + 7), chi);
    let m2 = 0;
    let rest = 0;
    for (let i = 0; i < n; i++) {
      m2 += t.x[2 * i] ** 2 / n;
      rest += t.x[2 * i + 1] ** 2 / n;
    }
    expect(m2).toBeCloseTo(chi + 1, 1);
    expect(rest).toBeCloseTo(1, 1);
  });

  it('names the bad argument', () => {
    expect(() => perceptronTask(0, 5, new Rng(1))).toThrow(/n must be/);
    expect(() => perceptronTask(10, 1, new Rng(1))).toThrow(/d must be/);
    expect(() => perceptronTask(10, 5, new Rng(1), -2)).toThrow(/chi/);
  });
});

describe('hinge SGD', () => {
  it('takes the exact full-batch hinge step: w = lr/n sum of y x / sqrt(d) from w = 0', () => {
    const t = perceptronTask(16, 4, new Rng(2));
    const r = hingeSgd(t, { lr: 0.3, batchSize: 16, maxEpochs: 1, rng: new Rng(3) });
    expect(r.steps).toBe(1);
    for (let j = 0; j < 4; j++) {
      let want = 0;
      for (let i = 0; i < 16; i++) want += (0.3 / 16) * t.y[i] * t.x[i * 4 + j] / 2;
      expect(r.w[j]).toBeCloseTo(want, 12);
    }
  });

  it('stops only when every margin is at least kappa, and reports the time lr x steps', () => {
    const t = perceptronTask(100, 8, new Rng(4));
    const r = hingeSgd(t, { lr: 0.5, batchSize: 10, margin: 0.5, maxEpochs: 10000, rng: new Rng(5) });
    expect(r.fitted).toBe(true);
    expect(Math.min(...margins(t, r.w))).toBeGreaterThanOrEqual(0.5);
    expect(r.time).toBeCloseTo(0.5 * r.steps, 10);
  });

  it('reports a run that ran out of epochs as not fitted', () => {
    const r = hingeSgd(perceptronTask(300, 8, new Rng(6)), { lr: 1e-4, batchSize: 10, maxEpochs: 2, rng: new Rng(7) });
    expect(r.fitted).toBe(false);
  });

  it('more noise at equal time moves the weights further (the effect the claim measures)', () => {
    const t = perceptronTask(256, 16, new Rng(8));
    const [cold, hot] = [0.05, 5].map((T) => norm(hingeSgd(t, { lr: T * 8, batchSize: 8, maxEpochs: 100000, rng: new Rng(9) }).w));
    expect(hot).toBeGreaterThan(1.5 * cold);
  });

  it('rejects a bad lr or batch size by name', () => {
    const t = perceptronTask(10, 3, new Rng(1));
    expect(() => hingeSgd(t, { lr: 0, batchSize: 2, maxEpochs: 1, rng: new Rng(1) })).toThrow(/lr/);
    expect(() => hingeSgd(t, { lr: 1, batchSize: 11, maxEpochs: 1, rng: new Rng(1) })).toThrow(/batchSize/);
  });
});

describe('teacher error', () => {
  it('is the angle between w and the teacher over pi', () => {
    for (const theta of [0, 0.3, 1, 2.5]) expect(teacherError(Float64Array.from([Math.cos(theta), Math.sin(theta) * 0.6, Math.sin(theta) * 0.8]))).toBeCloseTo(theta / Math.PI, 12);
  });

  it('matches the misclassified share of fresh Gaussian points', () => {
    const w = Float64Array.from([1, 0.7, -0.2, 0.1]);
    const t = perceptronTask(40000, 4, new Rng(10));
    const wrong = margins(t, w).filter((m) => m < 0).length / 40000;
    expect(Math.abs(wrong - teacherError(w))).toBeLessThan(0.01);
  });
});

describe('temperature sweeps', () => {
  it('reaches each temperature with each batch size at lr = T x B', () => {
    expect(temperatureGrid([0.5, 2], [4, 16])).toEqual([
      { lr: 2, batchSize: 4, temperature: 0.5 }, { lr: 8, batchSize: 4, temperature: 2 },
      { lr: 8, batchSize: 16, temperature: 0.5 }, { lr: 32, batchSize: 16, temperature: 2 },
    ]);
    expect(() => temperatureGrid([0], [4])).toThrow(/temperatures/);
  });

  it('finds a crossing exactly when y is linear in log x', () => {
    const x = logspace(0.01, 100, 9);
    const y = x.map((v) => 2 + 0.5 * Math.log(v));
    expect(logCrossing(x, y, 2.4)).toBeCloseTo(Math.exp(0.8), 10);
  });

  it('is NaN when the level is never reached or already passed at the lowest x', () => {
    expect(logCrossing([1, 2, 4], [1, 1.2, 1.5], 2)).toBeNaN();
    expect(logCrossing([1, 2, 4], [3, 4, 5], 2)).toBeNaN();
  });
});
