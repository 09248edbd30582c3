/**
 * tfjs computes the gradients of Exp, Tanh, Sigmoid, Softmax and Elu from their saved outputs. A
 * second differentiation (reverse over reverse, as in Hessian-vector products) does not see how that
 * saved output depends on the input, so it silently drops curvature terms: for softmax
 * cross-entropy, H v loses its diag(p) v part. These registrations recompute the derivative from the
 * input instead, which is exact to any order and costs one extra elementwise op.
 */
import * as tf from '@tensorflow/tfjs';

const f32 = (x: tf.Tensor) => tf.cast(x, 'float32');

const gradients: tf.GradConfig[] = [
  { kernelName: 'Exp', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(f32(x))) }) },
  {
    kernelName: 'Tanh', inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(f32(x))))) }),
  },
  {
    kernelName: 'Sigmoid', inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => { const s = tf.sigmoid(f32(x)); return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s))); } }),
  },
  {
    kernelName: 'Softmax', inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const dim = (attrs as { dim: number }).dim;
        const y = tf.softmax(logits, dim);
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    }),
  },
  {
    kernelName: 'Elu', inputsToSave: ['x'],
    // step(x) + (1 - step(x)) exp(min(x, 0)), written with step and relu: comparison ops (Greater,
    // Minimum's LessEqual) have no gradients and would break the next differentiation
    gradFunc: (dy, [x]) => ({
      x: () => {
        const pos = tf.step(f32(x));
        return tf.mul(dy as tf.Tensor, tf.add(pos, tf.mul(tf.sub(1, pos), tf.exp(tf.neg(tf.relu(tf.neg(f32(x))))))));
      },
    }),
  },
];

let registered = false;

export function registerHigherOrderGradients(): void {
  if (registered) return;
  for (const g of gradients) tf.registerGradient(g);
  registered = true;
}
