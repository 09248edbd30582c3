/**
 * The edge of stability of (U)SAM (Agarwala & Dauphin 2023, "SAM operates far from home").
 *
 * Full-batch unnormalised SAM (USAM), theta <- theta - eta grad L(theta + rho grad L(theta)), on a
 * quadratic L = 1/2 theta^T H theta is linear: theta <- (I - eta (H + rho H^2)) theta, with multiplier
 * 1 - eta (lambda + rho lambda^2) along an eigenvector of H with eigenvalue lambda. The step is stable
 * while that multiplier stays above -1, i.e. while eta (lambda + rho lambda^2) <= 2, so the largest
 * eigenvalue USAM can sit at is the positive root
 *
 *   lambda*(eta, rho) = (sqrt(1 + 8 rho / eta) - 1) / (2 rho)      (-> 2/eta as rho -> 0, gradient descent).
 *
 * Normalised SAM, theta <- theta - eta grad L(theta + rho g/|g|), is on a quadratic exactly one USAM
 * step with radius rho/|g| (g = grad L(theta)): the ascent rho g/|g| is rho/|g| times g. Its edge at a
 * point with gradient norm |g| is therefore lambda*(eta, rho/|g|), the solution of
 * eta (lambda + rho lambda^2 / |g|) = 2; it depends on where the run is, through |g|.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradientTransformation } from '../../train/transforms.js';

function assertRate(fn: string, eta: number, rho: number): void {
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`${fn}: eta must be a finite number > 0, got ${eta}`);
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new Error(`${fn}: rho must be a finite number >= 0, got ${rho}`);
}

/** USAM's multiplier along an eigenvector of H with eigenvalue lambda: 1 - eta (lambda + rho lambda^2). */
export function usamEigenvalue(lambda: number, eta: number, rho: number): number {
  assertRate('usamEigenvalue', eta, rho);
  return 1 - eta * (lambda + rho * lambda * lambda);
}

/**
 * The USAM edge of stability: the positive lambda with eta (lambda + rho lambda^2) = 2 (2/eta at
 * rho = 0). Written as 4 / (eta (1 + sqrt(1 + 8 rho / eta))), the same root without cancellation at small rho.
 */
export function usamEdge(eta: number, rho: number): number {
  assertRate('usamEdge', eta, rho);
  return 4 / (eta * (1 + Math.sqrt(1 + (8 * rho) / eta)));
}

/** The SAM edge at gradient norm |g|: USAM's edge at radius rho/|g|, i.e. eta (lambda + rho lambda^2 / |g|) = 2. */
export function samEdge(eta: number, rho: number, gradNorm: number): number {
  if (!(gradNorm > 0) || !Number.isFinite(gradNorm)) throw new Error(`samEdge: the gradient norm must be a finite number > 0, got ${gradNorm}`);
  return usamEdge(eta, rho / gradNorm);
}

/**
 * Unnormalised SAM as a gradient transformation: the gradient g is replaced by the gradient at
 * theta + rho g (no normalisation), then handed to the base step, e.g. chain(usam(0.05), sgd(eta)).
 * rho = 0 is the identity (plain gradient descent). Needs the training loop's ctx.gradAt.
 */
export function usam(rho: number): GradientTransformation<null> {
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new Error(`usam: rho must be a finite number >= 0, got ${rho}`);
  return {
    name: `usam(${rho})`,
    init: () => null,
    update: (g, _s, params, ctx) => {
      if (rho === 0) return g;
      if (!ctx.gradAt) throw new Error('usam: the training loop must provide ctx.gradAt (the batch gradient at other parameters)');
      return ctx.gradAt(params.map((p, i) => tf.add(p, tf.mul(rho, g[i]))));
    },
    dispose: () => {},
  };
}

/**
 * One full-batch step of `transform` (followed by a plain step -eta) on the quadratic
 * L(theta) = 1/2 theta^T H theta, H dense symmetric n x n (row-major), from the point theta: the
 * transform sees the exact gradient H theta and, through ctx.gradAt, H at any other point. Returns
 * theta's successor, float64 (the tensors are float32 inside tf; use for small exact checks).
 */
export function quadraticStep(transform: GradientTransformation<any>, h: Float64Array, theta: Float64Array, eta: number): Float64Array {
  const n = theta.length;
  if (h.length !== n * n) throw new Error(`quadraticStep: H has ${h.length} entries, needs ${n * n}`);
  const hT = tf.tensor2d(Float32Array.from(h), [n, n]);
  const state = transform.init([]);
  try {
    const next = tf.tidy(() => {
      const grad = (p: tf.Tensor) => tf.matMul(hT, p.reshape([n, 1])).reshape([n]);
      const p = tf.tensor1d(Float32Array.from(theta));
      const u = transform.update([grad(p)], state, [p], { step: 0, rng: undefined as never, gradAt: (ps) => [grad(ps[0])] });
      return tf.sub(p, tf.mul(eta, u[0]));
    });
    const out = Float64Array.from(next.dataSync());
    next.dispose();
    return out;
  } finally {
    transform.dispose(state);
    hT.dispose();
  }
}

/** The matrix of a linear step (e.g. USAM's on a quadratic): its action on the basis vectors, as columns (row-major n x n). */
export function stepMatrix(step: (theta: Float64Array) => Float64Array, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n); e[j] = 1;
    const col = step(e);
    for (let i = 0; i < n; i++) m[i * n + j] = col[i];
  }
  return m;
}
