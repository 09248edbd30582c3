/**
 * A dense layer, act(x W + b), as one op. On the native backend it is one kernel forward and one per
 * gradient backward (tfjs's own fused.matMul falls apart into BatchMatMul, Add and Relu whenever a
 * gradient is being taken, and each of those costs ~5 us of engine time on top of its arithmetic,
 * which for a 128 x 50 layer is most of the step). Elsewhere it is tf.fused.matMul.
 *
 * The gradient is exact to any order: when a higher derivative is being recorded (a gradient taken
 * inside another, as in Hessian-vector products) it is built from ordinary differentiable ops; only
 * the outermost backward pass uses the native gradient kernels, which nothing differentiates further.
 */
import * as tf from '@tensorflow/tfjs';
import { DENSE_ACTIVATIONS, DENSE_GRAD_KERNEL, DENSE_KERNEL, type DenseActivation, type DenseAttrs, type DenseGradAttrs } from './kernels.js';

export type { DenseActivation } from './kernels.js';

let gradientRegistered = false;

function registerDenseGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: DENSE_KERNEL,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved;
      const { activation } = attrs as unknown as DenseAttrs;
      const g = dy as tf.Tensor2D;
      if (tf.engine().state.gradientDepth > 0) {
        // recorded for a higher derivative: differentiable ops (ReLU's mask has derivative 0)
        const masked = () => (activation === 'relu' ? tf.mul(g, tf.step(y)) : g) as tf.Tensor2D;
        return { x: () => tf.matMul(masked(), w as tf.Tensor2D, false, true), w: () => tf.matMul(x as tf.Tensor2D, masked(), true, false), b: () => tf.sum(masked(), 0) };
      }
      const k = x.shape[1]!;
      const grad = (wrt: DenseGradAttrs['wrt'], other: tf.Tensor) => () =>
        tf.engine().runKernel(DENSE_GRAD_KERNEL, { dy: g, other, y }, { activation, wrt, k } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { x: grad('x', w), w: grad('w', x), b: grad('b', w) };
    },
  });
}

/** Whether the current backend has the fused kernels. */
function fusedAvailable(): boolean {
  return tf.getKernel(DENSE_KERNEL, tf.getBackend()) !== undefined;
}

/** act(x W + b) for x [m, k], W [k, n], b [n]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, activation: DenseActivation = 'linear'): tf.Tensor2D {
  if (!(activation in DENSE_ACTIVATIONS)) throw new Error(`dense: activation must be one of ${Object.keys(DENSE_ACTIVATIONS).join(', ')}, got ${activation}`);
  const fused = x.dtype === 'float32' && w.dtype === 'float32' && b.dtype === 'float32' && x.rank === 2 && w.rank === 2 && b.size === w.shape[1] && b.rank === 1
    && x.shape[1] === w.shape[0] && fusedAvailable();
  if (!fused) return tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D;
  registerDenseGradient();
  return tf.engine().runKernel(DENSE_KERNEL, { x, w, b }, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
