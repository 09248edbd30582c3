/**
 * Kernels of the native backend. Each reads the cpu backend's TypedArray storage directly and writes a
 * new Float32Array that becomes the output tensor's storage; anything a kernel does not handle
 * (other dtypes, NCHW, unusual bias shapes, PReLU) goes to the cpu kernel of the same name.
 */
import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';
import { elementwiseKernels } from './elementwise.js';
import { f32, outputBuffer, size, type KernelArgs, type KernelFunc } from './util.js';

function geometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight,
    info.dilationWidth, info.padInfo.top, info.padInfo.left]);
}

/** Pooling reuses the conv geometry with the effective (dilated) window; outC = inC. */
function poolGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  const g = geometry(info);
  g[6] = info.inChannels;
  g[7] = info.effectiveFilterHeight;
  g[8] = info.effectiveFilterWidth;
  return g;
}

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, leakyrelu: 4, elu: 5 };

export function nativeKernels(addon: NativeAddon, cpu: (name: string) => KernelFunc): Record<string, KernelFunc> {
  const matmul = (args: KernelArgs, fused: boolean): tf.TensorInfo | tf.TensorInfo[] => {
    const backend = args.backend as MathBackendCPU;
    const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const av = f32(backend, a);
    const bv = f32(backend, b);
    const act = fused ? ACTIVATIONS[attrs.activation ?? 'linear'] : 0;
    const biasV = bias ? f32(backend, bias) : null;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    // a bias that broadcasts along the last axis (size n or 1) is fused; other shapes go to cpu
    const biasOk = !bias || (biasV !== null && (bias.shape.length <= 1 || size(bias.shape) === bias.shape[bias.shape.length - 1]) && (size(bias.shape) === n || size(bias.shape) === 1));
    if (!av || !bv || k !== kb || act === undefined || !biasOk) return cpu(fused ? '_FusedMatMul' : 'BatchMatMul')(args);
    const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const out = outputBuffer(batch * m * n);
    if (k === 0) out.fill(0); // an empty inner dimension sums nothing
    else if (out.length > 0) {
      addon.batchMatMul(av, bv, out, Int32Array.from([batchA, batchB, batch, m, n, k, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0]));
    }
    if (fused && (biasV || act !== 0) && out.length > 0) addon.biasActivation(out, out.length / n, n, biasV, act, attrs.leakyreluAlpha ?? 0.2);
    return backend.makeTensorInfo([...outer, m, n], 'float32', out);
  };

  const convInfo = (x: tf.TensorInfo, filterShape: number[], attrs: tf.NamedAttrMap) => {
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as {
      strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dilations?: [number, number] | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    return tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape as [number, number, number, number],
      strides, dilations ?? 1, pad, dimRoundingMode, false, 'channelsLast');
  };
  const nhwc = (attrs?: tf.NamedAttrMap) => ((attrs as { dataFormat?: string } | undefined)?.dataFormat ?? 'NHWC') === 'NHWC';

  const conv = (args: KernelArgs, fused: boolean) => {
    const backend = args.backend as MathBackendCPU;
    const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
    const attrs = args.attrs as { activation?: string; leakyreluAlpha?: number };
    const xv = f32(backend, x);
    const wv = f32(backend, filter);
    const act = fused ? ACTIVATIONS[attrs.activation ?? 'linear'] : 0;
    const biasV = bias ? f32(backend, bias) : null;
    const outC = filter.shape[3];
    const biasOk = !bias || (biasV !== null && (size(bias.shape) === outC || size(bias.shape) === 1) && size(bias.shape) === bias.shape[bias.shape.length - 1]);
    if (!xv || !wv || !nhwc(args.attrs) || act === undefined || !biasOk) return cpu(fused ? 'FusedConv2D' : 'Conv2D')(args);
    const info = convInfo(x, filter.shape, args.attrs!);
    const out = outputBuffer(size(info.outShape));
    if (out.length > 0) addon.conv2d(xv, wv, out, geometry(info));
    if (fused && (biasV || act !== 0) && out.length > 0) addon.biasActivation(out, out.length / outC, outC, biasV, act, attrs.leakyreluAlpha ?? 0.2);
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  };

  return {
    BatchMatMul: (args) => matmul(args, false),
    _FusedMatMul: (args) => matmul(args, true),
    Conv2D: (args) => conv(args, false),
    FusedConv2D: (args) => conv(args, true),
    Conv2DBackpropInput: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { inputShape } = args.attrs as { inputShape: [number, number, number, number] };
      const dyv = f32(backend, dy);
      const wv = f32(backend, filter);
      if (!dyv || !wv || !nhwc(args.attrs)) return cpu('Conv2DBackpropInput')(args);
      const info = convInfo({ ...dy, shape: inputShape }, filter.shape, args.attrs!);
      const dx = outputBuffer(size(inputShape));
      if (dx.length > 0) addon.conv2dBackpropInput(dyv, wv, dx, geometry(info));
      return backend.makeTensorInfo(inputShape, 'float32', dx);
    },
    Conv2DBackpropFilter: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { filterShape } = args.attrs as { filterShape: [number, number, number, number] };
      const xv = f32(backend, x);
      const dyv = f32(backend, dy);
      if (!xv || !dyv || !nhwc(args.attrs)) return cpu('Conv2DBackpropFilter')(args);
      const info = convInfo(x, filterShape, args.attrs!);
      const dw = outputBuffer(size(filterShape));
      if (dw.length > 0) addon.conv2dBackpropFilter(xv, dyv, dw, geometry(info));
      return backend.makeTensorInfo(filterShape, 'float32', dw);
    },
    ...poolKernels(addon, cpu),
    ...elementwiseKernels(addon, cpu),
  };
}

