/**
 * Conv2DBackpropFilter for the wasm backend, which tfjs 4.22 lacks (so conv nets cannot train there
 * without it). Plain JS over the wasm heap; loops are ordered so the innermost one runs along the
 * contiguous output-channel axis of both dy and dW.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js';

interface Inputs { x: tf.TensorInfo; dy: tf.TensorInfo }
interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** dW[r,c,i,o] = sum_{b,y,x} X[b, y*sh + r - top, x*sw + c - left, i] * dY[b, y, x, o] */
export function conv2dBackpropFilterNHWC(
  x: Float32Array, xShape: readonly number[], dy: Float32Array, info: tf.backend_util.Conv2DInfo, dW: Float32Array,
): void {
  const [, inH, inW, inC] = xShape;
  const { batchSize, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dW.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inH) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inW) continue;
            const xOff = ((b * inH + xR) * inW + xC) * inC;
            const wOff = (wR * filterWidth + wC) * inC * outChannels;
            for (let i = 0; i < inC; i++) {
              const xv = x[xOff + i];
              if (xv === 0) continue;
              const row = wOff + i * outChannels;
              for (let o = 0; o < outChannels; o++) dW[row + o] += xv * dy[dyOff + o];
            }
          }
        }
      }
    }
  }
}

function kernelFunc({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = inputs as unknown as Inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Attrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const wasm = backend as BackendWasm;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  // makeOutput may grow the wasm heap and detach earlier views: allocate first, then take views.
  const out = wasm.makeOutput(filterShape, 'float32');
  const xv = wasm.typedArrayFromHeap(x) as Float32Array;
  const dyv = wasm.typedArrayFromHeap(dy) as Float32Array;
  conv2dBackpropFilterNHWC(xv, x.shape, dyv, info, wasm.typedArrayFromHeap(out) as Float32Array);
  return out;
}

export function registerWasmConv2dBackpropFilter(): void {
  const exists = tf.getKernelsForBackend('wasm').some((k) => k.kernelName === 'Conv2DBackpropFilter');
  if (!exists) tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc });
}
