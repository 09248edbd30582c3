/** What the backend equivalence tests (native, webgpu) share: comparing outputs with cpu's, and f with its gradients. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** A tensor read back: its shape and values. */
export interface Output { shape: number[]; values: ArrayLike<number> }

/**
 * Each output of `backend` equals cpu's to `tol` relative to the output's largest finite magnitude (NaN and
 * infinities exactly); a difference is reported with its index (one assertion per tensor: outputs are large).
 */
export function expectSameOutputs(backend: string, got: Output[], cpu: Output[], tol = 1e-4): void {
  expect(got.length).toBe(cpu.length);
  got.forEach((t, i) => {
    expect(t.shape).toEqual(cpu[i].shape);
    const want = Array.from(cpu[i].values);
    let scale = 1;
    for (const c of want) if (Number.isFinite(c)) scale = Math.max(scale, Math.abs(c));
    const values = Array.from(t.values);
    const bad = values.findIndex((v, j) => {
      const c = want[j];
      if (Number.isNaN(c)) return !Number.isNaN(v);
      if (!Number.isFinite(c)) return v !== c;
      return !(Math.abs(v - c) / scale < tol);
    });
    expect(bad, bad < 0 ? '' : `output ${i} element ${bad}: ${backend} ${values[bad]} vs cpu ${want[bad]}`).toBe(-1);
  });
}

/**
 * f and the gradients of sum(f * fixed weights) with respect to every input. tfjs itself has no gradient
 * for broadcast batch matmul or dilated convolution: those cases pass differentiate = false.
 */
export function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, differentiate = true) {
  return (...xs: tf.Tensor[]): tf.Tensor[] => {
    const y = f(...xs);
    if (!differentiate) return [y];
    const w = y.size > 1 ? tf.linspace(-1, 1, y.size).reshape(y.shape) : tf.onesLike(y);
    const grads = tf.grads((...ys: tf.Tensor[]) => f(...ys).mul(w).sum())(xs);
    return [y, ...grads];
  };
}
