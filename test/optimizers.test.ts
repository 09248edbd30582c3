/** SGD-SaI against its update rule written out by hand, and optimizer state counting. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gradientSnr, scaleBySai, sgdSai } from '../src/techniques/optimizers/index.js';
import { adamw, stateFloats } from '../src/train/transforms.js';
import { expectNoLeak } from './helpers.js';

const ctx = (step: number) => ({ step, rng: new Rng(1) });

describe('SGD-SaI', () => {
  it('g-SNR is the norm over the unbiased standard deviation', () => {
    const v = [1, 2, 3, 6];
    const m = 3;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / 3);
    const g = tf.tensor1d(v);
    expect(gradientSnr(g, 0)).toBeCloseTo(Math.hypot(...v) / std, 6);
    g.dispose();
  });

  it('steps by -lr (gsnr_0 buf + wd p) with buf starting at g_1 and averaging as beta buf + (1 - beta) g', async () => {
    const [lr, wd, beta] = [0.1, 0.01, 0.9];
    const p0 = [0.5, -1, 2];
    const g1 = [1, 2, 3];
    const g2 = [-1, 0.5, 4];
    const params = [tf.variable(tf.tensor1d(p0))];
    const t = sgdSai(lr, { momentum: beta, weightDecay: wd, eps: 0 });
    const state = t.init(params);
    const snr = Math.hypot(...g1) / Math.sqrt([-1, 0, 1].reduce((s, x) => s + x * x, 0) / 2);
    const u1 = await expectNoLeak(() => tf.tidy(() => t.update([tf.tensor1d(g1)], state, params, ctx(0))[0].dataSync()));
    g1.forEach((g, i) => expect(u1[i]).toBeCloseTo(-lr * (snr * g + wd * p0[i]), 5));
    // the scale stays the first step's, whatever the later gradients
    const u2 = tf.tidy(() => t.update([tf.tensor1d(g2)], state, params, ctx(1))[0].dataSync());
    g2.forEach((g, i) => expect(u2[i]).toBeCloseTo(-lr * (snr * (beta * g1[i] + (1 - beta) * g) + wd * p0[i]), 4));
    t.dispose(state);
    params[0].dispose();
  });

  it('keeps one buffer per parameter plus one scalar per tensor, half of AdamW\'s two buffers', () => {
    const params = [tf.variable(tf.zeros([4, 3])), tf.variable(tf.zeros([3]))];
    const sai = scaleBySai();
    const s = sai.init(params);
    tf.tidy(() => {
      sai.update(params.map((q) => tf.onesLike(q)), s, params, ctx(0));
    });
    expect(stateFloats(s)).toBe(15 + 2);
    const a = adamw(1e-3);
    const sa = a.init(params);
    expect(stateFloats(sa)).toBe(30);
    sai.dispose(s);
    a.dispose(sa);
    params.forEach((q) => q.dispose());
    expect(() => scaleBySai(1)).toThrow(/beta/);
  });
});
