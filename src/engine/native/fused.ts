/**
 * Native kernels of noiselab's fused ops (../ops): the dense layer's forward pass and each of its
 * three gradients in one call (only float32 2-D operands with a bias of n values reach them), and
 * Adam's update and a x + y of every parameter in one call.
 */
import type * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ADAM_KERNEL, AXPY_KERNEL, type AxpyAttrs, DENSE_ACTIVATIONS, DENSE_GRAD_KERNEL, DENSE_KERNEL, type AdamAttrs, type DenseAttrs, type DenseGradAttrs } from '../ops/kernels.js';
import type { NativeAddon } from './addon.js';
import { f32, outputBuffer, type KernelFunc } from './util.js';

const WRT = { x: 0, w: 1, b: 2 } as const;

function storage(backend: MathBackendCPU, t: tf.TensorInfo, name: string): Float32Array {
  const v = f32(backend, t);
  if (!v) throw new Error(`native fused kernel: ${name} must be float32 (got ${t.dtype})`);
  return v;
}

export function fusedKernels(addon: NativeAddon): Record<string, KernelFunc> {
  return {
    [DENSE_KERNEL]: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { x, w, b } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
      const { activation } = args.attrs as unknown as DenseAttrs;
      const [m, k] = x.shape;
      const n = w.shape[1];
      const y = outputBuffer(m * n);
      addon.denseForward(storage(backend, x, 'x'), storage(backend, w, 'w'), storage(backend, b, 'b'), y, Int32Array.from([m, k, n, DENSE_ACTIVATIONS[activation]]));
      return backend.makeTensorInfo([m, n], 'float32', y);
    },
    [DENSE_GRAD_KERNEL]: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { dy, other, y } = args.inputs as { dy: tf.TensorInfo; other: tf.TensorInfo; y: tf.TensorInfo };
      const { activation, wrt, k } = args.attrs as unknown as DenseGradAttrs;
      const [m, n] = dy.shape;
      const shape = wrt === 'x' ? [m, k] : wrt === 'w' ? [k, n] : [n];
      const out = outputBuffer(shape.reduce((a, c) => a * c, 1));
      addon.denseBackward(WRT[wrt], storage(backend, dy, 'dy'), wrt === 'b' ? null : storage(backend, other, 'other'), storage(backend, y, 'y'), out,
        Int32Array.from([m, k, n, DENSE_ACTIVATIONS[activation]]));
      return backend.makeTensorInfo(shape, 'float32', out);
    },
    [ADAM_KERNEL]: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { b1, b2, eps, c1, c2, count } = args.attrs as unknown as AdamAttrs & { count: number };
      // as tfjs's ops would see them: each constant a float32 scalar
      const coefficients = Float32Array.from([b1, b2, 1 - b1, 1 - b2, c1, c2, eps]);
      const ms: tf.TensorInfo[] = [], vs: tf.TensorInfo[] = [], us: tf.TensorInfo[] = [];
      for (let i = 0; i < count; i++) {
        const g = args.inputs[`g${i}`] as tf.TensorInfo;
        const n = g.shape.reduce((a, c) => a * c, 1);
        const [mOut, vOut, u] = [outputBuffer(n), outputBuffer(n), outputBuffer(n)];
        addon.adamUpdate(storage(backend, g, 'g'), storage(backend, args.inputs[`m${i}`] as tf.TensorInfo, 'm'), storage(backend, args.inputs[`v${i}`] as tf.TensorInfo, 'v'), mOut, vOut, u, coefficients);
        ms.push(backend.makeTensorInfo(g.shape, 'float32', mOut));
        vs.push(backend.makeTensorInfo(g.shape, 'float32', vOut));
        us.push(backend.makeTensorInfo(g.shape, 'float32', u));
      }
      return [...ms, ...vs, ...us];
    },
    [AXPY_KERNEL]: (args) => {
      const backend = args.backend as MathBackendCPU;
      const { alpha, count, withY } = args.attrs as unknown as AxpyAttrs;
      const outs: tf.TensorInfo[] = [];
      for (let i = 0; i < count; i++) {
        const x = args.inputs[`x${i}`] as tf.TensorInfo;
        const out = outputBuffer(x.shape.reduce((a, c) => a * c, 1));
        addon.axpy(storage(backend, x, 'x'), withY ? storage(backend, args.inputs[`y${i}`] as tf.TensorInfo, 'y') : null, out, alpha);
        outs.push(backend.makeTensorInfo(x.shape, 'float32', out));
      }
      return outs;
    },
  };
}
