/** Native elementwise, broadcasting and reduction kernels (float32; other dtypes go to cpu). */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';
import { f32, outputBuffer, size, type KernelArgs, type KernelFunc } from './util.js';

const BINARY: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 };
const UNARY: Record<string, number> = { Relu: 0, Step: 1, Exp: 2, Log: 3, Neg: 4, Sqrt: 5, Square: 6, Tanh: 7, Sigmoid: 8, Abs: 9 };
const REDUCE: Record<string, number> = { Sum: 0, Max: 1, Min: 2, Mean: 0 };

/** Strides of `shape` broadcast to `out` (0 on broadcast and missing leading axes). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): Int32Array {
  const s = new Int32Array(out.length);
  let stride = 1;
  for (let i = shape.length - 1, j = out.length - 1; j >= 0; i--, j--) {
    if (i >= 0 && shape[i] !== 1) s[j] = stride;
    if (i >= 0) stride *= shape[i];
  }
  return s;
}

export function elementwiseKernels(addon: NativeAddon, cpu: (name: string) => KernelFunc): Record<string, KernelFunc> {
  const kernels: Record<string, KernelFunc> = {};
  for (const [name, op] of Object.entries(BINARY)) {
    kernels[name] = (args: KernelArgs) => {
      const backend = args.backend as MathBackendCPU;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const av = f32(backend, a);
      const bv = f32(backend, b);
      if (!av || !bv) return cpu(name)(args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = outputBuffer(size(outShape));
      if (out.length > 0) {
        const shape = outShape.length ? outShape : [1];
        addon.binary(op, av, broadcastStrides(a.shape, shape), bv, broadcastStrides(b.shape, shape), out, Int32Array.from(shape));
      }
      return backend.makeTensorInfo(outShape, 'float32', out);
    };
  }
  for (const [name, op] of Object.entries(UNARY)) {
    kernels[name] = (args: KernelArgs) => {
      const backend = args.backend as MathBackendCPU;
      const x = args.inputs.x as tf.TensorInfo;
      const xv = f32(backend, x);
      if (!xv) return cpu(name)(args);
      const out = outputBuffer(xv.length);
      addon.unary(op, xv, out, (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0);
      return backend.makeTensorInfo(x.shape, 'float32', out);
    };
  }
  for (const [name, op] of Object.entries(REDUCE)) {
    kernels[name] = (args: KernelArgs) => {
      const backend = args.backend as MathBackendCPU;
      const x = args.inputs.x as tf.TensorInfo;
      const attrs = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
      const xv = f32(backend, x);
      const axes = tf.util.parseAxisParam(attrs.axis ?? attrs.reductionIndices ?? null as unknown as number[], x.shape);
      if (!xv || axes.length === 0 || x.shape.length > 8 || xv.length === 0) return cpu(name)(args);
      const mask = Int32Array.from(x.shape, (_, i) => (axes.includes(i) ? 1 : 0));
      const kept = x.shape.filter((_, i) => !mask[i]);
      const out = outputBuffer(size(kept));
      addon.reduce(op, xv, Int32Array.from(x.shape), mask, out);
      if (name === 'Mean') {
        const n = size(x.shape) / Math.max(1, out.length);
        for (let i = 0; i < out.length; i++) out[i] /= n;
      }
      const shape = attrs.keepDims ? x.shape.map((d, i) => (mask[i] ? 1 : d)) : kept;
      return backend.makeTensorInfo(shape, 'float32', out);
    };
  }
  return kernels;
}
