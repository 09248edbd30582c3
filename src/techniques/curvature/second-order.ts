/**
 * What a second differentiation may pass through. tfjs leaves three kinds of ops that a model or a loss
 * may use unfit for reverse-over-reverse differentiation (test/second-order.test.ts checks each op against
 * finite differences of its gradient):
 * - ops with no gradient of their own (comparisons and logical ops, which LeakyRelu, Relu6, Selu, Prelu,
 *   clipByValue, minimum, max/min reductions, logSumExp and where differentiate through; the backward
 *   kernels of conv2d's filter and of average pooling): tfjs throws "gradient function not found".
 *   Comparisons are piecewise constant and the two backward kernels linear, so the gradients registered
 *   here are exact; registering them changes nothing that differentiated before (it threw).
 * - ops whose tfjs gradient reads the op's saved output (LogSoftmax; Pow's gradient in its exponent): a
 *   second differentiation sees that output as a constant and silently drops curvature terms. The
 *   curvature tools refuse them (`assertSecondOrderSafe`), naming the op and the exact alternative.
 *   (tf.fused ops, whose activations do the same, run unfused wherever a gradient is recorded.)
 * - ops with no second derivative in tfjs that noiselab does not add (max pooling's and depthwise
 *   convolution's backward kernels, cumulative products, strided slices): refused likewise, by name.
 * (Exp, Tanh, Sigmoid, Softmax and Elu are re-registered from their inputs by the engine itself.)
 */
import * as tf from '@tensorflow/tfjs';
import { registerHigherOrderGradients } from '../../engine/higher-order-gradients.js';

/** Comparisons and logical ops, by their inputs' names: piecewise constant, so their gradient is zero wherever it exists. */
const PIECEWISE_CONSTANT: Record<string, string[]> = {
  Greater: ['a', 'b'], GreaterEqual: ['a', 'b'], Less: ['a', 'b'], LessEqual: ['a', 'b'], Equal: ['a', 'b'], NotEqual: ['a', 'b'],
  LogicalAnd: ['a', 'b'], LogicalOr: ['a', 'b'], LogicalNot: ['x'], IsNan: ['x'], IsInf: ['x'], IsFinite: ['x'],
};

const zeroGradient = (kernelName: string, inputs: string[]): tf.GradConfig => ({
  kernelName, inputsToSave: inputs,
  // float32 zeros of each input's shape (a logical op's inputs are bool; their gradients still add up as floats)
  gradFunc: (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape)])),
});

interface ConvAttrs { strides: [number, number] | number; pad: 'valid' | 'same' | number; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] }
interface PoolAttrs { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' }

const LINEAR_BACKWARD: tf.GradConfig[] = [
  {
    // dW = Conv2DBackpropFilter(x, dy) is bilinear in (x, dy): its adjoints are a transposed convolution
    // of dy (for x) and a convolution of x (for dy), both with the incoming filter-shaped gradient
    kernelName: 'Conv2DBackpropFilter', inputsToSave: ['x', 'dy'],
    gradFunc: (ddw, [x, dy], attrs) => {
      const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as ConvAttrs;
      if (dataFormat === 'NCHW') throw new Error('curvature: second derivatives of conv2d in NCHW are not supported; use NHWC');
      const g = ddw as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy as tf.Tensor4D, g, x.shape as [number, number, number, number], strides, pad as 'valid' | 'same', dimRoundingMode),
        dy: () => tf.conv2d(x as tf.Tensor4D, g, strides, pad as 'valid' | 'same', 'NHWC', 1, dimRoundingMode),
      };
    },
  },
  {
    // AvgPoolGrad(dy, input) spreads each dy evenly over its window: linear in dy (adjoint: average
    // pooling), constant in the input
    kernelName: 'AvgPoolGrad', inputsToSave: ['input'],
    gradFunc: (ddx, [input], attrs) => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
      return {
        dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad, dimRoundingMode),
        input: () => tf.zerosLike(input),
      };
    },
  },
];

