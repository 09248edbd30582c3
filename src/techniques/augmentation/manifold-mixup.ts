/**
 * Manifold Mixup (Verma et al. 2019): mixup applied to the hidden representation at a layer k drawn
 * at random for every batch from the eligible layers (k = 0 is the input, which is plain input mixup;
 * k = l mixes the activations after hidden layer l). Labels mix with the same lambda ~ Beta(alpha, alpha).
 *
 * For a plain MLP (dense kernels and biases, ReLU, no normalization): `manifoldMixup` wraps the model
 * and returns a batch augmentation for the training loop. The augmentation draws lambda, a partner
 * permutation and k, leaves the inputs as they are and asks the loop for the mixed loss; the wrapped
 * model's next forward pass mixes at layer k (once: evaluation afterwards runs the plain network).
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import type { BatchAugmentation } from '../../train/loop.js';
import { betaSample } from './mix.js';

interface PendingMix { lambda: number; perm: Int32Array; layer: number }

export interface ManifoldMixup {
  /** the same parameters as the base model; its next forward after a mix is drawn mixes at that layer */
  model: Model;
  augment: BatchAugmentation;
}

/** A ReLU MLP's forward pass with the representation after `layer` (0: the input) mixed by `lambda` with its `perm` partner. */
export function mlpForwardMixed(x: tf.Tensor, ps: readonly tf.Tensor[], mix: PendingMix | null): tf.Tensor2D {
  const layers = ps.length / 2;
  let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
  const mixHere = (l: number) => {
    if (mix && mix.layer === l) h = tf.add(tf.mul(mix.lambda, h), tf.mul(1 - mix.lambda, tf.gather(h, tf.tensor1d(mix.perm, 'int32')))) as tf.Tensor2D;
  };
  mixHere(0);
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, ps[2 * l] as tf.Tensor2D), ps[2 * l + 1]) as tf.Tensor2D;
    if (l < layers - 1) {
      h = tf.relu(h);
      mixHere(l + 1);
    }
  }
  return h;
}

/**
 * Wrap a plain ReLU MLP (params: kernel, bias per layer) for manifold mixup at the `layers` given
 * (0: input; l: after hidden layer l), each batch drawing one of them uniformly.
 */
export function manifoldMixup(base: Model, alpha: number, layers: readonly number[]): ManifoldMixup {
  if (!(alpha > 0)) throw new Error(`manifoldMixup: alpha must be > 0, got ${alpha}`);
  if (!base.paramNames.every((n, i) => n.endsWith(i % 2 === 0 ? '/kernel' : '/bias'))) throw new Error(`manifoldMixup: ${base.name} is not a plain MLP (kernel, bias per layer)`);
  const hidden = base.params.length / 2 - 1;
  if (!layers.length || layers.some((k) => !Number.isInteger(k) || k < 0 || k > hidden)) throw new Error(`manifoldMixup: layers must lie in 0..${hidden}, got [${layers}]`);
  let pending: PendingMix | null = null;
  const model: Model = {
    name: `manifold-mixup(${base.name})`,
    params: base.params,
    paramNames: base.paramNames,
    apply: (x, ps = base.params) => {
      const mix = pending;
      pending = null;
      return mix ? tf.tidy(() => mlpForwardMixed(x, ps, mix)) : base.apply(x, ps);
    },
    features: (x, ps) => base.features(x, ps),
    dispose: () => base.dispose(),
  };
  const augment: BatchAugmentation = ({ x, y }, rng: Rng) => {
    const lambda = betaSample(alpha, rng);
    const perm = rng.permutation(x.shape[0]);
    const layer = layers[rng.int(layers.length)];
    pending = { lambda, perm: Int32Array.from(perm), layer };
    return { x, y, mix: { y: tf.gather(y, tf.tensor1d(Int32Array.from(perm), 'int32')) as tf.Tensor1D, weight: lambda } };
  };
  return { model, augment };
}
