/**
 * Random linear maps from a d-dimensional subspace into the D parameters of a network, for
 * intrinsic-dimension training (Li, Farkhoor, Liu & Yosinski 2018; Aghajanyan, Zettlemoyer & Gupta 2021):
 * theta = theta_0 + P z, z in R^d. Dense Gaussian P costs D d floats; the Fastfood transform
 * (Le, Sarlos & Smola 2013) the papers use for large D applies a structured P = S H G Pi H B in
 * O(L log L) time and O(L) memory (L = D rounded up to a power of two): B random signs, H the
 * Walsh-Hadamard matrix, Pi a random permutation, G Gaussian diagonal, S a scale. Every map is built
 * from tf ops, so the gradient with respect to z is P^T grad_theta by automatic differentiation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';

/** A linear map z (length d) -> P z (length D). */
export interface Projection {
  readonly kind: 'dense' | 'fastfood' | 'identity';
  /** parameters of the network (rows of P) */
  readonly D: number;
  /** subspace dimension (columns of P) */
  readonly d: number;
  /** P z for z of shape [d]; returns shape [D] */
  apply(z: tf.Tensor1D): tf.Tensor1D;
  /** Frees the projection's tensors. */
  dispose(): void;
}

/** Dense Gaussian P with entries N(0, 1/D): columns of unit expected norm. */
export function denseProjection(D: number, d: number, rng: Rng): Projection {
  const p = tf.tidy(() => rng.normalTensor([D, d], 0, 1 / Math.sqrt(D)) as tf.Tensor2D);
  return {
    kind: 'dense', D, d,
    apply: (z) => tf.tidy(() => tf.matMul(p, z.reshape([d, 1])).reshape([D]) as tf.Tensor1D),
    dispose: () => p.dispose(),
  };
}

/** P = I (d = D): subspace training is then plain training of theta_0 + z. */
export function identityProjection(D: number): Projection {
  return { kind: 'identity', D, d: D, apply: (z) => tf.tidy(() => z.clone()), dispose: () => {} };
}

/** The Sylvester-Hadamard matrix H_m (m a power of two), entries +-1, row-major. */
export function hadamardMatrix(m: number): Float32Array {
  if (!(m >= 1 && (m & (m - 1)) === 0)) throw new Error(`hadamardMatrix: size must be a power of two, got ${m}`);
  const h = new Float32Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let b = i & j, s = 0;
    while (b) { s ^= b & 1; b >>= 1; }
    h[i * m + j] = s ? -1 : 1;
  }
  return h;
}

/**
 * Split log2 L into factors of at most 2^maxBits: H_L is the Kronecker product of the H_{m_i}, applied
 * one factor at a time (reshape to [m_i, L / m_i], multiply, transpose: after every factor the axes
 * have cycled back to their order).
 */
function kroneckerFactors(L: number, maxBits = 6): number[] {
  let bits = Math.round(Math.log2(L));
  const out: number[] = [];
  while (bits > 0) { const b = Math.min(maxBits, bits); out.push(2 ** b); bits -= b; }
  return out.length ? out : [1];
}

/** A fast Walsh-Hadamard transform H_L x (unnormalised, Sylvester order) of a [L] tensor, L a power of two. */
export function walshHadamard(x: tf.Tensor1D, factors = kroneckerFactors(x.shape[0])): tf.Tensor1D {
  const hs = factors.map((m) => tf.tensor2d(hadamardMatrix(m), [m, m]));
  try {
    return kroneckerApply(x, hs);
  } finally {
    tf.dispose(hs);
  }
}

function kroneckerApply(x: tf.Tensor1D, hs: readonly tf.Tensor2D[]): tf.Tensor1D {
  const L = x.shape[0];
  return tf.tidy(() => {
    let v: tf.Tensor = x;
    for (const h of hs) v = tf.transpose(tf.matMul(h, v.reshape([h.shape[0], L / h.shape[0]])));
    return v.reshape([L]) as tf.Tensor1D;
  });
}

/** x[perm] with the gradient dy[perm^-1] (a gather's generic gradient, a scatter-add, is far slower here). */
function permute(perm: tf.Tensor1D, inverse: tf.Tensor1D): (x: tf.Tensor1D) => tf.Tensor1D {
  const f = tf.customGrad(((x: tf.Tensor) => ({ value: tf.gather(x, perm), gradFunc: (dy: tf.Tensor) => tf.gather(dy, inverse) })) as Parameters<typeof tf.customGrad>[0]);
  return (x) => f(x) as tf.Tensor1D;
}

/**
 * The Fastfood projection P z = S [H G Pi H B pad(z)]_{1..D}: z zero-padded to L = 2^ceil(log2 max(D, d)),
 * the first D entries kept, S = 1 / sqrt(D ||G||^2) so every column has unit expected norm (each column
 * of H G Pi H B has norm^2 L ||G||^2 exactly, its first D entries D ||G||^2 in expectation). Needs d <= L.
 */
export function fastfoodProjection(D: number, d: number, rng: Rng): Projection {
  const L = 2 ** Math.ceil(Math.log2(Math.max(D, d, 2)));
  const signs = Float32Array.from({ length: L }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const perm = rng.permutation(L);
  const g = rng.normalArray(L);
  const gNorm2 = g.reduce((s, v) => s + v * v, 0);
  const scale = 1 / Math.sqrt(D * gNorm2);
  const inverse = new Int32Array(L);
  perm.forEach((j, i) => { inverse[j] = i; });
  const hs = kroneckerFactors(L).map((m) => tf.tensor2d(hadamardMatrix(m), [m, m]));
  const [b, pi, piInv, gt] = [tf.tensor1d(signs), tf.tensor1d(perm, 'int32'), tf.tensor1d(inverse, 'int32'), tf.tensor1d(g)];
  const shuffle = permute(pi, piInv);
  return {
    kind: 'fastfood', D, d,
    apply: (z) => tf.tidy(() => {
      const padded = d < L ? tf.concat([z, tf.zeros([L - d])]) as tf.Tensor1D : z;
      const first = kroneckerApply(tf.mul(padded, b) as tf.Tensor1D, hs);
      const second = kroneckerApply(tf.mul(shuffle(first), gt) as tf.Tensor1D, hs);
      return tf.mul(second.slice([0], [D]), scale) as tf.Tensor1D;
    }),
    dispose: () => tf.dispose([b, pi, piInv, gt, ...hs]),
  };
}

/**
 * Dense Gaussian P while it has at most `maxDense` entries (64 MB of float32 by default), Fastfood beyond
 * (as Li et al. 2018 do: the dense map is cheaper per step on small problems, Fastfood the only option on large ones).
 */
export function randomProjection(D: number, d: number, rng: Rng, maxDense = 2 ** 24): Projection {
  return D * d <= maxDense ? denseProjection(D, d, rng) : fastfoodProjection(D, d, rng);
}

/** P as a dense D x d row-major array, column j = P e_j (for checks on small cases). */
export function projectionMatrix(p: Projection): Float32Array {
  const out = new Float32Array(p.D * p.d);
  for (let j = 0; j < p.d; j++) {
    const col = tf.tidy(() => p.apply(tf.oneHot(tf.tensor1d([j], 'int32'), p.d).reshape([p.d]).toFloat() as tf.Tensor1D).dataSync());
    for (let i = 0; i < p.D; i++) out[i * p.d + j] = col[i];
  }
  return out;
}
