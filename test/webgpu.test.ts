/**
 * The webgpu backend (src/engine/webgpu.ts) gives the cpu backend's answers: forward, gradients and second
 * order (a Hessian-vector product), on the kernels training uses. In CI it runs on lavapipe, Mesa's CPU
 * Vulkan driver that `npm run setup` unpacks into .vulkan/; on a GPU machine, on the GPU
 * (scripts/gpu-check.sh). Reads are asynchronous: dataSync() throws on this backend in Node.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapter, lavapipeManifest, registerWebgpuBackend, type WebgpuAdapter } from '../src/engine/webgpu.js';
import { Rng } from '../src/random/rng.js';
import { webgpuStanding } from '../src/cli/commands.js';
import { expectSameOutputs, withGrads } from './backend-equivalence.js';

const available = Boolean(lavapipeManifest()) || process.env.NOISELAB_WEBGPU_TEST === '1';

type Out = { shape: number[]; values: Float32Array };

/** f on webgpu and on cpu from the same input values; outputs read asynchronously. */
async function onBoth(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor[], seed = 1): Promise<{ gpu: Out[]; cpu: Out[] }> {
  const rng = new Rng(seed);
  const values = shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b, 1)));
  const run = async (backend: string): Promise<Out[]> => {
    await tf.setBackend(backend);
    const outs = tf.tidy(() => f(...shapes.map((s, k) => tf.tensor(values[k], s))));
    try {
      return await Promise.all(outs.map(async (t) => ({ shape: t.shape, values: (await t.data()) as Float32Array })));
    } finally {
      tf.dispose(outs);
    }
  };
  return { gpu: await run('webgpu'), cpu: await run('cpu') };
}

const expectSame = (r: { gpu: Out[]; cpu: Out[] }, tol = 1e-4) => expectSameOutputs('webgpu', r.gpu, r.cpu, tol);

describe.runIf(available || process.env.CI)('webgpu backend matches cpu', () => {
  let adapter: WebgpuAdapter;
  let previous: string;
  let before: number;
  let forward: boolean;
  beforeAll(async () => {
    expect(available, 'CI runs the webgpu tests on lavapipe: npm run setup unpacks it into .vulkan/').toBe(true);
    previous = tf.getBackend();
    adapter = await registerWebgpuBackend({ software: true });
    expect(await tf.setBackend('webgpu')).toBe(true);
    // tfjs-backend-webgpu runs small ops (< 1000 elements, inputs on the CPU) on its CPU code: off, so that
    // every op under test runs on the adapter
    forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    await tf.setBackend(previous);
    before = tf.memory().numTensors;
  });
  afterAll(async () => {
    tf.env().set('WEBGPU_CPU_FORWARD', forward);
    await tf.setBackend(previous);
  });

  it('finds an adapter and names it; a software one only when asked for', async () => {
    expect(describeAdapter(adapter)).toMatch(/\S/);
    if (adapter.software) await expect(registerWebgpuBackend()).rejects.toThrow(/software WebGPU adapter.*asked for/);
  });

  it('refuses synchronous reads with the reason (tfjs needs an OffscreenCanvas for them)', async () => {
    await tf.setBackend('webgpu');
    try {
      const t = tf.tidy(() => tf.add(tf.ones([64, 64]), 1));
      expect(() => t.dataSync()).toThrow(/OffscreenCanvas/);
      expect((await t.data()).every((v) => v === 2)).toBe(true);
      t.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });

  it.each([
    [[7, 5], [5, 3], false, false], [[5, 7], [5, 3], true, false], [[7, 5], [3, 5], false, true],
    [[4, 7, 5], [4, 5, 3], false, false], [[17, 40], [40, 9], false, false],
  ] as [number[], number[], boolean, boolean][])('BatchMatMul %j x %j (transpose %s, %s) and its gradients', async (a, b, ta, tb) => {
    expectSame(await onBoth([a, b], withGrads((x, y) => tf.matMul(x, y, ta, tb))));
  });

  it('fused dense + bias + ReLU and its gradients', async () => {
    expectSame(await onBoth([[6, 9], [9, 4], [4]], withGrads((x, w, b) => tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }))));
  });

  it.each([
    { x: [2, 9, 9, 3], f: [3, 3, 3, 4], s: 1, p: 'same' as const },
    { x: [2, 9, 8, 3], f: [3, 3, 3, 5], s: 2, p: 'same' as const },
    { x: [3, 10, 7, 2], f: [3, 2, 2, 4], s: 1, p: 'valid' as const },
  ])('Conv2D, backprop input and filter: %j', async (c) => {
    expectSame(await onBoth([c.x, c.f], withGrads((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.p))));
  });

  it('max and average pooling and their gradients', async () => {
    expectSame(await onBoth([[2, 8, 8, 3]], withGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'))));
    expectSame(await onBoth([[2, 7, 7, 3]], withGrads((x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'valid'))));
  });

  it('elementwise ops, reductions and softmax cross-entropy, with gradients', async () => {
    expectSame(await onBoth([[5, 6]], withGrads((x) => tf.tanh(x).add(tf.sigmoid(x)).add(tf.relu(x)).add(tf.exp(x.mul(0.3))))));
    expectSame(await onBoth([[5, 6]], (x) => [tf.sum(x, 1), tf.mean(x, 0), tf.max(x, 1), tf.logSumExp(x, 1), tf.argMax(x, 1).toFloat()]));
    // (the labels are made on each backend: a tensor moved off webgpu needs a synchronous read)
    expectSame(await onBoth([[5, 6]], withGrads((x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 2, 5, 1], 'int32'), 6), x))));
  });

  it('second order: a Hessian-vector product of a two-layer network\'s loss', async () => {
    // H v = grad_w <grad_w L(w), v>, for L = sum(tanh(x W1) W2)^2
    expectSame(await onBoth([[8, 5], [5, 6], [6, 3], [5, 6]], (x, w1, w2, v) => {
      const loss = (a: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.tanh(tf.matMul(x, a)), w2)));
      const gv = (a: tf.Tensor) => tf.sum(tf.mul(tf.grad(loss)(a), v));
      return [tf.grad(loss)(w1), tf.grad(gv)(w1)];
    }), 1e-3);
  });

  it('leaves no tensor behind', () => {
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('noiselab info names the WebGPU adapter and why the engine does not choose it', () => {
  const hardware: WebgpuAdapter = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA 570', software: false };
  it('says why for each case: no adapter, a software one, a hardware one', () => {
    expect(webgpuStanding({ adapter: null, reason: 'Dawn found no Vulkan driver' })).toEqual({ adapter: null, notChosen: 'Dawn found no Vulkan driver' });
    const soft = webgpuStanding({ adapter: { ...hardware, software: true } });
    expect(soft.notChosen).toMatch(/software adapter is used only when asked for/);
    const hard = webgpuStanding({ adapter: hardware });
    expect(hard.notChosen).toMatch(/synchronously/);
    expect(hard.notChosen).not.toMatch(/software/);
  });

  it.runIf(available || process.env.CI)('on this machine: `noiselab info --json` names the adapter and the process exits', () => {
    const r = spawnSync(process.execPath, ['bin/noiselab.js', 'info', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { webgpu } = JSON.parse(r.stdout) as { webgpu: ReturnType<typeof webgpuStanding> };
    expect(webgpu.adapter?.device, webgpu.notChosen).toMatch(/\S/);
    expect(webgpu.notChosen).toMatch(webgpu.adapter!.software ? /software/ : /synchronously/);
  }, 90_000);
});
