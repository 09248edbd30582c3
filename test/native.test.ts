/**
 * Every kernel the native backend replaces gives the cpu backend's answer (forward and gradients)
 * on random shapes: transposes, broadcast batch dims, strides, dilations, same/valid/explicit
 * padding, odd sizes and empty tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonPath } from '../src/engine/native/addon.js';
import { registerNativeBackend } from '../src/engine/native/index.js';
import { Rng } from '../src/random/rng.js';
import { projectRoot } from '../src/util/paths.js';
import { expectSameOutputs, withGrads } from './backend-equivalence.js';

const built = existsSync(addonPath());

/** Evaluate f on the native and on the cpu backend from the same input values. */
async function onBoth(inputs: { shape: number[] }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], seed = 1) {
  const rng = new Rng(seed);
  const values = inputs.map((i) => rng.normalArray(i.shape.reduce((a, b) => a * b, 1)));
  const previous = tf.getBackend();
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const out = f(...inputs.map((inp, k) => tf.tensor(values[k], inp.shape)));
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });
  };
  try {
    await registerNativeBackend();
    return { native: await run('native'), cpu: await run('cpu') };
  } finally {
    await tf.setBackend(previous);
  }
}

const expectSame = (r: Awaited<ReturnType<typeof onBoth>>, tol = 1e-4) => expectSameOutputs('native', r.native, r.cpu, tol);

