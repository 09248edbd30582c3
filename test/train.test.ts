import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { moons } from '../src/data/toy2d.js';
import { mlp } from '../src/models/mlp.js';
import { cnn } from '../src/models/cnn.js';
import { countParams } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { classification, train, type Objective } from '../src/train/loop.js';
import { crossEntropy, earlyLearningRegularization, maxSuppression, smoothedTargets, spectralDecoupling, squaredError } from '../src/train/losses.js';
import { adam, addNoise, chain, clipByGlobalNorm, momentum, sgd, type GradientTransformation } from '../src/train/transforms.js';
import { sam } from '../src/techniques/sharpness/sam.js';
import { expectNoLeak } from './helpers.js';

/** Run a transformation over a fixed list of gradients and return the updates as arrays. */
function updates(t: GradientTransformation<any>, grads: number[][], params = [[0, 0]]): number[][] {
  const ps = params.map((p) => tf.tensor1d(p));
  const state = t.init(ps);
  const ctx = { step: 0, rng: new Rng(0) };
  const out = grads.map((g, step) => {
    ctx.step = step;
    return tf.tidy(() => Array.from(t.update([tf.tensor1d(g)], state, ps, ctx)[0].dataSync()));
  });
  t.dispose(state);
  ps.forEach((p) => p.dispose());
  return out;
}

describe('gradient transformations', () => {
  const g = [[1, -2], [0.5, 4], [-3, 1]];

  it('sgd scales by -lr, with schedules', async () => {
    await expectNoLeak(async () => {
      expect(updates(sgd(0.1), g)[1]).toEqual([-0.05, -0.4].map((v) => expect.closeTo(v, 6)));
      expect(updates(sgd((t) => 1 / (t + 1)), g)[2]).toEqual([1, -1 / 3].map((v) => expect.closeTo(v, 6)));
    });
  });

  it('momentum accumulates m = beta m + g', async () => {
    await expectNoLeak(async () => {
      const u = updates(momentum(0.1, 0.9), g);
      const m1 = [1, -2];
      const m2 = [0.9 * 1 + 0.5, 0.9 * -2 + 4];
      const m3 = [0.9 * m2[0] - 3, 0.9 * m2[1] + 1];
      [m1, m2, m3].forEach((m, i) => expect(u[i]).toEqual(m.map((v) => expect.closeTo(-0.1 * v, 5))));
    });
  });

  it('adam matches the bias-corrected formula', async () => {
    await expectNoLeak(async () => {
      const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.01];
      const u = updates(adam(lr, b1, b2, eps), g);
      let m = [0, 0];
      let v = [0, 0];
      g.forEach((gi, t) => {
        m = m.map((mj, j) => b1 * mj + (1 - b1) * gi[j]);
        v = v.map((vj, j) => b2 * vj + (1 - b2) * gi[j] ** 2);
        const want = m.map((mj, j) => (-lr * (mj / (1 - b1 ** (t + 1)))) / (Math.sqrt(v[j] / (1 - b2 ** (t + 1))) + eps));
        expect(u[t]).toEqual(want.map((w) => expect.closeTo(w, 5)));
      });
    });
  });

  it('clips by global norm across all tensors', async () => {
    await expectNoLeak(async () => {
      const t = clipByGlobalNorm(1);
      const ps = [tf.zeros([2]), tf.zeros([1])];
      const state = t.init(ps);
      const out = tf.tidy(() => t.update([tf.tensor1d([3, 0]), tf.tensor1d([4])], state, ps, { step: 0, rng: new Rng(0) }).map((x) => Array.from(x.dataSync())));
      expect(out[0][0]).toBeCloseTo(0.6, 6);
      expect(out[1][0]).toBeCloseTo(0.8, 6);
      const small = tf.tidy(() => Array.from(t.update([tf.tensor1d([0.3, 0]), tf.tensor1d([0.4])], state, ps, { step: 0, rng: new Rng(0) })[0].dataSync()));
      expect(small[0]).toBeCloseTo(0.3, 6);
      ps.forEach((p) => p.dispose());
      expect(() => clipByGlobalNorm(0)).toThrow(/maxNorm must be > 0/);
    });
  });

  it('adds noise with variance eta / (1 + t)^gamma', async () => {
    await expectNoLeak(async () => {
      const [eta, gamma, n] = [0.5, 0.55, 20000];
      const t = addNoise(eta, gamma);
      const ps = [tf.zeros([n])];
      const ctx = { step: 0, rng: new Rng(1) };
      for (const step of [0, 9, 99]) {
        ctx.step = step;
        const v = tf.tidy(() => t.update([tf.zeros([n])], null, ps, ctx)[0].dataSync());
        const variance = Array.from(v).reduce((s, x) => s + x * x, 0) / n;
        expect(variance / (eta / (1 + step) ** gamma)).toBeGreaterThan(0.96);
        expect(variance / (eta / (1 + step) ** gamma)).toBeLessThan(1.04);
      }
      ps[0].dispose();
    });
  });

  it('chains in order: clipping before the step differs from after', () => {
    const a = updates(chain(clipByGlobalNorm(1), sgd(10)), [[3, 4]]);
    const b = updates(chain(sgd(10), clipByGlobalNorm(1)), [[3, 4]]);
    expect(a[0]).toEqual([-6, -8].map((v) => expect.closeTo(v, 5)));
    expect(b[0]).toEqual([-0.6, -0.8].map((v) => expect.closeTo(v, 5)));
  });
});

