/**
 * An eps-prediction diffusion model (Ho et al. 2020) trained on the objective-driven loop, with or without
 * immiscible noise assignment: each step draws a batch of data, a batch of N(0, I) noise and the steps t,
 * then (immiscible) reorders the noise by the batch's linear assignment before noising,
 * x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) z, and regresses the network eps(x_t, t / T) on z.
 * Both arms make the same draws from the same streams, so with one seed they differ only by the
 * assignment. Adam at a constant rate, as the DDIM/DDPM reference trainers use, and optionally an
 * exponential moving average of the weights (as they evaluate), which is then what evaluations and the
 * returned model use.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { train, type Objective, type TrainRecord } from '../../train/loop.js';
import { adam } from '../../train/transforms.js';
import type { DiscreteSchedule } from '../diffusion/process.js';
import type { StepEps } from '../diffusion/samplers.js';
import { assignNoise, type AssignmentCost } from './immiscible.js';

/** Options of {@link trainEpsModel}. */
export interface EpsModelOptions {
  schedule: DiscreteSchedule;
  /** n draws of the data, n x d, from the given stream */
  sampleData: (n: number, rng: Rng) => Float64Array;
  d: number;
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** the noise assignment's cost, or null for standard (independent) noise */
  assign: AssignmentCost | null;
  rng: Rng;
  /** evaluate every this many steps (default: steps) */
  evalEvery?: number;
  /** decay of the weights' moving average used for evaluation and the returned model (default: none, the raw weights) */
  emaDecay?: number;
  /** called at each evaluation with the model as it is; what it returns is recorded in the history */
  onEval?: (step: number, eps: StepEps) => Record<string, number> | void;
  /** sees each step's data, drawn noise and the noise the data got (reordered when assigned) */
  onBatch?: (x0: Float64Array, drawn: Float64Array, given: Float64Array) => void;
}

/** A trained eps-network: the noise predictor (EMA weights if enabled), the evaluation history, and disposal. */
export interface EpsModel {
  eps: StepEps;
  history: TrainRecord[];
  /** Frees the network's tensors; `eps` must not be called afterwards. */
  dispose(): void;
}

/** Train an eps-network on (x_t, t / T) with standard or immiscible (assigned) noise. */
export async function trainEpsModel(opts: EpsModelOptions): Promise<EpsModel> {
  const { schedule, d, batchSize: b, rng } = opts;
  const T = schedule.alphaBar.length;
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`trainEpsModel: d must be an integer >= 1, got ${d}`);
  if (!(Number.isInteger(b) && b >= 2)) throw new Error(`trainEpsModel: batchSize must be an integer >= 2, got ${b}`);
  const decay = opts.emaDecay;
  if (decay !== undefined && !(decay >= 0 && decay < 1)) throw new Error(`trainEpsModel: emaDecay must lie in [0, 1), got ${decay}`);
  const every = opts.evalEvery ?? opts.steps;
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`trainEpsModel: evalEvery must be an integer >= 1, got ${every}`);
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d] }, rng.fork('init'));
  const ema = decay === undefined ? null : model.params.map((p) => tf.tidy(() => tf.variable(p.clone(), false)));
  const eps: StepEps = (x, t) => {
    const m = x.length / d;
    const out = tf.tidy(() => model.apply(tf.concat([tf.tensor2d(Float32Array.from(x), [m, d]), tf.fill([m, 1], t / T)], 1), ema ?? undefined));
    const v = Float64Array.from(out.dataSync());
    out.dispose();
    return v;
  };
  const objective: Objective = (_batch, draw) => {
    const x0 = opts.sampleData(b, draw);
    if (x0.length !== b * d) throw new Error(`trainEpsModel: sampleData returned ${x0.length} values, expected ${b * d}`);
    const z = Float64Array.from({ length: b * d }, () => draw.normal());
    const given = opts.assign ? assignNoise(x0, z, d, opts.assign) : z;
    opts.onBatch?.(x0, z, given);
    const ts = Int32Array.from({ length: b }, () => draw.int(T));
    const col = (f: (t: number) => number) => tf.tensor2d(Float32Array.from(ts, f), [b, 1]);
    const target = tf.tensor2d(Float32Array.from(given), [b, d]);
    const xt = tf.add(tf.mul(col((t) => Math.sqrt(schedule.alphaBar[t])), tf.tensor2d(Float32Array.from(x0), [b, d])), tf.mul(col((t) => Math.sqrt(1 - schedule.alphaBar[t])), target));
    const input = tf.concat([xt, col((t) => t / T)], 1);
    return (ps) => tf.mean(tf.sum(tf.square(tf.sub(model.apply(input, ps), target)), 1)) as tf.Scalar;
  };
  const dispose = () => {
    model.dispose();
    ema?.forEach((v) => v.dispose());
  };
  // with a moving average the loop reports every step, to update it; evaluations stay every `every` steps
  const onLog = (step: number) => {
    if (ema) tf.tidy(() => ema.forEach((v, i) => v.assign(tf.add(tf.mul(decay!, v), tf.mul(1 - decay!, model.params[i])))));
    return step % every === 0 || step === opts.steps ? opts.onEval?.(step, eps) : undefined;
  };
  try {
    const run = await train({
      model, objective, transform: adam(opts.lr), steps: opts.steps, rng: rng.fork('train'), progress: 'silent', label: opts.assign ? 'immiscible eps model' : 'eps model',
      logEvery: ema ? 1 : every, onLog,
    });
    if (run.status !== 'ok') throw new Error(`trainEpsModel: training ended '${run.status}' at step ${run.history.at(-1)?.step ?? 0} of ${opts.steps}`);
    const history = ema ? run.history.filter((h) => h.step % every === 0 || h.step === opts.steps) : run.history;
    return { eps, history, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
