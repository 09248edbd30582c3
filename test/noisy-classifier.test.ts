import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gmm, noisedScore, sampleGmm, vpLinear } from '../src/techniques/diffusion/index.js';
import { trainNoisyClassifier } from '../src/techniques/noisy-classifier/index.js';

// two classes N(-m, v I) and N(+m, v I): p_t(y | x) is logistic in x and its likelihood score is exact
const P = vpLinear();
const data = gmm([0.5, 0.5], [[-1, 0.5], [1, -0.5]], 0.2);
const classes = [gmm([1], [[-1, 0.5]], 0.2), gmm([1], [[1, -0.5]], 0.2)];
const rng = new Rng(1);
// labels drawn first, then the point from its class (as the exact likelihood score assumes)
const labels = Int32Array.from({ length: 3000 }, (_, i) => i % 2);
const x = new Float64Array(6000);
labels.forEach((y, i) => x.set(sampleGmm(classes[y], 1, rng), 2 * i));
const exactLikelihoodScore = (p: Float64Array, t: number, y: number) => {
  const [c, m] = [noisedScore(classes[y], p, P.alpha(t), P.sigma(t)), noisedScore(data, p, P.alpha(t), P.sigma(t))];
  return c.map((v, j) => v - m[j]);
};

describe('noisy classifiers (CE and DLSM)', () => {
  it('the input gradient is the gradient of the log-probabilities (central differences), and training leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const c = await trainNoisyClassifier(P, x, labels, 2, { objective: 'ce', hidden: [32], steps: 200, batchSize: 64, lr: 3e-3, rng: new Rng(2) });
    const pt = Float64Array.of(0.3, -0.2);
    const g = c.likelihoodScore(pt, 0.2, 1);
    const h = 1e-2;
    for (let j = 0; j < 2; j++) {
      const [up, down] = [Float64Array.from(pt), Float64Array.from(pt)];
      [up[j], down[j]] = [pt[j] + h, pt[j] - h];
      // float32 network: central differences at h = 1e-2 agree to about 1e-3
      expect(g[j]).toBeCloseTo((c.logProbs(up, 0.2)[1] - c.logProbs(down, 0.2)[1]) / (2 * h), 2);
    }
    const lp = c.logProbs(pt, 0.2);
    expect(Math.exp(lp[0]) + Math.exp(lp[1])).toBeCloseTo(1, 5);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('DLSM alone (no cross-entropy) learns the likelihood score: its sigma^2-weighted error falls by more than half from the untrained net', async () => {
    const before = tf.memory().numTensors;
    const score = (p: Float64Array, t: number) => noisedScore(data, p, P.alpha(t), P.sigma(t));
    // error over the joint (label, point) distribution the objective weighs: true labels, noised points
    const error = (c: { likelihoodScore: (p: Float64Array, t: number, y: Int32Array) => Float64Array }, t: number) => {
      const r = new Rng(9);
      const ys = Int32Array.from({ length: 500 }, (_, i) => i % 2);
      const pts = new Float64Array(1000);
      ys.forEach((y, i) => pts.set(sampleGmm(classes[y], 1, r).map((v) => P.alpha(t) * v + P.sigma(t) * r.normal()), 2 * i));
      const got = c.likelihoodScore(pts, t, ys);
      let err = 0;
      ys.forEach((y, i) => {
        const exact = exactLikelihoodScore(pts.subarray(2 * i, 2 * i + 2), t, y);
        for (let j = 0; j < 2; j++) err += P.sigma(t) ** 2 * (got[2 * i + j] - exact[j]) ** 2;
      });
      return err / 500;
    };
    const opts = { objective: 'dlsm' as const, ceWeight: 0, score, hidden: [64, 64], batchSize: 128, lr: 3e-3, rng: new Rng(3) };
    const [untrained, trained] = [await trainNoisyClassifier(P, x, labels, 2, { ...opts, steps: 1 }), await trainNoisyClassifier(P, x, labels, 2, { ...opts, steps: 800 })];
    for (const t of [0.2, 0.5]) expect(error(trained, t), `t=${t}`).toBeLessThan(error(untrained, t) / 2);
    untrained.dispose();
    trained.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('rejects bad input with the argument named', async () => {
    const opts = { hidden: [4], steps: 1, batchSize: 2, lr: 1e-3, rng: new Rng(1) };
    await expect(trainNoisyClassifier(P, x, labels, 2, { ...opts, objective: 'dlsm' })).rejects.toThrow("trainNoisyClassifier: the 'dlsm' objective needs the unconditional `score`");
    await expect(trainNoisyClassifier(P, x, Int32Array.of(0, 1, 0, 1, 0, 1, 0), 2, { ...opts, objective: 'ce' })).rejects.toThrow(/trainNoisyClassifier: x must hold one point per label/);
    await expect(trainNoisyClassifier(P, Float64Array.of(0, 0, 1, 1), Int32Array.of(0, 2), 2, { ...opts, objective: 'ce' })).rejects.toThrow('trainNoisyClassifier: labels must be integers in [0, 2), with classes >= 2');
  });
});
