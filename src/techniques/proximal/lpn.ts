/**
 * Learned proximal networks (Fang, Buchanan & Sulam 2024): f(y) = grad psi(y) with psi an input-convex
 * network (Amos et al. 2017), as in the paper's code: psi(y) = w^T z_L + v^T y + c + (alpha/2) |y|^2,
 * z_1 = act(W_0 y + b_0), z_{k+1} = act(U_k z_k + W_k y + b_k), with U_k >= 0, w >= 0 and act convex and
 * non-decreasing (softplus with sharpness beta, 10 in the paper's code). psi is then convex (strongly when
 * alpha > 0), so f is the gradient of a convex function and,
 * by Gribonval & Nikolova's characterisation, exactly the proximal operator of some (possibly nonconvex)
 * regulariser phi; f's Jacobian, the Hessian of psi, is symmetric positive semidefinite everywhere.
 * Non-negativity is by reparametrisation, U = softplus(U~), so it holds for every parameter value (the
 * paper's code clips U at 0 after each step).
 * Training, on pairs (x, y = x + noise):
 * - 'mse': E|f(y) - x|^2, whose minimiser is the MMSE denoiser E[x | y];
 * - 'proximal-matching': E[1 - exp(-|f(y) - x|^2 / gamma^2)] with gamma annealed towards 0, whose
 *   minimiser tends to the posterior mode, argmax p(x | y): the MAP denoiser, the prox of -sigma^2 log p.
 */
import * as tf from '@tensorflow/tfjs';
import { normalVariable, zerosVariable, type Model } from '../../models/model.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';

/** The architecture of an input-convex potential psi on R^d. */
export interface IcnnSpec {
  d: number;
  hidden: number[];
  /** weight of the strongly convex term (alpha/2)|y|^2 (default 0, as the paper's code) */
  alpha?: number;
  /** sharpness of the softplus activation (default 10, the paper's code) */
  beta?: number;
}

/** An ICNN psi: `apply(y)` is psi(y), [batch, 1]. */
export function icnn(spec: IcnnSpec, rng: Rng): Model {
  const { d, hidden } = spec;
  const alpha = spec.alpha ?? 0;
  const beta = spec.beta ?? 10;
  if (!(beta > 0)) throw new Error(`icnn: beta must be > 0, got ${beta}`);
  const act = (x: tf.Tensor) => tf.div(tf.softplus(tf.mul(beta, x)), beta);
  if (!(Number.isInteger(d) && d >= 1 && hidden.length >= 1 && hidden.every((h) => Number.isInteger(h) && h >= 1))) throw new Error(`icnn: need an integer d >= 1 and at least one hidden width, got d=${d}, hidden=[${hidden}]`);
  if (!(alpha >= 0)) throw new Error(`icnn: alpha must be >= 0, got ${alpha}`);
  const params: tf.Variable[] = [];
  const paramNames: string[] = [];
  const add = (v: tf.Variable, name: string) => (params.push(v), paramNames.push(name), params.length - 1);
  // per layer: the input path W (d x h), its bias, and from the second layer on the non-negative path U~ (h_prev x h)
  const layers = hidden.map((h, l) => ({
    w: add(normalVariable(rng, [d, h], Math.sqrt(1 / d), `icnn${l}/input`), `icnn${l}/input`),
    b: add(zerosVariable([h], `icnn${l}/bias`), `icnn${l}/bias`),
    // softplus(U~) ~ 1/width: each layer's convex path sums to about 1, so depth does not blow up the potential
    u: l === 0 ? -1 : add(tf.tidy(() => tf.variable(tf.add(rng.normalTensor([hidden[l - 1], h], 0, 0.1), Math.log(Math.expm1(1 / hidden[l - 1]))), true)), `icnn${l}/convex`),
  }));
  const out = add(tf.tidy(() => tf.variable(tf.add(rng.normalTensor([hidden.at(-1)!, 1], 0, 0.1), Math.log(Math.expm1(1 / hidden.at(-1)!))), true)), 'icnn/out');
  const linear = add(normalVariable(rng, [d, 1], Math.sqrt(1 / d), 'icnn/linear'), 'icnn/linear');
  const potential = (y: tf.Tensor, ps: readonly tf.Tensor[], upTo: number) => {
    const y2 = y.reshape([y.shape[0], d]) as tf.Tensor2D;
    let z: tf.Tensor2D | null = null;
    for (let l = 0; l < upTo; l++) {
      const { w, b, u } = layers[l];
      let pre = tf.add(tf.matMul(y2, ps[w] as tf.Tensor2D), ps[b]) as tf.Tensor2D;
      if (z && u >= 0) pre = tf.add(pre, tf.matMul(z, tf.softplus(ps[u]) as tf.Tensor2D));
      z = act(pre) as tf.Tensor2D;
    }
    return z!;
  };
  return {
    name: `icnn(${d}-${hidden.join('-')})`,
    params,
    paramNames,
    apply: (y, ps = params) => {
      const z = potential(y, ps, layers.length);
      const y2 = y.reshape([y.shape[0], d]);
      const affine = tf.add(tf.matMul(z, tf.softplus(ps[out]) as tf.Tensor2D), tf.matMul(y2 as tf.Tensor2D, ps[linear] as tf.Tensor2D));
      return (alpha > 0 ? tf.add(affine, tf.mul(alpha / 2, tf.sum(tf.square(y2), 1, true))) : affine) as tf.Tensor2D;
    },
    features: (y, ps = params) => potential(y, ps, layers.length),
    dispose: () => params.forEach((p) => p.dispose()),
  };
}

