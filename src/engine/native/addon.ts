/** Loading the OpenBLAS addon (native/build/Release/noiselab_native.node), built by `npm run setup`. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../../util/paths.js';

export interface NativeAddon {
  batchMatMul(a: Float32Array, b: Float32Array, c: Float32Array, dims: Int32Array): void;
  conv2d(x: Float32Array, w: Float32Array, y: Float32Array, geom: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  maxPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  avgPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  biasActivation(y: Float32Array, rows: number, cols: number, bias: Float32Array | null, activation: number, alpha: number): void;
  denseForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, dims: Int32Array): void;
  denseBackward(wrt: number, dy: Float32Array, other: Float32Array | null, y: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** coefficients: [b1, b2, 1 - b1, 1 - b2, c1, c2, eps] as float32 */
  adamUpdate(g: Float32Array, m: Float32Array, v: Float32Array, mOut: Float32Array, vOut: Float32Array, u: Float32Array, coefficients: Float32Array): void;
  /** out = alpha x + y (y null: alpha x), alpha rounded to float32 */
  axpy(x: Float32Array, y: Float32Array | null, out: Float32Array, alpha: number): void;
  /** draws from noiselab's seeded normal stream (src/random/rng.ts), advancing state and spare in place */
  normalFill(state: Int32Array, spare: Float64Array, out: Float32Array, mean: number, std: number): void;
  /** V8's Math.log (fdlibm) as the native stream computes it */
  fdlibmLog(x: number): number;
  binary(op: number, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array, outShape: Int32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  reduce(op: number, x: Float32Array, shape: Int32Array, reduced: Int32Array, out: Float32Array): void;
  /** threads of the kernels' pool (default: OpenBLAS's, i.e. the cores or OPENBLAS_NUM_THREADS) */
  setThreads(n: number): void;
  getThreads(): number;
}

/** The built addon; NOISELAB_NATIVE_ADDON points elsewhere (tests use it to simulate a machine without it). */
export function addonPath(): string {
  return process.env.NOISELAB_NATIVE_ADDON ?? join(projectRoot(), 'native', 'build', 'Release', 'noiselab_native.node');
}

let addon: NativeAddon | null = null;

/** The addon, or an error saying why it is unavailable. */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const file = addonPath();
  if (!existsSync(file)) throw new Error(`not built (${file} is missing; npm run setup builds it when g++ and libopenblas-dev are present)`);
  pinBlasKernels();
  addon = createRequire(import.meta.url)(file) as NativeAddon;
  return addon;
}

/**
 * Debian's OpenBLAS picks its sgemm kernels for the CPU it runs on (Haswell's on AVX2 machines,
 * SkylakeX's where AVX-512 is recognised), and different kernels sum in different orders: the same
 * seed then gives different numbers on different machines, which chaotic training amplifies into
 * different results (A1's divergences were seen to differ). Pinning the Haswell kernels on every
 * AVX2+FMA machine makes results machine-independent; OPENBLAS_CORETYPE set by the user wins. It must
 * be set before the library loads, since OpenBLAS reads it once, at load time.
 */
export function pinBlasKernels(): void {
  if (process.env.OPENBLAS_CORETYPE || process.platform !== 'linux' || process.arch !== 'x64') return;
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return;
  }
  if (/\bavx2\b/.test(flags) && /\bfma\b/.test(flags)) process.env.OPENBLAS_CORETYPE = 'Haswell';
}
