/**
 * The diffusion model Wang & Vastola analyse, in Karras et al. (2022, "EDM")'s form: a denoiser
 * D(x, sigma) = c_skip x + c_out F(c_in x, c_noise) trained on x + sigma z with ln sigma ~ N(P_mean, P_std^2)
 * and the loss weighting that makes F's target (x0 - c_skip x) / c_out of unit variance; sampled by
 * EDM's deterministic Heun solver of dx/dsigma = (x - D(x, sigma)) / sigma on the rho = 7 schedule.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { cosineDecay } from '../../train/fit.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import type { Denoiser } from './gaussian.js';

/** EDM's noise levels sigma_0 = sigmaMax > ... > sigma_{n-1} = sigmaMin, then sigma_n = 0. */
export function edmSigmas(n: number, sigmaMin = 0.002, sigmaMax = 80, rho = 7): Float64Array {
  if (!(Number.isInteger(n) && n >= 2 && sigmaMin > 0 && sigmaMax > sigmaMin && rho > 0)) throw new Error(`edmSigmas: need n >= 2 and 0 < sigmaMin < sigmaMax, got n=${n}, sigmaMin=${sigmaMin}, sigmaMax=${sigmaMax}`);
  const [a, b] = [sigmaMax ** (1 / rho), sigmaMin ** (1 / rho)];
  const out = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) out[i] = (a + (i / (n - 1)) * (b - a)) ** rho;
  return out;
}

/**
 * EDM's deterministic sampler (Karras et al. 2022, Algorithm 1) from x at level sigmas[start] through the
 * rest of `sigmas` (which ends at 0): Heun steps, the last one Euler. 2 (n - start) - 1 denoiser calls.
 */
export function heunSample(denoise: Denoiser, x: Float64Array, sigmas: Float64Array, start = 0): Float64Array {
  if (!(Number.isInteger(start) && start >= 0 && start < sigmas.length - 1)) throw new Error(`heunSample: start must index a level before the last of ${sigmas.length}, got ${start}`);
  let cur = Float64Array.from(x);
  for (let i = start; i < sigmas.length - 1; i++) {
    const [s, next] = [sigmas[i], sigmas[i + 1]];
    const den = denoise(cur, s);
    const slope = cur.map((v, j) => (v - den[j]) / s);
    const euler = cur.map((v, j) => v + (next - s) * slope[j]);
    if (next === 0) { cur = euler; break; }
    const den2 = denoise(euler, next);
    cur = cur.map((v, j) => v + ((next - s) * (slope[j] + (euler[j] - den2[j]) / next)) / 2);
  }
  return cur;
}

/** Options of {@link trainEdmDenoiser}. */
export interface EdmTrainOptions {
  hidden: number[];
  steps: number;
  batchSize: number;
  /** Adam's initial rate (it decays to 0 on a cosine) */
  lr: number;
  /** EDM's training noise distribution ln sigma ~ N(pMean, pStd^2); default -1.2, 1.2 (the paper's) */
  pMean?: number;
  pStd?: number;
  rng: Rng;
  /** called every `every` steps (and at the last) with the denoiser as it is then */
  checkpoint?: {
    every: number;
    /** receives the step number and the denoiser as it is then */
    call: (step: number, denoise: Denoiser) => void
  };
}

/** A trained EDM denoiser. */
export interface EdmNet {
  denoise: Denoiser;
  /** sigma_data: the root mean per-coordinate variance of the training data */
  sigmaData: number;
  /** the training loss at about 50 evenly spaced steps */
  losses: number[];
  /** Frees the network's tensors; `denoise` must not be called afterwards. */
  dispose(): void;
}

