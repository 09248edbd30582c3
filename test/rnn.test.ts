/** The vanilla RNN, the delayed-recall task and the gradient-norm observer. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { delayedRecall } from '../src/data/sequences.js';
import { rnn } from '../src/models/rnn.js';
import { Rng } from '../src/random/rng.js';
import { chain, observeGlobalNorm, sgd } from '../src/train/transforms.js';
import { expectNoLeak } from './helpers.js';

describe('rnn', () => {
  it('computes h_t = tanh(x_t Wx + h_{t-1} Wh + b) and reads out the last state', async () => {
    const model = rnn({ inputSize: 2, hidden: 3, outputs: 2, recurrentGain: 1.2 }, new Rng(1));
    const x = [[[0.5, -1], [1, 0.2], [-0.3, 0.7]]];
    const [wx, wh, b, wo, bo] = model.params.map((p) => p.arraySync() as number[][] & number[]);
    let h = [0, 0, 0];
    for (const xt of x[0]) h = h.map((_, j) => Math.tanh(xt[0] * wx[0][j] + xt[1] * wx[1][j] + h.reduce((s, hk, k) => s + hk * wh[k][j], 0) + (b as number[])[j]));
    const want = [0, 1].map((o) => h.reduce((s, hk, k) => s + hk * wo[k][o], 0) + (bo as number[])[o]);
    const got = await expectNoLeak(() => { const xt = tf.tensor3d(x); const y = model.apply(xt); const out = y.dataSync(); tf.dispose([xt, y]); return out; });
    want.forEach((w, o) => expect(got[o]).toBeCloseTo(w, 5));
    expect(() => tf.tidy(() => model.apply(tf.zeros([1, 3, 4])))).toThrow(/inputs must be \[batch, time, 2\]/);
    model.dispose();
  });
});

describe('delayed recall', () => {
  it('shows the label at step 0 and a blank marker afterwards', () => {
    const d = delayedRecall(50, { length: 5, symbols: 3 }, new Rng(2));
    expect(d.featureShape).toEqual([5, 4]);
    for (let i = 0; i < 50; i++) {
      const at = (t: number, c: number) => d.x[(i * 5 + t) * 4 + c];
      expect(at(0, d.y[i])).toBe(1);
      for (let t = 1; t < 5; t++) expect(at(t, 3)).toBe(1);
      for (let t = 1; t < 5; t++) for (let c = 0; c < 3; c++) expect(at(t, c)).toBe(0);
    }
    expect(() => delayedRecall(5, { length: 1, symbols: 3 }, new Rng(1))).toThrow(/length/);
  });
});

describe('observeGlobalNorm', () => {
  it('reports the global norm and passes updates through unchanged', async () => {
    const seen: number[] = [];
    const t = chain(observeGlobalNorm((n) => seen.push(n)), sgd(1));
    const params = [tf.variable(tf.zeros([2]))];
    const state = t.init(params);
    const out = await expectNoLeak(() => tf.tidy(() => t.update([tf.tensor1d([3, 4])], state, params, { step: 0, rng: new Rng(1) })[0].dataSync()));
    expect(seen).toEqual([5]);
    expect(Array.from(out)).toEqual([-3, -4]);
    params[0].dispose();
  });
});