function poolKernels(addon: NativeAddon, cpu: (name: string) => KernelFunc): Record<string, KernelFunc> {
  const info = (x: tf.TensorInfo, attrs: tf.NamedAttrMap) => {
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    return tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  };
  const forward = (name: 'MaxPool' | 'AvgPool', run: (x: Float32Array, y: Float32Array, g: Int32Array) => void): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const x = args.inputs.x as tf.TensorInfo;
    const xv = f32(backend, x);
    const pi = info(x, args.attrs!);
    const identity = pi.filterWidth === 1 && pi.filterHeight === 1 && tf.util.arraysEqual(pi.inShape, pi.outShape);
    if (!xv || identity) return cpu(name)(args);
    const y = outputBuffer(size(pi.outShape));
    if (y.length > 0) run(xv, y, poolGeometry(pi));
    return backend.makeTensorInfo(pi.outShape, 'float32', y);
  };
  return {
    MaxPool: forward('MaxPool', (x, y, g) => addon.maxPool(x, y, g)),
    AvgPool: forward('AvgPool', (x, y, g) => addon.avgPool(x, y, g)),
    MaxPoolGrad: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const xv = f32(backend, input);
      const dyv = f32(backend, dy);
      if (!xv || !dyv) return cpu('MaxPoolGrad')(args);
      const pi = info(input, args.attrs!);
      const dx = outputBuffer(size(input.shape));
      if (dx.length > 0) addon.maxPoolGrad(xv, dyv, dx, poolGeometry(pi));
      return backend.makeTensorInfo(input.shape, 'float32', dx);
    },
    AvgPoolGrad: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const dyv = f32(backend, dy);
      if (!dyv) return cpu('AvgPoolGrad')(args);
      const pi = info(input, args.attrs!);
      const dx = outputBuffer(size(input.shape));
      if (dx.length > 0) addon.avgPoolGrad(dyv, dx, poolGeometry(pi));
      return backend.makeTensorInfo(input.shape, 'float32', dx);
    },
  };
}
