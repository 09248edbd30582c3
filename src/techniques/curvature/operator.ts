/**
 * The curvature toolkit works on a symmetric linear operator over flat float64 vectors: a Hessian
 * (through Hessian-vector products), a Gauss-Newton matrix, or an explicit matrix in tests. Vectors are
 * plain Float64Arrays, so the estimators below are short loops and exact in double precision.
 */
import * as tf from '@tensorflow/tfjs';
import { ggnVectorProduct, type OutputLoss, type ParamOutputs } from './ggn.js';
import { hessianVectorProduct, type ParamLoss } from './hvp.js';

// the dense vector helpers the estimators are written in (src/linalg), part of this toolkit's API too
export { axpy, dot, gaussianVector, norm, normalize, orthogonalize, rademacherVector, scale } from '../../linalg/vectors.js';

/** A symmetric linear map on R^dim given only by its matrix-vector product (e.g. a Hessian-vector product). */
export interface SymmetricOperator {
  readonly dim: number;
  /** The product A v, as a new vector of length `dim`. */
  apply(v: Float64Array): Float64Array;
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