/** Train an MLP denoiser on `data` (n points of dimension d, row-major). */
export async function trainEdmDenoiser(data: ArrayLike<number>, d: number, opts: EdmTrainOptions): Promise<EdmNet> {
  const n = data.length / d;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(n) && n >= 2)) throw new Error(`trainEdmDenoiser: need d >= 1 dividing data.length (${data.length}) and at least 2 points, got d=${d}`);
  const { rng, batchSize: b } = opts;
  const [pMean, pStd] = [opts.pMean ?? -1.2, opts.pStd ?? 1.2];
  let sigmaData = 0;
  for (let j = 0; j < d; j++) {
    let [s, ss] = [0, 0];
    for (let i = 0; i < n; i++) [s, ss] = [s + data[i * d + j], ss + data[i * d + j] ** 2];
    sigmaData += (ss / n - (s / n) ** 2) / d;
  }
  sigmaData = Math.sqrt(sigmaData);
  const sd2 = sigmaData ** 2;
  const coef = (s: number) => ({ skip: sd2 / (s * s + sd2), out: (s * sigmaData) / Math.sqrt(s * s + sd2), in: 1 / Math.sqrt(s * s + sd2), noise: Math.log(s) / 4 });
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d] }, rng.fork('init'));
  const column = (values: number[]) => tf.tensor2d(Float32Array.from(values), [values.length, 1]);
  // D(x, sigma) for a batch at one shared level (evaluation)
  const denoise: Denoiser = (x, sigma) => {
    if (x.length % d) throw new Error(`EDM denoiser: x has ${x.length} values, not a multiple of d = ${d}`);
    const m = x.length / d;
    const c = coef(sigma);
    const out = tf.tidy(() => {
      const xt = tf.tensor2d(Float32Array.from(x), [m, d]);
      const f = model.apply(tf.concat([tf.mul(xt, c.in), tf.fill([m, 1], c.noise)], 1));
      return tf.add(tf.mul(xt, c.skip), tf.mul(f, c.out));
    });
    const values = Float64Array.from(out.dataSync());
    out.dispose();
    return values;
  };
  const x0 = Float32Array.from(data);
  const objective: Objective = (_batch, draw) => {
    // the batch's rows copied here: cheaper than a gather from a tensor of the whole set
    const rows = new Float32Array(b * d);
    for (let i = 0; i < b; i++) { const r = draw.int(n); rows.set(x0.subarray(r * d, (r + 1) * d), i * d); }
    const sigmas = Array.from({ length: b }, () => Math.exp(pMean + pStd * draw.normal()));
    const cs = sigmas.map(coef);
    const sigma = column(sigmas);
    const [skip, out, cin, noise] = (['skip', 'out', 'in', 'noise'] as const).map((k) => column(cs.map((c) => c[k])));
    const clean = tf.tensor2d(rows, [b, d]);
    const noisy = tf.add(clean, tf.mul(sigma, draw.normalTensor([b, d])));
    const target = tf.div(tf.sub(clean, tf.mul(skip, noisy)), out);
    const input = tf.concat([tf.mul(cin, noisy), noise], 1);
    return (ps) => tf.mean(tf.sum(tf.square(tf.sub(model.apply(input, ps), target)), 1)) as tf.Scalar;
  };
  const every = opts.checkpoint?.every ?? Math.max(1, Math.floor(opts.steps / 50));
  if (!(Number.isInteger(every) && every >= 1 && every <= opts.steps)) throw new Error(`trainEdmDenoiser: checkpoint.every must be an integer in [1, steps = ${opts.steps}], got ${every}`);
  let losses: number[];
  try {
    const run = await train({
      model, objective, transform: adam(cosineDecay(opts.lr, opts.steps)), steps: opts.steps, rng: rng.fork('train'), logEvery: every, progress: 'silent', label: 'EDM denoiser',
      onLog: opts.checkpoint ? (step) => opts.checkpoint!.call(step, denoise) : undefined,
    });
    if (run.status !== 'ok') throw new Error(`trainEdmDenoiser: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${opts.steps}`);
    losses = run.history.map((h) => h.loss);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { denoise, sigmaData, losses, dispose: () => model.dispose() };
}
