/**
 * Learning an interpolant's fields from samples by the paper's quadratic objectives (Albergo, Boffi &
 * Vanden-Eijnden 2023, Sec. 3): v = E[alpha' x0 + beta' x1 | x_t] minimises E|v^ - (alpha' x0 + beta' x1)|^2
 * and the denoiser eta = E[z | x_t] minimises E|eta^ - z|^2, both over t ~ U(tMin, 1 - tMin). One network
 * u(x, t) outputs both (the objectives add; each half has its own minimiser). Then
 * b = v + gamma' eta and score = -eta / gamma: both regression targets have bounded variance, where the
 * paper's direct objective for b has the target gamma' z, whose variance is infinite at the ends.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import type { TimeField } from './exact.js';
import type { Interpolant } from './interpolant.js';

/** Options of {@link learnInterpolantFields}. */
export interface LearnFieldsOptions {
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /**
   * training times are drawn from [tMin, 1 - tMin] (default 0.01), and the learned fields are evaluated
   * at t clamped to that range: the score -eta/gamma and gamma' eta amplify the net's error by 1/gamma,
   * unbounded at the ends
   */
  tMin?: number;
  rng: Rng;
}

/** Learned velocity and score of an interpolant from N(0, I) to the data. */
export interface LearnedFields {
  velocity: TimeField;
  score: TimeField;
  /** the training loss at about 50 evenly spaced steps */
  losses: number[];
  /** Frees the network's tensors; `velocity` and `score` must not be called afterwards. */
  dispose(): void;
}

/** Learn b and the score of `I` from N(0, I) to `data` (n points of dimension d, row-major). */
export async function learnInterpolantFields(I: Interpolant, data: Float64Array, d: number, opts: LearnFieldsOptions): Promise<LearnedFields> {
  const n = data.length / d;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(n) && n >= 2)) throw new Error(`learnInterpolantFields: need d >= 1 dividing data.length (${data.length}) and at least 2 points, got d=${d}`);
  const tMin = opts.tMin ?? 0.01;
  if (!(tMin > 0 && tMin < 0.5)) throw new Error(`learnInterpolantFields: tMin must be in (0, 0.5), got ${tMin}`);
  const b = opts.batchSize;
  const model = mlp({ sizes: [d + 1, ...opts.hidden, 2 * d] }, opts.rng.fork('init'));
  const x1All = tf.tensor2d(Float32Array.from(data), [n, d]);
  const column = (ts: number[], f: (t: number) => number) => tf.tensor2d(Float32Array.from(ts, f), [b, 1]);
  const objective: Objective = (_batch, draw) => {
    const ts = Array.from({ length: b }, () => tMin + (1 - 2 * tMin) * draw.uniform());
    const x1 = tf.gather(x1All, tf.tensor1d(Int32Array.from({ length: b }, () => draw.int(n)), 'int32'));
    const [x0, z] = [draw.normalTensor([b, d]), draw.normalTensor([b, d])];
    const xt = tf.addN([tf.mul(column(ts, I.alpha), x0), tf.mul(column(ts, I.beta), x1), tf.mul(column(ts, I.gamma), z)]);
    const target = tf.concat([tf.add(tf.mul(column(ts, I.dAlpha), x0), tf.mul(column(ts, I.dBeta), x1)), z], 1);
    const input = tf.concat([xt, tf.tensor2d(Float32Array.from(ts), [b, 1])], 1);
    return (ps) => tf.mean(tf.sum(tf.square(tf.sub(model.apply(input, ps), target)), 1)) as tf.Scalar;
  };
  let losses: number[];
  try {
    const run = await train({ model, objective, transform: adam((step) => 0.5 * opts.lr * (1 + Math.cos((Math.PI * step) / opts.steps))), steps: opts.steps, rng: opts.rng.fork('train'), logEvery: 1, progress: 'silent', label: 'interpolant fields' });
    if (run.status !== 'ok') throw new Error(`learnInterpolantFields: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${opts.steps}`);
    const every = Math.max(1, Math.floor(opts.steps / 50));
    losses = run.history.filter((h) => (h.step - 1) % every === 0).map((h) => h.loss);
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    x1All.dispose();
  }
  // [v, eta] at (x, t), as one n x 2d array; an SDE step asks for b and the score at the same (x, t), so the
  // last evaluation is kept and reused when x (by value) and t repeat
  let last: { x: Float64Array; t: number; values: Float32Array } | null = null;
  const evaluate = (x: Float64Array, t: number) => {
    const m = x.length / d;
    if (last && last.t === t && last.x.length === x.length && last.x.every((v, j) => v === x[j])) return { m, values: last.values };
    const out = tf.tidy(() => model.apply(tf.concat([tf.tensor2d(Float32Array.from(x), [m, d]), tf.fill([m, 1], t)], 1)));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    last = { x: Float64Array.from(x), t, values };
    return { m, values };
  };
  const clamp = (t: number) => Math.min(Math.max(t, tMin), 1 - tMin);
  const half = (x: Float64Array, t: number, f: (v: number, eta: number) => number) => {
    const { m, values } = evaluate(x, t);
    const r = new Float64Array(m * d);
    for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) r[i * d + j] = f(values[i * 2 * d + j], values[i * 2 * d + d + j]);
    return r;
  };
  return {
    velocity: (x, t) => { const [c, g] = [clamp(t), I.dGamma(clamp(t))]; return half(x, c, (v, eta) => v + g * eta); },
    score: (x, t) => { const [c, g] = [clamp(t), I.gamma(clamp(t))]; return half(x, c, (_, eta) => -eta / g); },
    losses,
    dispose: () => model.dispose(),
  };
}