describe.runIf(built || process.env.CI)('native backend kernels match cpu', () => {
  it('is built and selected first among the installed backends', () => {
    expect(built, `${addonPath()} was not built: npm run setup builds it (needs g++ and libopenblas-dev)`).toBe(true);
  });

  const matmuls: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 3], false, false], [[5, 7], [5, 3], true, false], [[7, 5], [3, 5], false, true], [[5, 7], [3, 5], true, true],
    [[4, 7, 5], [4, 5, 3], false, false], [[4, 7, 5], [5, 3], false, false], [[7, 5], [2, 5, 3], false, false],
    [[2, 3, 7, 5], [2, 3, 3, 5], false, true], [[1, 1], [1, 1], false, false], [[0, 5], [5, 3], false, false],
    [[3, 0], [0, 4], false, false], [[33, 129], [129, 65], false, false],
  ];
  it.each(matmuls)('BatchMatMul %j x %j (transpose %s, %s) and its gradients', async (a, b, ta, tb) => {
    const broadcast = a.length !== b.length;
    expectSame(await onBoth([{ shape: a }, { shape: b }], withGrads((x, y) => tf.matMul(x, y, ta, tb), !broadcast)));
  });

  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'leakyrelu', 'elu', 'prelu'] as const)('_FusedMatMul with bias and %s', async (act) => {
    expectSame(await onBoth([{ shape: [6, 9] }, { shape: [9, 4] }, { shape: [4] }, { shape: [4] }], (x, w, b, alpha) =>
      tf.fused.matMul({ a: x, b: w, bias: b, activation: act, preluActivationWeights: act === 'prelu' ? alpha : undefined, leakyreluAlpha: 0.3 })));
    // a bias that does not broadcast along the last axis goes to the cpu kernel
    expectSame(await onBoth([{ shape: [6, 9] }, { shape: [9, 4] }, { shape: [6, 1] }], (x, w, b) => tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' })));
  });

  it('_FusedMatMul gradients', async () => {
    expectSame(await onBoth([{ shape: [6, 9] }, { shape: [9, 4] }, { shape: [4] }], withGrads((x, w, b) => tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }))));
  });

  type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  const convs: { x: number[]; f: number[]; s: number | [number, number]; p: Pad; d?: number | [number, number] }[] = [
    { x: [2, 9, 9, 3], f: [3, 3, 3, 4], s: 1, p: 'same' },
    { x: [2, 9, 8, 3], f: [3, 3, 3, 5], s: 2, p: 'same' },
    { x: [3, 10, 7, 2], f: [3, 2, 2, 4], s: [2, 1], p: 'valid' },
    { x: [1, 11, 11, 2], f: [3, 3, 2, 3], s: 1, p: 'same', d: 2 },
    { x: [2, 8, 9, 1], f: [2, 3, 1, 2], s: 1, p: 'valid', d: [2, 1] },
    { x: [2, 7, 7, 3], f: [3, 3, 3, 2], s: 2, p: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { x: [4, 5, 5, 6], f: [1, 1, 6, 3], s: 1, p: 'valid' },
    { x: [1, 28, 28, 1], f: [5, 5, 1, 8], s: 1, p: 'same' },
    { x: [0, 5, 5, 2], f: [3, 3, 2, 2], s: 1, p: 'same' },
  ];
  it.each(convs)('Conv2D, backprop input and filter: %j', async (c) => {
    const dilated = c.d !== undefined;
    expectSame(await onBoth([{ shape: c.x }, { shape: c.f }], withGrads((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.p, 'NHWC', c.d ?? 1), !dilated)));
  });

  it.each(['linear', 'relu', 'elu'] as const)('FusedConv2D with bias and %s, and its gradients', async (act) => {
    expectSame(await onBoth([{ shape: [2, 6, 6, 3] }, { shape: [3, 3, 3, 4] }, { shape: [4] }], withGrads((x, f, b) =>
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: act }))));
  });

  const pools: { x: number[]; k: number | [number, number]; s: number | [number, number]; p: 'same' | 'valid' | number }[] = [
    { x: [2, 8, 8, 3], k: 2, s: 2, p: 'same' },
    { x: [2, 7, 7, 3], k: 2, s: 2, p: 'same' },
    { x: [1, 9, 7, 2], k: 3, s: 2, p: 'valid' },
    { x: [2, 6, 6, 4], k: 3, s: 1, p: 'same' },
    { x: [1, 5, 8, 1], k: [2, 3], s: [1, 2], p: 1 },
    { x: [0, 4, 4, 2], k: 2, s: 2, p: 'same' },
  ];
  it.each(pools)('MaxPool, AvgPool and their gradients: %j', async (c) => {
    expectSame(await onBoth([{ shape: c.x }], withGrads((x) => tf.maxPool(x as tf.Tensor4D, c.k, c.s, c.p))));
    expectSame(await onBoth([{ shape: c.x }], withGrads((x) => tf.avgPool(x as tf.Tensor4D, c.k, c.s, c.p))));
  });

  it('max pooling breaks ties like cpu (first maximum in scan order)', async () => {
    expectSame(await onBoth([{ shape: [1, 4, 4, 2] }], withGrads((x) => tf.maxPool(x.round().clipByValue(0, 1) as tf.Tensor4D, 2, 2, 'valid'))));
  });

  const binaryShapes: [number[], number[]][] = [
    [[4, 5], [4, 5]], [[4, 5], [5]], [[4, 5], [4, 1]], [[4, 5], []], [[], [3, 2]], [[2, 1, 3], [1, 4, 1]],
    [[2, 3, 4, 5], [3, 1, 5]], [[1], [7]], [[0, 3], [3]], [[3, 1, 1, 1, 1, 2], [1, 2, 1, 2, 1, 1]],
  ];
  const binaryOps: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  it.each(binaryShapes)('broadcasting binary ops and their gradients: %j with %j', async (a, b) => {
    for (const [name, op] of binaryOps) {
      // tfjs defines broadcast gradients for add, sub, mul and div only
      const grads = ['add', 'sub', 'mul', 'div'].includes(name) && a.length > 0 && b.length > 0;
      expectSame(await onBoth([{ shape: a }, { shape: b }], withGrads(op, grads)));
    }
  });

  it('unary ops, including NaN and infinities', async () => {
    const special = (x: tf.Tensor) => tf.concat([x.flatten(), tf.tensor1d([NaN, Infinity, -Infinity, 0, -0])]);
    for (const op of [tf.relu, (x: tf.Tensor) => tf.step(x, 0.3), tf.exp, (x: tf.Tensor) => tf.log(tf.abs(x)), tf.neg,
      (x: tf.Tensor) => tf.sqrt(tf.abs(x)), tf.square, tf.tanh, tf.sigmoid, tf.abs]) {
      expectSame(await onBoth([{ shape: [3, 7] }], (x) => op(special(x))));
    }
    expectSame(await onBoth([{ shape: [3, 7] }], withGrads((x) => tf.tanh(x).add(tf.sigmoid(x)).mul(tf.exp(x.mul(0.1))))));
  });

  const reductions: [number[], number | number[] | undefined, boolean][] = [
    [[4, 5], 0, false], [[4, 5], 1, true], [[4, 5], undefined, false], [[2, 3, 4], [0, 2], false], [[2, 3, 4], [1], true],
    [[2, 3, 4], -1, false], [[3, 1, 4, 2], [0, 1], false], [[5], 0, true], [[0, 3], 0, false], [[2, 0, 3], [1], false],
  ];
  it.each(reductions)('sum, mean, max, min of %j over axis %j (keepDims %s) and gradients', async (shape, axis, keep) => {
    const nonEmpty = shape.every((d) => d > 0);
    expectSame(await onBoth([{ shape }], withGrads((x) => tf.sum(x, axis, keep), nonEmpty)));
    expectSame(await onBoth([{ shape }], withGrads((x) => tf.mean(x, axis, keep), nonEmpty)));
    if (nonEmpty) {
      expectSame(await onBoth([{ shape }], withGrads((x) => tf.max(x, axis, keep))));
      expectSame(await onBoth([{ shape }], (x) => tf.min(x, axis, keep)));
    }
    expectSame(await onBoth([{ shape: [2, 3] }], (x) => tf.max(tf.concat([x, tf.tensor2d([[NaN, 1, 2]])]), 0)));
  });

  // Shapes large enough for the kernels to split their work across threads, run with 3 threads so
  // that ranges are uneven and start mid-row, mid-image and mid-broadcast.
  describe('threaded paths', () => {
    let saved = 0;
    beforeAll(async () => {
      await registerNativeBackend();
      const { loadAddon } = await import('../src/engine/native/addon.js');
      saved = loadAddon().getThreads();
      loadAddon().setThreads(3);
    });
    afterAll(async () => {
      const { loadAddon } = await import('../src/engine/native/addon.js');
      loadAddon().setThreads(saved);
    });

    it.each([
      [[301, 200], [200, 150], false, false], [[200, 301], [150, 200], true, true], // split by rows
      [[40, 300], [300, 501], false, false], [[300, 40], [501, 300], true, true], // short and wide: by columns
      [[65, 9, 8], [65, 7, 8], false, true], // many small products: by batch
    ] as [number[], number[], boolean, boolean][])('BatchMatMul %j x %j (transpose %s, %s)', async (a, b, ta, tb) => {
      expectSame(await onBoth([{ shape: a }, { shape: b }], withGrads((x, y) => tf.matMul(x, y, ta, tb))));
    });

    it.each([
      { x: [7, 20, 20, 8], f: [3, 3, 8, 16], s: 1, p: 'same' },
      { x: [5, 21, 19, 8], f: [3, 3, 8, 20], s: 2, p: 'valid' },
      { x: [9, 28, 28, 1], f: [3, 3, 1, 32], s: 1, p: 'same' },
    ] as { x: number[]; f: number[]; s: number; p: 'same' | 'valid' }[])('Conv2D and its gradients by chunks of images: %j', async (c) => {
      expectSame(await onBoth([{ shape: c.x }, { shape: c.f }], withGrads((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.p))));
    });

    it('pooling and its gradients by images', async () => {
      expectSame(await onBoth([{ shape: [11, 24, 24, 16] }], withGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'))));
      expectSame(await onBoth([{ shape: [11, 24, 23, 16] }], withGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'valid'))));
    });

    it('elementwise ops, broadcasting and bias activations by ranges', async () => {
      expectSame(await onBoth([{ shape: [3, 50, 41, 16] }, { shape: [50, 1, 16] }], withGrads((a, b) => tf.mul(a, b))));
      expectSame(await onBoth([{ shape: [301, 257] }, { shape: [257] }], withGrads((a, b) => tf.relu(tf.add(a, b)))));
      expectSame(await onBoth([{ shape: [301, 257] }, { shape: [257, 131] }, { shape: [131] }],
        (x, w, b) => tf.fused.matMul({ a: x, b: w, bias: b, activation: 'elu' })));
    });

    it.each([[[3001, 40], 0], [[40, 3001], 1], [[30, 101, 40], [0, 1]]] as [number[], number | number[]][])(
      'reductions of %j over %j', async (shape, axis) => {
        for (const op of [tf.sum, tf.max, tf.min]) expectSame(await onBoth([{ shape }], (x) => op(x, axis)));
      });
  });

  it('falls back to cpu for int32 and NCHW', async () => {
    expectSame(await onBoth([{ shape: [3, 4] }, { shape: [4, 2] }], (a, b) => tf.matMul(a.round().toInt(), b.round().toInt())));
  });

  it('reports a bad call clearly instead of corrupting memory', async () => {
    await registerNativeBackend();
    const { loadAddon } = await import('../src/engine/native/addon.js');
    const addon = loadAddon();
    expect(() => addon.batchMatMul(new Float32Array(2), new Float32Array(6), new Float32Array(6), Int32Array.from([1, 1, 1, 2, 3, 2, 0, 0]))).toThrow(/a: has 2 elements, needs 4/);
    expect(() => addon.conv2d(new Float32Array(1), new Float32Array(1), new Float32Array(1), new Int32Array(3))).toThrow(/geometry: expected an Int32Array of 15/);
  });
});

describe.skipIf(!built)('OpenBLAS kernel pinning', () => {
  // OpenBLAS prints the core type it loaded when OPENBLAS_VERBOSE=2
  const coreType = (env: Record<string, string>) => {
    const dist = join(projectRoot(), 'dist', 'engine', 'native', 'addon.js');
    const script = `import(${JSON.stringify(pathToFileURL(dist).href)}).then((m) => m.loadAddon())`;
    const base = { ...process.env };
    delete base.OPENBLAS_CORETYPE;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...base, OPENBLAS_VERBOSE: '2', ...env } });
    return /Core: (\w+)/.exec(r.stdout + r.stderr)?.[1];
  };
  const avx2 = /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) && /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

  it.skipIf(!avx2)('loads the Haswell kernels on any AVX2 machine, so a seed gives the same numbers everywhere', () => {
    expect(coreType({})).toBe('Haswell');
  });

  it('leaves a core type the user chose alone', () => {
    expect(coreType({ OPENBLAS_CORETYPE: 'Sandybridge' })).toBe('Sandybridge');
  });
});
