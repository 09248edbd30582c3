import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCE, engineInfo, parseBackendChoice, registerWasmBackend } from '../src/engine/backend.js';
import { conv2dBackpropFilterNHWC } from '../src/engine/kernels/conv2d-backprop-filter-wasm.js';
import { Rng } from '../src/random/rng.js';
import { maxAbsDiff } from './helpers.js';
import { projectRoot } from '../src/util/paths.js';

describe('engine', () => {
  it('chose a known backend and says why others were skipped', () => {
    const info = engineInfo()!;
    expect(BACKEND_PREFERENCE).toContain(info.choice);
    expect(tf.getBackend()).toBe(info.tfBackend);
    for (const s of info.skipped) expect(s.reason.length).toBeGreaterThan(0);
    // everything preferred over the choice was tried and skipped, in order
    const idx = BACKEND_PREFERENCE.indexOf(info.choice);
    if (!process.env.NOISELAB_BACKEND) expect(info.skipped.map((s) => s.choice)).toEqual(BACKEND_PREFERENCE.slice(0, idx));
  });

  it('rejects an unknown backend name, naming the source and the valid names', () => {
    expect(() => parseBackendChoice('tpu', 'NOISELAB_BACKEND')).toThrow(/NOISELAB_BACKEND: unknown backend 'tpu'.*wasm/);
  });
});

/** Direct definition of the filter gradient, for checking the optimised loops. */
function naiveBackpropFilter(x: Float32Array, xs: number[], dy: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const [, inH, inW, inC] = xs;
  const { batchSize, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  const dW = new Float32Array(filterHeight * filterWidth * inC * outChannels);
  for (let r = 0; r < filterHeight; r++) for (let c = 0; c < filterWidth; c++) for (let i = 0; i < inC; i++) for (let o = 0; o < outChannels; o++) {
    let s = 0;
    for (let b = 0; b < batchSize; b++) for (let y = 0; y < outHeight; y++) for (let xx = 0; xx < outWidth; xx++) {
      const xr = y * strideHeight + r - padInfo.top;
      const xc = xx * strideWidth + c - padInfo.left;
      if (xr < 0 || xc < 0 || xr >= inH || xc >= inW) continue;
      s += x[((b * inH + xr) * inW + xc) * inC + i] * dy[((b * outHeight + y) * outWidth + xx) * outChannels + o];
    }
    dW[((r * filterWidth + c) * inC + i) * outChannels + o] = s;
  }
  return dW;
}

interface Case { x: [number, number, number, number]; f: [number, number, number, number]; stride: number | [number, number]; pad: 'same' | 'valid' }

const cases: Case[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 2], f: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [1, 9, 6, 1], f: [2, 3, 1, 2], stride: 2, pad: 'valid' },
  { x: [3, 5, 5, 4], f: [5, 5, 4, 3], stride: 1, pad: 'valid' },
  { x: [2, 11, 10, 3], f: [4, 2, 3, 6], stride: [3, 2], pad: 'same' },
  { x: [1, 4, 4, 2], f: [1, 1, 2, 2], stride: 1, pad: 'valid' },
];

describe('Conv2DBackpropFilter for wasm', () => {
  it.each(cases)('loops match the definition: x %j', (cse) => {
    const rng = new Rng(7);
    const info = tf.backend_util.computeConv2DInfo(cse.x, cse.f, cse.stride, 1, cse.pad, undefined, false, 'channelsLast');
    const x = rng.normalArray(cse.x.reduce((a, b) => a * b));
    const dy = rng.normalArray(info.outShape.reduce((a, b) => a * b));
    const got = new Float32Array(cse.f.reduce((a, b) => a * b));
    conv2dBackpropFilterNHWC(x, cse.x, dy, info, got);
    expect(maxAbsDiff(got, naiveBackpropFilter(x, cse.x, dy, info))).toBeLessThan(1e-4);
  });

  it.each(cases)('filter gradients on wasm equal those on cpu: x %j', async (cse) => {
    const rng = new Rng(11);
    const xv = rng.normalArray(cse.x.reduce((a, b) => a * b));
    const fv = rng.normalArray(cse.f.reduce((a, b) => a * b));
    const grad = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(xv, cse.x);
        const f = tf.tensor4d(fv, cse.f);
        // sum of squares makes dy non-uniform, so every filter tap is exercised
        const g = tf.grad((ff: tf.Tensor) => tf.conv2d(x, ff as tf.Tensor4D, cse.stride, cse.pad).square().sum())(f);
        return g.dataSync().slice();
      });
    };
    const previous = tf.getBackend();
    try {
      await registerWasmBackend();
      await tf.setBackend('wasm');
      const onWasm = grad('wasm');
      const onCpu = grad('cpu');
      const scale = Math.max(1, ...Array.from(onCpu, Math.abs));
      expect(maxAbsDiff(onWasm, onCpu) / scale).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend(previous);
    }
  });
});

describe('engine on first use', () => {
  it('train() starts the engine itself when no one called initEngine (never tfjs\'s plain cpu backend), and says which', () => {
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { mlp } from './src/models/mlp.ts';
      import { train } from './src/train/loop.ts';
      import { sgd } from './src/train/transforms.ts';
      import { Rng } from './src/random/rng.ts';
      const model = mlp({ sizes: [4, 8, 2] }, new Rng(1));
      const data = { name: 'toy', x: new Float32Array(64 * 4).map((_, i) => Math.sin(i)), y: new Int32Array(64).map((_, i) => i % 2), featureShape: [4], numClasses: 2 };
      const r = await train({ model, data, transform: sgd(0.1), batchSize: 16, steps: 3, rng: new Rng(2), progress: 'silent' });
      console.log(JSON.stringify({ backend: tf.getBackend(), status: r.status }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot(), encoding: 'utf8', env: { ...process.env, NOISELAB_BACKEND: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ backend: expect.not.stringMatching(/^cpu$/), status: 'ok' });
    expect(r.stderr).toMatch(/noiselab engine: /);
  }, 60_000);
});
