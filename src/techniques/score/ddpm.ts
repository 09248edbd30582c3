/**
 * Denoising diffusion probabilistic models (Ho et al. 2020; Nichol & Dhariwal 2021): a forward chain
 * x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, a network eps_theta(x_t, t) trained to predict eps,
 * and ancestral sampling back from N(0, I). Input perturbation (Ning et al. 2023) trains on
 * sqrt(abar_t) x_0 + sqrt(1 - abar_t) (eps + gamma xi) with the target still eps, to mimic the
 * errors the sampler feeds itself (exposure bias).
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
/** A DDPM noise schedule over T steps: betas[t] and alphaBar[t] = prod_{s <= t} (1 - betas[s]) (t 0-based). */
export interface Schedule {
  betas: Float64Array;
  alphaBar: Float64Array;
}

/** Linear betas over T steps, scaled as Ho et al.'s 1e-4..0.02 for T = 1000. */
export function linearSchedule(T: number): Schedule {
  const [b0, b1] = [1e-4 * (1000 / T), 0.02 * (1000 / T)];
  if (!(Number.isInteger(T) && T >= 2 && b1 < 1)) throw new Error(`linearSchedule: T must be an integer with 0.02 * 1000 / T < 1 (T > 20), got ${T}`);
  const betas = Float64Array.from({ length: T }, (_, t) => b0 + ((b1 - b0) * t) / Math.max(1, T - 1));
  const alphaBar = new Float64Array(T);
  betas.reduce((prod, b, t) => (alphaBar[t] = prod * (1 - b)), 1);
  return { betas, alphaBar };
}

/** eps prediction for n points of dimension d at step t (0-based). */
export type EpsilonModel = (x: Float64Array, t: number) => Float64Array;

/** Ancestral sampling (sigma_t^2 = beta_t) of n points of dimension d. */
export function sampleDdpm(eps: EpsilonModel, s: Schedule, n: number, d: number, rng: Rng): Float64Array {
  const T = s.betas.length;
  const x = Float64Array.from({ length: n * d }, () => rng.normal());
  for (let t = T - 1; t >= 0; t--) {
    const e = eps(x, t);
    const [beta, ab] = [s.betas[t], s.alphaBar[t]];
    const k = beta / Math.sqrt(1 - ab);
    const sd = t > 0 ? Math.sqrt(beta) : 0;
    for (let j = 0; j < x.length; j++) x[j] = (x[j] - k * e[j]) / Math.sqrt(1 - beta) + sd * rng.normal();
  }
  return x;
}

/** Settings of `trainDdpm`: schedule, MLP widths, Adam's steps, batch size and rate, input-perturbation gamma and random stream. */
export interface DdpmOptions {
  schedule: Schedule;
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** input perturbation's gamma (0: plain DDPM) */
  gamma: number;
  rng: Rng;
}

/** Train an eps-network on data (n points of dimension d); its input is (x_t, t / T). */
export async function trainDdpm(data: Float32Array, d: number, opts: DdpmOptions): Promise<{
  eps: EpsilonModel;
  /** frees the network's tensors; `eps` must not be called afterwards */
  dispose(): void
}> {
  const { schedule, rng } = opts;
  const T = schedule.betas.length;
  const n = data.length / d;
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d] }, rng.fork('init'));
  const x0 = tf.tensor2d(data, [n, d]);
  const b = opts.batchSize;
  const objective: Objective = () => {
    const ts = Int32Array.from({ length: b }, () => rng.int(T));
    const sa = tf.tensor2d(Float32Array.from(ts, (t) => Math.sqrt(schedule.alphaBar[t])), [b, 1]);
    const sb = tf.tensor2d(Float32Array.from(ts, (t) => Math.sqrt(1 - schedule.alphaBar[t])), [b, 1]);
    const eps = rng.normalTensor([b, d]);
    const pushed = opts.gamma > 0 ? tf.add(eps, tf.mul(opts.gamma, rng.normalTensor([b, d]))) : eps;
    const xt = tf.add(tf.mul(sa, tf.gather(x0, tf.tensor1d(Int32Array.from({ length: b }, () => rng.int(n)), 'int32'))), tf.mul(sb, pushed));
    const input = tf.concat([xt, tf.tensor2d(Float32Array.from(ts, (t) => t / T), [b, 1])], 1);
    return (ps) => tf.mean(tf.sum(tf.square(tf.sub(model.apply(input, ps), eps)), 1)) as tf.Scalar;
  };
  try {
    await train({ model, objective, transform: adam(opts.lr), steps: opts.steps, rng: rng.fork('train'), progress: 'silent', label: 'ddpm' });
  } finally {
    x0.dispose();
  }
  const eps: EpsilonModel = (x, t) => {
    const m = x.length / d;
    const out = tf.tidy(() => model.apply(tf.concat([tf.tensor2d(Float32Array.from(x), [m, d]), tf.fill([m, 1], t / T)], 1)));
    const v = Float64Array.from(out.dataSync());
    out.dispose();
    return v;
  };
  return { eps, dispose: () => model.dispose() };
}
