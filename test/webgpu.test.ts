/**
 * The webgpu backend (src/engine/webgpu.ts) gives the cpu backend's answers: forward, gradients and second
 * order (a Hessian-vector product), on the kernels training uses. In CI it runs on lavapipe, Mesa's CPU
 * Vulkan driver that `npm run setup` unpacks into .vulkan/; on a GPU machine, on the GPU
 * (scripts/gpu-check.sh). Reads are synchronous (webgpu-sync-read.ts) or asynchronous; two claims run end to
 * end on it and give native's verdicts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdapter, lavapipeManifest, registerWebgpuBackend, vulkanGpuDrivers, type WebgpuAdapter } from '../src/engine/webgpu.js';
import type { EngineInfo } from '../src/engine/backend.js';
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

  it('reads synchronously (dataSync, arraySync) the values an asynchronous read gives, for float32 and int32', async () => {
    await tf.setBackend('webgpu');
    try {
      const [x, k] = tf.tidy(() => [tf.matMul(tf.randomNormal([300, 200], 0, 1, 'float32', 3), tf.randomNormal([200, 100], 0, 1, 'float32', 4)), tf.argMax(tf.randomNormal([50, 40], 0, 1, 'float32', 5), 1)]);
      const [xs, ks] = [x.dataSync(), k.dataSync()];
      expect(xs).toBeInstanceOf(Float32Array);
      expect(ks).toBeInstanceOf(Int32Array);
      // fresh tensors of the same values, read asynchronously (a read caches the values on the tensor)
      const [x2, k2] = tf.tidy(() => [tf.add(x, 0), tf.add(k, 0)]);
      expect(Array.from(await x2.data())).toEqual(Array.from(xs));
      expect(Array.from(await k2.data())).toEqual(Array.from(ks));
      const s = tf.tidy(() => tf.sum(x2));
      expect(s.arraySync()).toBeCloseTo((xs as Float32Array).reduce((a, b) => a + b, 0), 1);
      tf.dispose([x, k, x2, k2, s]);
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

describe('the engine takes webgpu on a GPU only, and says why', () => {
  const hardware: WebgpuAdapter = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA 570', software: false };
  const engine = (choice: EngineInfo['choice'], skipped: EngineInfo['skipped'] = [], forced = false): EngineInfo => ({ choice, tfBackend: choice, skipped, forced });
  it('says why for each case: no adapter, a software one, a hardware one chosen or not', () => {
    const native = engine('native', [{ choice: 'tensorflow-gpu', reason: 'not installed' }, { choice: 'tensorflow', reason: 'not installed' }, { choice: 'webgpu', reason: 'no GPU Vulkan driver installed' }]);
    expect(webgpuStanding({ adapter: null, reason: 'Dawn found no Vulkan driver' }, native)).toEqual({ adapter: null, chosen: false, why: 'Dawn found no Vulkan driver' });
    expect(webgpuStanding({ adapter: { ...hardware, software: true } }, native).why).toMatch(/software adapter is used only when asked for.*NOISELAB_WEBGPU_SOFTWARE=1/);
    expect(webgpuStanding({ adapter: { ...hardware, software: true } }, engine('webgpu', [], true))).toMatchObject({ chosen: true, why: expect.stringMatching(/asked for/) });
    expect(webgpuStanding({ adapter: hardware }, engine('webgpu', native.skipped.slice(0, 2)))).toMatchObject({ chosen: true, why: expect.stringMatching(/GPU adapter/) });
    expect(webgpuStanding({ adapter: hardware }, engine('tensorflow-gpu')).why).toMatch(/tensorflow-gpu comes before it/);
    expect(webgpuStanding({ adapter: hardware }, engine('native', [], true))).toMatchObject({ chosen: false, why: 'NOISELAB_BACKEND asks for native' });
    expect(webgpuStanding({ adapter: hardware }, engine('native', [{ choice: 'webgpu', reason: 'NOISELAB_GPU=0' }])).why).toBe('NOISELAB_GPU=0');
  });

  it('looks for Dawn only where a GPU\'s Vulkan driver is installed: software drivers do not count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icd-'));
    try {
      const icd = join(dir, 'vulkan', 'icd.d');
      mkdirSync(icd, { recursive: true });
      writeFileSync(join(icd, 'lvp_icd.x86_64.json'), JSON.stringify({ ICD: { library_path: 'libvulkan_lvp.so' } }));
      const env = { XDG_CONFIG_HOME: join(dir, 'none'), XDG_CONFIG_DIRS: join(dir, 'none'), XDG_DATA_HOME: join(dir, 'none'), XDG_DATA_DIRS: dir };
      const onlyHere = (found: string[]) => found.filter((f) => f.startsWith(dir));
      expect(onlyHere(vulkanGpuDrivers(env))).toEqual([]);
      writeFileSync(join(icd, 'nvidia_icd.json'), JSON.stringify({ ICD: { library_path: 'libGLX_nvidia.so.0' } }));
      writeFileSync(join(icd, 'broken.json'), '{');
      expect(onlyHere(vulkanGpuDrivers(env))).toEqual([join(icd, 'nvidia_icd.json')]);
      // VK_DRIVER_FILES replaces the search, VK_ADD_DRIVER_FILES then unused; otherwise it adds to it; either
      // may name a manifest or a folder of them
      const extra = join(dir, 'extra');
      mkdirSync(extra);
      writeFileSync(join(extra, 'radeon_icd.json'), JSON.stringify({ ICD: { library_path: '/usr/lib/libvulkan_radeon.so' } }));
      expect(vulkanGpuDrivers({ ...env, VK_DRIVER_FILES: join(icd, 'lvp_icd.x86_64.json') })).toEqual([]);
      expect(vulkanGpuDrivers({ ...env, VK_DRIVER_FILES: join(icd, 'lvp_icd.x86_64.json'), VK_ADD_DRIVER_FILES: extra })).toEqual([]);
      expect(vulkanGpuDrivers({ ...env, VK_ICD_FILENAMES: icd })).toEqual([join(icd, 'nvidia_icd.json')]);
      expect(onlyHere(vulkanGpuDrivers({ ...env, VK_ADD_DRIVER_FILES: extra }))).toEqual([join(icd, 'nvidia_icd.json'), join(extra, 'radeon_icd.json')]);
      // a software driver is known by its file names, not by the folders above it
      const lvpHome = join(dir, 'lvp-builds', 'vulkan', 'icd.d');
      mkdirSync(lvpHome, { recursive: true });
      writeFileSync(join(lvpHome, 'gpu.json'), JSON.stringify({ ICD: { library_path: '/opt/intel/libvulkan_intel.so' } }));
      expect(vulkanGpuDrivers({ ...env, VK_DRIVER_FILES: join(lvpHome, 'gpu.json') })).toEqual([join(lvpHome, 'gpu.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(available || process.env.CI)('on this machine: `noiselab info --json` names the adapter and the process exits', () => {
    // the automatic choice, GPUs included (the tests' NOISELAB_GPU=0 off), with software adapters allowed for a
    // forced webgpu only: the automatic choice must still pass lavapipe by
    const env: NodeJS.ProcessEnv = { ...process.env, NOISELAB_GPU: '1', NOISELAB_WEBGPU_SOFTWARE: '1' };
    delete env.NOISELAB_BACKEND;
    const r = spawnSync(process.execPath, ['bin/noiselab.js', 'info', '--json'], { encoding: 'utf8', timeout: 60_000, env });
    expect(r.status, r.stderr).toBe(0);
    const { webgpu, choice } = JSON.parse(r.stdout) as { webgpu: ReturnType<typeof webgpuStanding>; choice: string };
    expect(webgpu.adapter?.device, webgpu.why).toMatch(/\S/);
    expect(webgpu.chosen).toBe(choice === 'webgpu');
    if (webgpu.adapter!.software) {
      expect(choice).not.toBe('webgpu');
      expect(webgpu.why).toMatch(/software/);
    }
  }, 90_000);

  it.runIf(available || process.env.CI)('two claims run end to end on webgpu (forced, on lavapipe in CI) at smoke scale, give native\'s verdicts, and the process exits', () => {
    const out = mkdtempSync(join(tmpdir(), 'webgpu-claims-'));
    try {
      const run = (backend: string, id: string) => {
        const r = spawnSync(process.execPath, ['bin/noiselab.js', 'reproduce', '--claim', id, '--scale', 'smoke', '--in-process', '--workers', '1', '--no-static-figures', '--out', join(out, backend)],
          { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NOISELAB_BACKEND: backend, NOISELAB_WEBGPU_SOFTWARE: '1', NOISELAB_RECORDS: join(out, 'records') } });
        expect(r.status, `${id} on ${backend}: ${r.stderr.slice(-2000)}`).toBe(0);
        return JSON.parse(readFileSync(join(out, backend, `${id}.smoke.json`), 'utf8')) as { backend: string; verdict: { status: string; effects: { key: string; estimate: number }[] } };
      };
      // A9 trains two optimizers (train(), the seeded data and noise); C1 takes Hessian-vector products (second order)
      for (const id of ['A9', 'C1']) {
        const [gpu, cpu] = [run('webgpu', id), run('native', id)];
        expect(gpu.backend).toBe('webgpu');
        expect(gpu.verdict.status, id).toBe(cpu.verdict.status);
        expect(gpu.verdict.effects.map((e) => e.key)).toEqual(cpu.verdict.effects.map((e) => e.key));
        for (const [k, e] of gpu.verdict.effects.entries()) expect(Math.abs(e.estimate - cpu.verdict.effects[k].estimate), `${id} ${e.key}: ${e.estimate} vs ${cpu.verdict.effects[k].estimate}`).toBeLessThanOrEqual(1e-3 + 1e-3 * Math.abs(cpu.verdict.effects[k].estimate));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