describe('losses', () => {
  it('label smoothing builds (1 - eps) onehot + eps / K and matches a hand computation', () => {
    tf.tidy(() => {
      const t = smoothedTargets(tf.tensor1d([2], 'int32'), 4, 0.1);
      expect(Array.from(t.dataSync())).toEqual([0.025, 0.025, 0.925, 0.025].map((v) => expect.closeTo(v, 6)));
      const logits = tf.tensor2d([[1, 2, 3, 4]]);
      const logp = [1, 2, 3, 4].map((z) => z - Math.log([1, 2, 3, 4].reduce((s, v) => s + Math.exp(v), 0)));
      const want = -[0.025, 0.025, 0.925, 0.025].reduce((s, w, j) => s + w * logp[j], 0);
      expect(crossEntropy({ smoothing: 0.1 })(logits, tf.tensor1d([2], 'int32')).dataSync()[0]).toBeCloseTo(want, 5);
    });
    expect(() => crossEntropy({ smoothing: 1 })).toThrow(/smoothing must be in \[0, 1\)/);
  });

  it('spectral decoupling adds lambda/2 times the mean squared logit norm', () => {
    const got = tf.tidy(() => {
      const logits = tf.tensor2d([[1, 2], [-1, 0.5]]);
      const labels = tf.tensor1d([1, 0], 'int32');
      return spectralDecoupling(crossEntropy(), 0.3)(logits, labels).dataSync()[0] - crossEntropy()(logits, labels).dataSync()[0];
    });
    expect(got).toBeCloseTo((0.3 / 2) * ((1 + 4) + (1 + 0.25)) / 2, 5);
    expect(() => spectralDecoupling(crossEntropy(), -1)).toThrow(/lambda/);
  });

  it('early-learning regularization adds lambda * mean log(1 - <t_i, p_i>) with t_i a running average of example i\'s predictions', () => {
    const [beta, lambda] = [0.7, 3];
    const elr = earlyLearningRegularization({ examples: 5, numClasses: 2, beta, lambda });
    const softmax = (z: number[]) => { const e = z.map(Math.exp); const s = e[0] + e[1]; return e.map((v) => v / s); };
    const rows = [[1, -1], [0.2, 0.3]];
    const idx = Int32Array.from([4, 1]);
    const step = (t: number[][]) => tf.tidy(() => {
      const logits = tf.tensor2d(rows);
      const labels = tf.tensor1d([0, 1], 'int32');
      const got = elr(logits, labels, idx).dataSync()[0] - crossEntropy()(logits, labels).dataSync()[0];
      const want = lambda * rows.reduce((s, z, r) => s + Math.log(1 - softmax(z).reduce((a, p, c) => a + t[r][c] * p, 0)), 0) / 2;
      expect(got).toBeCloseTo(want, 4);
    });
    const p = rows.map(softmax);
    const t1 = p.map((q) => q.map((v) => (1 - beta) * v));
    step(t1);
    // a second call with the same examples averages the history further
    step(t1.map((q, r) => q.map((v, c) => beta * v + (1 - beta) * p[r][c])));
    expect(() => tf.tidy(() => elr(tf.tensor2d(rows), tf.tensor1d([0, 1], 'int32')))).toThrow(/indices/);
  });

  it('label smoothing is CE + eps (z_true - mean z); MaxSup is CE + eps (z_max - mean z), equal to LS where the top-1 is right', () => {
    const z = [[2, 0.5, -1], [0.1, 1.5, 0.3], [-0.5, 0.2, 2.5]];
    const labels = [0, 2, 2]; // rows 0 and 2 right, row 1 wrong (top-1 is class 1)
    const eps = 0.2;
    const logits = tf.tensor2d(z);
    const y = tf.tensor1d(labels, 'int32');
    const ce = crossEntropy()(logits, y).dataSync()[0];
    const mean = (r: number[]) => r.reduce((a, b) => a + b) / r.length;
    const ls = ce + eps * mean(z.map((r, i) => r[labels[i]] - mean(r)));
    const ms = ce + eps * mean(z.map((r) => Math.max(...r) - mean(r)));
    expect(crossEntropy({ smoothing: eps })(logits, y).dataSync()[0]).toBeCloseTo(ls, 5);
    expect(maxSuppression(eps)(logits, y).dataSync()[0]).toBeCloseTo(ms, 5);
    const right = tf.tensor1d([0, 1, 2], 'int32');
    expect(maxSuppression(eps)(logits, right).dataSync()[0]).toBeCloseTo(crossEntropy({ smoothing: eps })(logits, right).dataSync()[0], 5);
    // the penalty's gradient reaches only the top logit (and the mean)
    const g = tf.grad((l: tf.Tensor) => tf.sub(maxSuppression(eps)(l as tf.Tensor2D, y), crossEntropy()(l as tf.Tensor2D, y)))(logits).arraySync() as number[][];
    g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((eps / 3) * ((z[i][j] === Math.max(...z[i]) ? 1 : 0) - 1 / 3), 5)));
    expect(() => maxSuppression(-1)).toThrow(/eps/);
    tf.dispose([logits, y, right]);
  });

  it('squared error is half the mean squared distance to one-hot targets', () => {
    const got = tf.tidy(() => squaredError()(tf.tensor2d([[1, 2, 0], [0.5, 0, -1]]), tf.tensor1d([1, 0], 'int32')).dataSync()[0]);
    expect(got).toBeCloseTo(0.5 * ((1 + 1 + 0) + (0.25 + 0 + 1)) / 2, 6);
  });
});

