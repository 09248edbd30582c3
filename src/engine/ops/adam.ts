/**
 * Adam's step for a list of parameters as one op: new first and second moments and the rescaled
 * update, m' = b1 m + (1 - b1) g, v' = b2 v + (1 - b2) g^2, u = (m' / c1) / (sqrt(v' / c2) + eps).
 * On the native backend that is one kernel call for all parameters instead of ten per parameter;
 * elsewhere the same arithmetic in tfjs ops. Both round every operation to float32 in the same
 * order, so they agree bit for bit. Not differentiable (an optimizer's update never is here).
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_KERNEL, type AdamAttrs } from './kernels.js';

/** Adam's new moments and the rescaled updates, one tensor per parameter. */
export interface AdamStep {
  m: tf.Tensor[];
  v: tf.Tensor[];
  updates: tf.Tensor[];
}

/** One Adam step for every parameter (gradients g, moments m and v); see the module comment. */
export function adamStep(g: readonly tf.Tensor[], m: readonly tf.Tensor[], v: readonly tf.Tensor[], attrs: AdamAttrs): AdamStep {
  if (g.length !== m.length || g.length !== v.length) throw new Error(`adamStep: ${g.length} gradients, ${m.length} first and ${v.length} second moments`);
  const native = tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined && [...g, ...m, ...v].every((t) => t.dtype === 'float32');
  if (!native) {
    const { b1, b2, eps, c1, c2 } = attrs;
    const out: AdamStep = { m: [], v: [], updates: [] };
    g.forEach((gi, i) => {
      const mi = m[i].mul(b1).add(gi.mul(1 - b1));
      const vi = v[i].mul(b2).add(gi.square().mul(1 - b2));
      out.m.push(mi);
      out.v.push(vi);
      out.updates.push(mi.div(c1).div(vi.div(c2).sqrt().add(eps)));
    });
    return out;
  }
  const inputs: tf.NamedTensorMap = {};
  g.forEach((_, i) => { inputs[`g${i}`] = g[i]; inputs[`m${i}`] = m[i]; inputs[`v${i}`] = v[i]; });
  const outs = tf.engine().runKernel(ADAM_KERNEL, inputs, { ...attrs, count: g.length } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const n = g.length;
  return { m: outs.slice(0, n), v: outs.slice(n, 2 * n), updates: outs.slice(2 * n) };
}