/** f(y) = grad psi(y) on a [batch, d] tensor (differentiable in the parameters). */
export function proxTensor(psi: Model, y: tf.Tensor2D, ps?: readonly tf.Tensor[]): tf.Tensor2D {
  return tf.grad((v: tf.Tensor) => tf.sum(psi.apply(v, ps)))(y) as tf.Tensor2D;
}

/** f(y) = grad psi(y) at the n x d points y (row-major). */
export function prox(psi: Model, y: Float64Array, d: number): Float64Array {
  const n = y.length / d;
  if (!Number.isInteger(n)) throw new Error(`prox: y has ${y.length} values, not a multiple of d = ${d}`);
  const out = tf.tidy(() => proxTensor(psi, tf.tensor2d(Float32Array.from(y), [n, d])));
  const values = Float64Array.from(out.dataSync());
  out.dispose();
  return values;
}

/** The Jacobian of f (the Hessian of psi) at one point y of R^d, d x d row-major. */
export function proxJacobian(psi: Model, y: Float64Array): Float64Array {
  const d = y.length;
  const out = tf.tidy(() => {
    const rows = Array.from({ length: d }, (_, j) =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(proxTensor(psi, v as tf.Tensor2D), tf.tensor2d(Float32Array.from({ length: d }, (_, k) => (k === j ? 1 : 0)), [1, d]))))(tf.tensor2d(Float32Array.from(y), [1, d])));
    return tf.concat(rows, 0);
  });
  const values = Float64Array.from(out.dataSync());
  out.dispose();
  return values;
}

/** Options of {@link trainLpn}. */
export interface LpnTrainOptions {
  /** 'mse' (-> MMSE), 'l1' (-> posterior median; the paper's warm start for proximal matching) or 'proximal-matching' (-> MAP) */
  loss: 'mse' | 'l1' | 'proximal-matching';
  /** draws n clean points (n x d row-major) */
  sample: (n: number, rng: Rng) => Float64Array;
  /** the noise sd of y = x + sigma z */
  sigma: number;
  steps: number;
  batchSize: number;
  lr: number;
  /** proximal matching's gamma, annealed geometrically from the first to the second value over the steps (default [0.5, 0.1], the paper's code's range) */
  gamma?: [number, number];
  /** the learning rate decays geometrically to lr * lrDecay over the steps (default 0.1; the paper's code steps it down by 10 twice) */
  lrDecay?: number;
  rng: Rng;
}

/** Train the LPN psi on (x, x + sigma z) pairs; returns the recorded losses. */
export async function trainLpn(psi: Model, d: number, opts: LpnTrainOptions): Promise<number[]> {
  const { sigma, batchSize: b, steps } = opts;
  if (!(sigma > 0)) throw new Error(`trainLpn: sigma must be > 0, got ${sigma}`);
  if (!['mse', 'l1', 'proximal-matching'].includes(opts.loss)) throw new Error(`trainLpn: loss must be 'mse', 'l1' or 'proximal-matching', got ${String(opts.loss)}`);
  const [g0, g1] = opts.gamma ?? [0.5, 0.1];
  const lrDecay = opts.lrDecay ?? 0.1;
  if (opts.loss === 'proximal-matching' && !(g0 > 0 && g1 > 0)) throw new Error(`trainLpn: gamma must be two numbers > 0, got [${g0}, ${g1}]`);
  let step = 0;
  const objective: Objective = (_batch, draw) => {
    const x = opts.sample(b, draw);
    if (x.length !== b * d) throw new Error(`trainLpn: sample(${b}) returned ${x.length} values, not ${b} x ${d}`);
    const xT = tf.tensor2d(Float32Array.from(x), [b, d]);
    const yT = tf.add(xT, tf.mul(sigma, draw.normalTensor([b, d]))) as tf.Tensor2D;
    const gamma = g0 * (g1 / g0) ** (Math.min(step++, steps - 1) / Math.max(1, steps - 1));
    return (ps) => {
      const diff = tf.sub(proxTensor(psi, yT, ps), xT);
      if (opts.loss === 'l1') return tf.mean(tf.sum(tf.abs(diff), 1)) as tf.Scalar;
      const sq = tf.sum(tf.square(diff), 1);
      return (opts.loss === 'mse' ? tf.mean(sq) : tf.mean(tf.sub(1, tf.exp(tf.div(tf.neg(sq), gamma * gamma))))) as tf.Scalar;
    };
  };
  const run = await train({ model: psi, objective, transform: adam((k) => opts.lr * lrDecay ** (k / Math.max(1, steps - 1))), steps, rng: opts.rng.fork('train'), logEvery: Math.max(1, Math.floor(steps / 50)), progress: 'silent', label: `LPN (${opts.loss})` });
  if (run.status !== 'ok') throw new Error(`trainLpn: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${steps}`);
  return run.history.map((h) => h.loss);
}