describe('training loop', () => {
  it('learns two moons and leaves no tensors behind', async () => {
    await expectNoLeak(async () => {
      const data = moons(400, 0.1, new Rng(1));
      const model = mlp({ sizes: [2, 32, 32, 2] }, new Rng(2));
      const r = await train({ model, data, transform: adam(0.01), batchSize: 50, epochs: 30, rng: new Rng(3), progress: 'silent' });
      expect(r.status).toBe('ok');
      expect(r.history[0].loss).toBeGreaterThan(0.3);
      expect(r.finalLoss).toBeLessThan(0.1);
      model.dispose();
    });
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      const model = mlp({ sizes: [2, 8, 2] }, new Rng(2));
      const r = await train({ model, data: moons(100, 0.1, new Rng(1)), transform: chain(addNoise(0.1), sgd(0.1)), batchSize: 20, steps: 30, rng: new Rng(3), progress: 'silent' });
      model.dispose();
      return r.history.map((h) => h.loss);
    };
    expect(await run()).toEqual(await run());
  });

  it('ends a diverging run with a status instead of an exception', async () => {
    await expectNoLeak(async () => {
      const model = mlp({ sizes: [2, 16, 2] }, new Rng(2));
      const r = await train({ model, data: moons(100, 0.1, new Rng(1)), transform: sgd(1e8), batchSize: 20, steps: 200, rng: new Rng(3), progress: 'silent' });
      expect(r.status).toBe('diverged');
      expect(Number.isFinite(r.finalLoss)).toBe(false);
      expect(r.steps).toBeLessThan(200);
      model.dispose();
    });
  });

  it('gives the event loop a turn during a long run (so a notebook kernel can send output and take interrupts)', async () => {
    let turns = 0;
    const tick = setInterval(() => turns++, 5);
    const model = mlp({ sizes: [2, 4, 2] }, new Rng(2));
    const busy = () => { const t = performance.now(); while (performance.now() - t < 3); };
    await train({ model, data: moons(40, 0.1, new Rng(1)), transform: sgd(0.1), batchSize: 20, steps: 100, logEvery: 1, onLog: busy, rng: new Rng(3), progress: 'silent' });
    clearInterval(tick);
    model.dispose();
    expect(turns).toBeGreaterThan(2);
  });

  it('stops early, with status ok, at the first recorded step that satisfies stopWhen', async () => {
    await expectNoLeak(async () => {
      const model = mlp({ sizes: [2, 16, 2] }, new Rng(2));
      const r = await train({
        model, data: moons(100, 0.1, new Rng(1)), transform: adam(0.01), batchSize: 20, steps: 1000, logEvery: 5, rng: new Rng(3), progress: 'silent',
        onLog: (step) => ({ tenth: step / 10 }), stopWhen: (rec) => rec.loss < 0.3 || rec.tenth >= 50,
      });
      expect(r.status).toBe('ok');
      expect(r.steps).toBeLessThan(500);
      expect(r.steps % 5).toBe(0);
      expect(r.history.at(-1)!.loss).toBeLessThan(0.3);
      expect(r.history.slice(0, -1).every((h) => h.loss >= 0.3)).toBe(true);
      model.dispose();
    });
  });

  it('minimises any objective: least squares with no dataset, its own draws per step, to the exact solution', async () => {
    await expectNoLeak(async () => {
      // y = X w* + small noise, X drawn per step from the objective's stream; the linear model learns w*
      const wStar = [2, -1, 0.5];
      const model = mlp({ sizes: [3, 1] }, new Rng(2));
      const objective: Objective = (batch, rng) => {
        expect(batch).toBeNull();
        const x = rng.normalTensor([64, 3]);
        const y = tf.matMul(x, tf.tensor2d(wStar, [3, 1]));
        return (ps) => tf.mean(tf.square(tf.sub(model.apply(x, ps), y))) as tf.Scalar;
      };
      const r = await train({ model, objective, transform: adam(0.05), steps: 400, rng: new Rng(3), progress: 'silent' });
      expect(r.status).toBe('ok');
      expect(r.finalLoss).toBeLessThan(1e-4);
      Array.from(model.params[0].dataSync()).forEach((w, i) => expect(w).toBeCloseTo(wStar[i], 2));
      expect(Math.abs(model.params[1].dataSync()[0])).toBeLessThan(0.01);
      model.dispose();
    });
  });

  it('the default objective is classification(model, loss): the same run either way', async () => {
    const run = async (explicit: boolean) => {
      const model = mlp({ sizes: [2, 8, 2] }, new Rng(2));
      const data = moons(100, 0.1, new Rng(1));
      const common = { model, data, transform: sgd(0.1), batchSize: 20, steps: 20, rng: new Rng(3), progress: 'silent' as const };
      const r = explicit ? await train({ ...common, objective: classification(model, crossEntropy({ smoothing: 0.1 })) }) : await train({ ...common, loss: crossEntropy({ smoothing: 0.1 }) });
      model.dispose();
      return r.history.map((h) => h.loss);
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('an objective sees the same draws when a transformation re-evaluates the gradient (SAM)', async () => {
    let calls = 0;
    const model = mlp({ sizes: [2, 1] }, new Rng(2));
    const objective: Objective = (_batch, rng) => {
      calls++;
      const x = rng.normalTensor([8, 2]);
      return (ps) => tf.mean(tf.square(model.apply(x, ps))) as tf.Scalar;
    };
    await train({ model, objective, transform: chain(sam({ rho: 0.05 }), sgd(0.1)), steps: 5, rng: new Rng(3), progress: 'silent' });
    expect(calls).toBe(5);
    model.dispose();
  });

  it('stops at an abort signal with status interrupted, keeping the steps taken (a notebook interrupt)', async () => {
    await expectNoLeak(async () => {
      const model = mlp({ sizes: [2, 8, 2] }, new Rng(2));
      const abort = new AbortController();
      const r = await train({
        model, data: moons(100, 0.1, new Rng(1)), transform: sgd(0.1), batchSize: 20, steps: 1000, logEvery: 10, rng: new Rng(3), progress: 'silent',
        signal: abort.signal, onLog: (step) => { if (step === 30) abort.abort(); },
      });
      expect(r.status).toBe('interrupted');
      expect(r.steps).toBe(30);
      expect(Number.isFinite(r.finalLoss)).toBe(true);
      model.dispose();
    });
  });

  it('follows the notebook kernel\'s interrupt signal when given none', async () => {
    const abort = new AbortController();
    abort.abort();
    const key = Symbol.for('noiselab.kernel');
    (globalThis as Record<symbol, unknown>)[key] = { signal: abort.signal };
    try {
      const model = mlp({ sizes: [2, 2] }, new Rng(2));
      const r = await train({ model, data: moons(20, 0.1, new Rng(1)), transform: sgd(0.1), batchSize: 10, steps: 50, rng: new Rng(3), progress: 'silent' });
      expect(r.status).toBe('interrupted');
      expect(r.steps).toBe(0);
      model.dispose();
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
  });

  it('says what is missing or conflicting in the options', async () => {
    const model = mlp({ sizes: [2, 2] }, new Rng(2));
    const objective: Objective = () => (ps) => tf.sum(ps[0]) as tf.Scalar;
    await expect(train({ model, transform: sgd(1), steps: 3, rng: new Rng(1) })).rejects.toThrow(/give `data` \(classification\) or an `objective`/);
    await expect(train({ model, objective, loss: crossEntropy(), transform: sgd(1), steps: 3, rng: new Rng(1) })).rejects.toThrow(/`loss` and `penalty` belong to the default/);
    await expect(train({ model, objective, transform: sgd(1), epochs: 3, rng: new Rng(1) })).rejects.toThrow(/`epochs` needs `data`/);
    await expect(train({ model, data: moons(10, 0.1, new Rng(1)), transform: sgd(1), steps: 3, rng: new Rng(1) })).rejects.toThrow(/batchSize must be > 0/);
    model.dispose();
  });

  it('rejects a run with no steps', async () => {
    const model = mlp({ sizes: [2, 2] }, new Rng(2));
    await expect(train({ model, data: moons(10, 0.1, new Rng(1)), transform: sgd(1), batchSize: 5, steps: 0, rng: new Rng(1) })).rejects.toThrow(/steps must be > 0/);
    model.dispose();
  });
});

describe('models', () => {
  it('build the documented shapes and parameter counts', () => {
    tf.tidy(() => {
      const m = mlp({ sizes: [784, 50, 10] }, new Rng(1));
      expect(countParams(m)).toBe(784 * 50 + 50 + 50 * 10 + 10);
      expect(m.apply(tf.zeros([3, 28, 28, 1])).shape).toEqual([3, 10]);
      expect(m.features(tf.zeros([3, 784])).shape).toEqual([3, 50]);
      const c = cnn({ inputShape: [28, 28, 1], channels: [4, 8], hidden: [16], numClasses: 10 }, new Rng(1));
      expect(c.apply(tf.zeros([2, 28, 28, 1])).shape).toEqual([2, 10]);
      expect(c.features(tf.zeros([2, 784])).shape).toEqual([2, 16]);
      expect(c.paramNames).toEqual(['conv0/kernel', 'conv0/bias', 'conv1/kernel', 'conv1/bias', 'dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias']);
      m.dispose();
      c.dispose();
    });
    expect(() => mlp({ sizes: [3] }, new Rng(1))).toThrow(/sizes needs at least/);
  });

  it('initialises with the requested scale', () => {
    const m = mlp({ sizes: [400, 400, 2], init: { std: 0.1 } }, new Rng(1));
    const w = m.params[0].dataSync();
    const sd = Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0) / w.length);
    expect(sd).toBeCloseTo(0.1, 2);
    m.dispose();
  });
});