let registered = false;

/**
 * Registers the gradients above with tfjs, once, and the engine's input-based gradients of Exp, Tanh,
 * Sigmoid, Softmax and Elu, which initEngine registers too: a Hessian taken before the engine started
 * would otherwise silently drop their curvature terms.
 */
export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;
  registerHigherOrderGradients();
  for (const [name, inputs] of Object.entries(PIECEWISE_CONSTANT)) tf.registerGradient(zeroGradient(name, inputs));
  for (const g of LINEAR_BACKWARD) tf.registerGradient(g);
}

/** Ops the curvature tools refuse, with what to use instead. */
export const NOT_SECOND_ORDER: Readonly<Record<string, string>> = {
  LogSoftmax: "tf.logSoftmax's gradient reads its output, so a second derivative drops the softmax's curvature: use noiselab's logSoftmax or crossEntropy (exact to any order)",
  Pow: "tf.pow's gradient in its exponent reads its output: write base^e as tf.exp(tf.mul(e, tf.log(base))) where the exponent depends on the parameters",
  MaxPoolGrad: 'tfjs has no second derivative of max pooling: use tf.avgPool or a strided convolution',
  DepthwiseConv2dNativeBackpropInput: 'tfjs has no second derivative of depthwise convolution: use tf.conv2d',
  DepthwiseConv2dNativeBackpropFilter: 'tfjs has no second derivative of depthwise convolution: use tf.conv2d',
  Cumprod: 'tfjs has no second derivative of tf.prod or tf.cumprod: use tf.exp(tf.sum(tf.log(x))) for positive x',
  StridedSlice: 'tfjs has no gradient of tf.stridedSlice: use tf.slice or tf.gather',
};

interface TapeNode { kernelName: string; inputs: Record<string, tf.Tensor>; outputs: tf.Tensor[] }

/**
 * Why a recorded op's second derivative would be silently wrong, or null. tfjs saves an op's output for
 * its gradient as a copy made before the op is recorded, so a second differentiation cannot trace that
 * copy back to the op's inputs. Ops with custom gradients are recorded under their op's name.
 */
function silentlyWrong(node: TapeNode, depends: Set<number>): string | null {
  const k = node.kernelName;
  if (k === 'LogSoftmax' || k.startsWith('logSoftmax__')) return 'LogSoftmax';
  if (k === 'Pow' && depends.has(node.inputs.b?.id)) return 'Pow';
  return null;
}

/**
 * Throws, naming the op and what to use instead, where the computation just recorded for differentiation
 * passes from `inputs` through an op whose second derivative tfjs gets wrong (call it inside the
 * differentiated function, after the loss is computed).
 */
export function assertSecondOrderSafe(what: string, inputs: readonly tf.Tensor[]): void {
  const tape = (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state.activeTape;
  if (!tape) return;
  // what depends on the inputs, in the order the tape recorded it
  const depends = new Set(inputs.map((t) => t.id));
  for (const node of tape) {
    if (!Object.values(node.inputs).some((t) => t && depends.has(t.id))) continue;
    for (const o of node.outputs) depends.add(o.id);
    const op = silentlyWrong(node, depends);
    if (op) throw new Error(`${what}: the loss uses ${op}, which has no exact second derivative in tfjs: ${NOT_SECOND_ORDER[op]}`);
  }
}

/** An error from a second differentiation, rewritten to name the op and what to use instead. */
export function explainSecondOrderError(what: string, e: unknown): unknown {
  const m = e instanceof Error ? /gradient function not found for (\w+)/.exec(e.message) : null;
  if (!m) return e;
  const advice = NOT_SECOND_ORDER[m[1]] ?? 'differentiate a smooth equivalent of the op instead';
  return new Error(`${what}: the loss uses ${m[1]}, which tfjs cannot differentiate a second time: ${advice}`);
}
