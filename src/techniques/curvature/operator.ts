/**
 * The curvature toolkit works on a symmetric linear operator over flat float64 vectors: a Hessian
 * (through Hessian-vector products), a Gauss-Newton matrix, or an explicit matrix in tests. Vectors are
 * plain Float64Arrays, so the estimators below are short loops and exact in double precision.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import { ggnVectorProduct, type OutputLoss, type ParamOutputs } from './ggn.js';
import { hessianVectorProduct, type ParamLoss } from './hvp.js';

export interface SymmetricOperator {
  readonly dim: number;
  apply(v: Float64Array): Float64Array;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** y += alpha x, in place */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

export function scale(a: Float64Array, s: number): Float64Array {
  return a.map((v) => v * s);
}

export function normalize(a: Float64Array): Float64Array {
  const n = norm(a);
  if (n === 0) throw new Error('normalize: zero vector');
  return scale(a, 1 / n);
}

/** Remove from v its components along the (orthonormal) basis vectors, twice for stability. */
export function orthogonalize(v: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) for (const q of basis) axpy(-dot(q, v), q, v);
}

export function gaussianVector(dim: number, rng: Rng): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return v;
}

/** Entries +-1 with equal probability (Hutchinson's estimator has the least variance with these). */
export function rademacherVector(dim: number, rng: Rng): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.uniform() < 0.5 ? -1 : 1;
  return v;
}

/** An explicit dense symmetric matrix (row-major n x n) as an operator. */
export function matrixOperator(a: Float64Array, n: number): SymmetricOperator {
  if (a.length !== n * n) throw new Error(`matrixOperator: ${a.length} entries for ${n}x${n}`);
  return {
    dim: n,
    apply: (v) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
        out[i] = s;
      }
      return out;
    },
  };
}

/**
 * A curvature matrix given by its products with parameter-shaped vectors, as an operator on the
 * concatenation of the parameters (in their order) or of the subset `only` (indices into params:
 * per-layer curvature, the other parts of v being zero).
 */
export function productOperator(
  params: readonly tf.Tensor[], product: (v: tf.Tensor[]) => tf.Tensor[], only?: readonly number[], name = 'curvature',
): SymmetricOperator {
  const idx = only ?? params.map((_, i) => i);
  const sizes = idx.map((i) => params[i].size);
  const dim = sizes.reduce((a, b) => a + b, 0);
  return {
    dim,
    apply: (v) => {
      if (v.length !== dim) throw new Error(`${name} operator: vector of ${v.length}, expected ${dim}`);
      const parts = params.map((p) => tf.zerosLike(p));
      let off = 0;
      idx.forEach((pi, k) => {
        parts[pi].dispose();
        parts[pi] = tf.tensor(Float32Array.from(v.subarray(off, off + sizes[k])), params[pi].shape);
        off += sizes[k];
      });
      const hv = product(parts);
      const out = new Float64Array(dim);
      off = 0;
      idx.forEach((pi, k) => {
        out.set(hv[pi].dataSync(), off);
        off += sizes[k];
      });
      tf.dispose([...parts, ...hv]);
      return out;
    },
  };
}

/** The Hessian of `loss` at `params` as an operator (see productOperator for `only`). */
export function hessianOperator(loss: ParamLoss, params: readonly tf.Tensor[], only?: readonly number[]): SymmetricOperator {
  return productOperator(params, (v) => hessianVectorProduct(loss, params, v), only, 'Hessian');
}

/** The generalised Gauss-Newton matrix (Fisher, for softmax cross-entropy) as an operator. */
export function ggnOperator(outputs: ParamOutputs, loss: OutputLoss, params: readonly tf.Tensor[], only?: readonly number[]): SymmetricOperator {
  return productOperator(params, (v) => ggnVectorProduct(outputs, loss, params, v), only, 'Gauss-Newton');
}
